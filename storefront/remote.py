"""The checkout's Partner Center and Graph facts, asked the same way by the pages and the
API: the app's clients are handed to checkout.fetch, which imports neither."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from accounts.models import Customer
from catalog.models import Family
from checkout.context import AzureSubscriptionFacts
from checkout.fetch import RemoteFacts, remote_facts
from connectors.graph.app_client import get_graph_client
from connectors.partner_center.app_client import get_client
from subscriptions.azure_plan import azure_plan_view


def facts_for(customer: Customer, lines: Iterable = ()) -> RemoteFacts:
    """What Microsoft says for this customer's checkout of these cart lines, now."""
    facts = remote_facts(get_client(), customer, datetime.now(UTC), get_graph_client())
    if facts.azure_subscriptions is not None or not _orders_a_reservation(lines):
        return facts
    return _with_azure_plan(facts, customer)


def _orders_a_reservation(lines: Iterable) -> bool:
    """Only a reservation line needs the Azure plan's subscriptions (K12): every other
    checkout skips the look-up, a statement and a Partner Center call."""
    return any(line.price.sku.product.family == Family.AZURE_RESERVATION for line in lines)


def _with_azure_plan(facts: RemoteFacts, customer: Customer) -> RemoteFacts:
    """K12: the Azure subscriptions of the Azure plan we mirrored for this customer, when
    the tenant's own listing did not bring them (checkout.fetch asks only of a tenant
    it reads); still None when there is no plan or Partner Center did not answer."""
    view = azure_plan_view(customer.id, get_client())
    if view.plan is None or view.subscriptions is None:
        return facts
    found = tuple(AzureSubscriptionFacts(s.id, s.friendly_name, s.active)
                  for s in view.subscriptions)
    return replace(facts, azure_subscriptions=found)
