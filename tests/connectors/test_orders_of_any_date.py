"""Get all of a customer's orders (and by billing cycle type), as Microsoft documents them:
the only list that still returns software bought before October 2021."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
import responses

from connectors.partner_center import InvalidRequest
from connectors.partner_center.client import LIVE_BASE_URL
from connectors.partner_center.sandbox import legacy_orders, seed
from tests.connectors.documented import sample, shape_differences
from tests.connectors.documented_world import Documented

C = "b0d70a69-4c42-4b27-b17b-91a835d8686a"
TENANT = seed.TENANT_WITH_DAP_ID
# Fields our sandbox adds to a documented order (checkout-a-cart and order-resources show
# them on orders; this page's short sample leaves them out).
SANDBOX_EXTRAS = frozenset({
    "items[].alternateId", "items[].currencySymbol", "items[].transactionType",
    "items[].lineItems[].subscriptionId", "items[].lineItems[].termDuration",
    "items[].lineItems[].transactionType", "items[].lineItems[].partnerIdOnRecord",
    "items[].lineItems[].links.product", "items[].lineItems[].links.availability",
    "items[].links.patchOperation"})


@pytest.fixture
def documented():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield Documented(mock)


def by_billing_type() -> dict:
    return sample("list_orders")["alternatives"][0]


def test_the_client_asks_by_billing_type_as_documented_and_reads_the_answer(documented):
    documented.serve("GET", by_billing_type()["response"])
    first, second = documented.client.list_orders(C, billing_type="onetime")
    sent = documented.mock.calls[0].request
    assert sent.url.endswith(f"/v1/customers/{C}/orders?billingType=onetime")
    assert (first.billing_cycle, second.billing_cycle) == ("one_time", "one_time")
    assert second.lines[0].offer_id == "DZH318Z0BQ4Z:002P:DZH318Z0CL2D"
    assert second.created == datetime(2018, 3, 15, 1, 42, 36, 844027, tzinfo=UTC)


def test_the_client_asks_for_every_order_without_a_billing_type(documented):
    documented.serve("GET", sample("list_orders")["response"])
    documented.client.list_orders(C)
    assert documented.mock.calls[0].request.url.endswith(f"/v1/customers/{C}/orders")


def test_the_sandbox_keeps_pre_october_2021_software_in_orders_not_in_subscriptions(
        pc_client):
    orders = pc_client.list_orders(TENANT)
    old = {o.id: o for o in orders if o.created < datetime(2021, 10, 1, tzinfo=UTC)}
    assert set(old) == {legacy_orders.SQL_SERVER_ORDER_ID,
                        legacy_orders.WINDOWS_SERVER_ORDER_ID}
    lines = [li.subscription_id for o in old.values() for li in o.lines]
    assert set(lines) == {legacy_orders.SQL_SERVER_SUBSCRIPTION_ID,
                          legacy_orders.WINDOWS_SERVER_SUBSCRIPTION_ID}
    assert not {s.id for s in pc_client.list_subscriptions(TENANT)} & set(lines)


def test_the_sandbox_filters_by_billing_type_the_way_the_docs_spell_it(pc_client):
    one_time = pc_client.list_orders(TENANT, billing_type="onetime")
    assert [o.id for o in one_time] == [legacy_orders.WINDOWS_SERVER_ORDER_ID]
    annual = pc_client.list_orders(TENANT, billing_type="annual")
    assert [o.id for o in annual] == [legacy_orders.SQL_SERVER_ORDER_ID]


@pytest.mark.usefixtures("pc_responses")
@pytest.mark.parametrize("query", [{}, {"billingType": "onetime"}])
def test_the_sandbox_answer_is_shaped_like_the_documented_sample(query):
    doc = by_billing_type()["response"] if query else sample("list_orders")["response"]
    answer = requests.get(f"{LIVE_BASE_URL}/v1/customers/{TENANT}/orders", params=query,
                          headers={"Authorization": "Bearer sandbox-user:p"}, timeout=5)
    assert answer.status_code == doc["status"] == 200
    assert shape_differences(doc["body"], answer.json(), allowed=SANDBOX_EXTRAS,
                             absent_ok=frozenset({"items[].attributes.etag"})) == []


def test_a_pre_october_2021_order_cannot_be_cancelled_online(pc_client):
    with pytest.raises(InvalidRequest) as refused:
        pc_client.cancel_order(TENANT, legacy_orders.WINDOWS_SERVER_ORDER_ID, [0])
    assert refused.value.code == "900117"  # past the 30-day window (S6)
