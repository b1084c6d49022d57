"""GET /v1/customers/{id}/entitlements as Microsoft documents it (get-a-collection-of-
entitlements, fixture tests/fixtures/partner_center/documented/list_entitlements.json): the
client reads both documented answers; the sandbox answers the documented requests in the
documented shape, App+User only, with the type filter, showExpiry and included
entitlements; software carries no artifacts (no API returns keys, S7)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
import responses
import time_machine

from connectors.partner_center import PartnerCenterClient, SandboxTokenProvider
from connectors.partner_center.client import LIVE_BASE_URL
from connectors.partner_center.errors import NotFound
from tests.connectors.documented import sample, shape_differences

WINDOWS_SERVER = ("DG7GMGF0DWMS", "0006")
SQL_SERVER = ("DG7GMGF0FKZV", "0002")
USER = {"Authorization": "Bearer sandbox-user:partner"}
APP = {"Authorization": "Bearer sandbox-app:partner"}


def _documented(name: str) -> tuple[dict, dict]:
    doc = sample("list_entitlements")
    [request] = [r for r in doc["requests"] if r["name"] == name]
    [response] = [r for r in doc["responses"] if r["name"] == name]
    return request, response


def _client() -> PartnerCenterClient:
    return PartnerCenterClient(requests.Session(), LIVE_BASE_URL,
                               SandboxTokenProvider("partner"), max_attempts=1)


def test_the_client_reads_the_documented_entitlements_with_their_included_ones():
    request, response = _documented("all_types")
    with responses.RequestsMock() as mock:
        mock.get(LIVE_BASE_URL + request["path"], json=response["body"],
                 match=[responses.matchers.query_param_matcher({})])
        reservation, software = _client().list_entitlements(
            "18ac2950-8ea9-4dfc-92a4-ff4d4cd57796")
        assert mock.calls[0].request.headers["Authorization"].startswith("Bearer sandbox-user")
    assert (reservation.entitlement_type, reservation.sku_id) == ("reservedinstance", "007J")
    (artifact,) = reservation.artifacts
    assert artifact.resource_id == "ebf2e74b-630e-4a09-857d-a1f6c6351336"
    assert artifact.reservation_type == "virtualmachines"
    assert software.artifacts == () and software.expiry_date is None
    assert [e.product_id for e in software.included] == ["DG7GMGF0DWTJ", "DG7GMGF0DWLG"]
    assert software.reference_order.id == "NUXMSvmS20EQ4kFsZmzkSqb747fqKmNk1"
    assert [(e.product_id, p and p.product_id) for e, p in software.flattened()] == [
        ("DG7GMGF0DWTK", None), ("DG7GMGF0DWTJ", "DG7GMGF0DWTK"),
        ("DG7GMGF0DWLG", "DG7GMGF0DWTK")]


def test_the_client_asks_for_one_type_with_expiry_dates_as_documented():
    request, response = _documented("software_with_expiry")
    with responses.RequestsMock() as mock:
        mock.get(LIVE_BASE_URL + request["path"], json=response["body"],
                 match=[responses.matchers.query_param_matcher(
                     {"entitlementType": "software", "showExpiry": "true"})])
        first, second = _client().list_entitlements(
            "de3dcef9-9991-459c-ac71-2903d1127414", entitlement_type="software",
            show_expiry=True)
    assert first.expiry_date is None
    assert second.expiry_date == datetime(2022, 1, 28, tzinfo=UTC)
    assert second.reference_order.alternate_id == "8f3af3dea1ea"
    assert second.reference_order.line_item_id == "1"


def test_the_client_refuses_an_undocumented_entitlement_type():
    with pytest.raises(ValueError, match="entitlement_type"):
        _client().list_entitlements("c", entitlement_type="keys")


@pytest.fixture
def bought(pc_responses, pc_client, make_customer, line):
    """A customer holding a Windows Server licence (perpetual) and SQL Server (yearly)."""
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        customer = make_customer()
        cart = pc_client.create_cart(customer.id, [
            line(WINDOWS_SERVER, 2, term="", cycle="one_time"),
            line(SQL_SERVER, 4, term="P1Y", cycle="annual")])
        for order in pc_client.checkout_cart(customer.id, cart.id).orders:
            for _ in range(3):
                pc_client.get_order(customer.id, order.id)  # completes it
    return customer


def test_the_sandbox_answers_the_documented_request_in_the_documented_shape(bought):
    request, response = _documented("software_with_expiry")
    path = request["path"].replace("de3dcef9-9991-459c-ac71-2903d1127414", bought.id)
    answer = requests.get(LIVE_BASE_URL + path, params=request["query"], headers=USER,
                          timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    # expiryDate: documented "if applicable"; perpetual (on-premises) items have none.
    assert shape_differences(response["body"], body,
                             allowed=frozenset({"items[].expiryDate"}),
                             absent_ok=frozenset({"items[].expiryDate"})) == []
    assert body["items"][0]["entitledArtifacts"] == []


def test_an_app_only_token_is_refused_with_900329(bought):
    answer = requests.get(f"{LIVE_BASE_URL}/v1/customers/{bought.id}/entitlements",
                          headers=APP, timeout=5)
    assert (answer.status_code, answer.json()["code"]) == (403, 900329)


def test_software_entitlements_name_their_order_line_include_components_and_carry_no_keys(
        bought, pc_client):
    entitlements = pc_client.list_entitlements(bought.id, entitlement_type="software")
    by_product = {e.product_id: e for e in entitlements}
    windows, sql = by_product[WINDOWS_SERVER[0]], by_product[SQL_SERVER[0]]
    assert windows.quantity == 2 and windows.artifacts == () and sql.artifacts == ()
    assert [e.product_id for e in windows.included] == ["DG7GMGF0DWM2"]
    assert windows.included[0].reference_order == windows.reference_order
    assert {windows.reference_order.line_item_id, sql.reference_order.line_item_id} <= {"0", "1"}


def test_show_expiry_dates_software_subscriptions_but_never_perpetual_licences(
        bought, pc_client):
    plain = {e.product_id: e for e in pc_client.list_entitlements(bought.id)}
    dated = {e.product_id: e for e in pc_client.list_entitlements(bought.id, show_expiry=True)}
    assert plain[SQL_SERVER[0]].expiry_date is None
    # The 3-year term's last day, as commitmentEndDate (the documented software sample of
    # get-all-of-a-customer-s-subscriptions: created 2021-10-15, ends 2024-10-14T00:00:00Z).
    assert dated[SQL_SERVER[0]].expiry_date == datetime(2027, 3, 1, tzinfo=UTC)
    assert dated[WINDOWS_SERVER[0]].expiry_date is None


def test_the_type_filter_leaves_out_other_types(bought, pc_client):
    assert pc_client.list_entitlements(bought.id, entitlement_type="reservedInstance") == ()
    assert len(pc_client.list_entitlements(bought.id, entitlement_type="software")) == 2


def test_a_cancelled_perpetual_licence_entitles_to_nothing_any_more(bought, pc_client):
    """S6: cancelling the purchase takes its entitlement (and so its key) away."""
    windows = next(e for e in pc_client.list_entitlements(bought.id)
                   if e.product_id == WINDOWS_SERVER[0])
    with time_machine.travel(datetime(2026, 3, 9, tzinfo=UTC), tick=False):
        pc_client.cancel_order(bought.id, windows.reference_order.id,
                               [int(windows.reference_order.line_item_id)])
    assert WINDOWS_SERVER[0] not in {e.product_id for e in pc_client.list_entitlements(bought.id)}


def test_an_unknown_customer_is_not_found(pc_responses, pc_client):
    with pytest.raises(NotFound):
        pc_client.list_entitlements("00000000-0000-4000-8000-00000000dead")


def test_the_sandbox_shows_keys_only_in_its_sandbox_only_admin_view(bought):
    answer = requests.get(f"{LIVE_BASE_URL}/_sandbox/customers/{bought.id}/software-keys",
                          timeout=5).json()
    assert answer["extension"].startswith("Sandbox-only extension")
    windows = next(i for i in answer["items"] if i["productId"] == WINDOWS_SERVER[0])
    assert len(windows["productKey"]) == 29 and windows["downloads"][0]["fileType"] == "ISO"
