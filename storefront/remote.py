"""The checkout's Partner Center and Graph facts, asked the same way by the pages and the
API: the app's clients are handed to checkout.fetch, which imports neither."""

from __future__ import annotations

from datetime import UTC, datetime

from accounts.models import Customer
from checkout.fetch import RemoteFacts, remote_facts
from connectors.graph.app_client import get_graph_client
from connectors.partner_center.app_client import get_client


def facts_for(customer: Customer) -> RemoteFacts:
    """What Microsoft says for this customer's checkout, now."""
    return remote_facts(get_client(), customer, datetime.now(UTC), get_graph_client())
