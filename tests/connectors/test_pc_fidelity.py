"""Where our sandbox used to differ from Partner Center as Microsoft documents it: paging,
202 + Location, case, JSON errors on unknown paths, ETag and code types, relationships.

Every test runs the real client (or raw HTTP) against the sandbox through `responses`."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from connectors.partner_center import NewCustomer
from connectors.partner_center.client import LIVE_BASE_URL
from connectors.partner_center.sandbox import seed
from tests.connectors.conftest import US_ADDRESS

pytestmark = pytest.mark.usefixtures("pc_responses")

DOCUMENTED = Path(__file__).resolve().parents[1] / "fixtures" / "partner_center" / "documented"
APP = {"Authorization": "Bearer sandbox-app:p"}
USER = {"Authorization": "Bearer sandbox-user:p"}


def documented(name: str) -> dict:
    return json.loads((DOCUMENTED / f"{name}.json").read_text())


def raw(method: str, path: str, headers=APP, **kw) -> requests.Response:
    return requests.request(method, LIVE_BASE_URL + path, headers=headers, timeout=5, **kw)


def add_customers(sandbox, count: int) -> list[str]:
    """Tenants already in a relationship with the partner (as an import would find)."""
    template = sandbox.data["customers"][seed.TENANT_WITH_DAP_ID]
    ids = []
    for n in range(count):
        tenant = f"00000000-0000-4000-8000-{n:012d}"
        record = copy.deepcopy(template) | {"id": tenant}
        record["companyProfile"] = {"tenantId": tenant, "domain": f"bulk{n}.onmicrosoft.com",
                                    "companyName": f"Bulk {n:04d} Ltd"}
        sandbox.data["customers"][tenant] = record
        ids.append(tenant)
    return ids


def test_list_customers_pages_with_a_continuation_token_and_the_client_reads_them_all(
        pc_sandbox, pc_client):
    added = add_customers(pc_sandbox, 95)
    first = raw("GET", "/v1/customers", params={"size": 40}).json()
    assert first["totalCount"] == 40 and len(first["items"]) == 40
    following = first["links"]["next"]
    assert following["uri"] == "/v1/customers?seekOperation=Next"
    assert [h["key"] for h in following["headers"]] == ["MS-ContinuationToken"]

    listed = [c.id for c in pc_client.list_customers(size=40)]
    assert len(listed) == len(pc_sandbox.data["customers"]) == 97  # 2 seeded + 95
    assert set(added) <= set(listed) and len(set(listed)) == len(listed)


def test_the_last_page_has_no_next_link(pc_sandbox):
    add_customers(pc_sandbox, 3)
    first = raw("GET", "/v1/customers", params={"size": 4}).json()
    token = first["links"]["next"]["headers"][0]["value"]
    last = raw("GET", "/v1/customers?seekOperation=Next",
               headers=APP | {"MS-ContinuationToken": token}).json()
    assert [len(first["items"]), len(last["items"])] == [4, 1]
    assert "next" not in last["links"]


def test_customers_are_streamed_page_by_page_not_loaded_at_once(pc_sandbox, pc_client,
                                                                 pc_responses):
    add_customers(pc_sandbox, 50)
    stream: Iterator = pc_client.list_customers(size=10)
    before = len(pc_responses.calls)
    first = [next(stream) for _ in range(10)]
    assert len(first) == 10 and len(pc_responses.calls) == before + 1  # one page read
    assert len(list(stream)) == 42


def test_a_continuation_token_that_is_not_partner_centers_is_refused_with_400():
    answer = raw("GET", "/v1/customers?seekOperation=Next",
                 headers=APP | {"MS-ContinuationToken": "forged,token=="})
    assert answer.status_code == 400 and answer.json()["code"] == 2000


def test_a_search_follows_every_page(pc_sandbox, pc_client):
    add_customers(pc_sandbox, 30)
    found = pc_client.search_customers("Bulk 00", field="CompanyName", size=7)
    assert len(found) == 30


def test_a_slow_quantity_change_answers_202_with_location_and_the_client_follows_it(
        pc_sandbox, pc_client, pc_responses, make_customer, line):
    customer = make_customer("slowco")
    cart = pc_client.create_cart(customer.id, [line(quantity=2)])
    order = pc_client.checkout_cart(customer.id, cart.id).orders[0]
    sub_id = pc_client.get_order(customer.id, order.id).lines[0].subscription_id
    pc_sandbox.config.subscription_patch_reads = 2

    changed = pc_client.update_subscription(customer.id, sub_id, quantity=5)

    patch = next(c for c in pc_responses.calls if c.request.method == "PATCH")
    assert patch.response.status_code == 202 and patch.response.text == ""
    assert patch.response.headers["Location"] == f"/customers/{customer.id}/subscriptions/{sub_id}"
    assert changed.quantity == 5
    assert pc_sandbox.data["subscriptions"][sub_id]["wire"]["quantity"] == 5


def test_the_documented_cart_sample_with_billing_cycle_Monthly_is_accepted(
        pc_client, make_customer, line):
    customer = make_customer("casing")
    sample = documented("create_cart")["request"]["body"]
    item = sample["LineItems"][0] if "LineItems" in sample else sample["lineItems"][0]
    assert item.get("BillingCycle", item.get("billingCycle")) == "Monthly"  # as documented
    ours = line(term="P1M")
    body = {"LineItems": [{"Id": 0, "CatalogItemId": ours.catalog_item_id, "Quantity": 2,
                           "TermDuration": "P1M", "BillingCycle": "Monthly"}]}
    answer = raw("POST", f"/v1/customers/{customer.id}/carts", json=body).json()
    assert "error" not in answer["lineItems"][0]
    assert answer["lineItems"][0]["billingCycle"] == "monthly"


def test_query_parameter_names_are_read_in_any_case_as_documented():
    sample = documented("get_reseller_mpa_status")
    assert "mpnid" in json.dumps(sample).lower()
    answer = raw("GET", "/v1/compliance/csp/agreementstatus",
                 params={"mpnid": seed.RESELLER_MPN_ID}, headers=USER)
    assert answer.status_code == 200 and answer.json()["isAgreementSigned"] is True


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/v1/no-such-thing", 404), ("DELETE", "/v1/profiles/mpn", 405)])
def test_unknown_paths_and_methods_answer_partner_centers_json_error(method, path, status):
    answer = raw(method, path)
    assert answer.status_code == status
    assert answer.headers["Content-Type"].startswith("application/json")
    assert set(answer.json()) == {"code", "description", "data", "source"}


def test_a_stale_etag_is_refused_with_400_and_code_2055_as_documented(
        pc_client, make_customer, line):
    assert {"status": 400, "code": 2055} in [
        {"status": e["status"], "code": e["code"]}
        for e in documented("update_subscription")["errors"]]
    customer = make_customer("etag")
    cart = pc_client.create_cart(customer.id, [line(quantity=2)])
    order = pc_client.checkout_cart(customer.id, cart.id).orders[0]
    sub_id = pc_client.get_order(customer.id, order.id).lines[0].subscription_id
    path = f"/v1/customers/{customer.id}/subscriptions/{sub_id}"
    current = raw("GET", path).json()
    answer = raw("PATCH", path, json=current | {"quantity": 3},
                 headers=APP | {"If-Match": '"stale"'})
    assert answer.status_code == 400 and answer.json()["code"] == 2055


def test_a_duplicate_agreement_answers_a_numeric_code_like_the_documented_sample(
        pc_client, make_customer):
    documented_code = documented("create_customer_agreement")["error_samples"][0]["body"]["code"]
    customer = make_customer("dupe", mca=False)
    body = {"primaryContact": {"firstName": "Ada", "lastName": "L", "email": "a@dupe.com"},
            "templateId": seed.MCA_TEMPLATE_ID, "dateAgreed": "2025-01-01T00:00:00Z",
            "type": "MicrosoftCustomerAgreement"}
    raw("POST", f"/v1/customers/{customer.id}/agreements", json=body, headers=USER)
    again = raw("POST", f"/v1/customers/{customer.id}/agreements", json=body, headers=USER)
    assert again.json()["code"] == documented_code == 600061


def test_a_cart_line_error_code_is_a_number(pc_client, make_customer, line):
    customer = make_customer("linecode")
    ours = line()
    body = {"lineItems": [{"id": 0, "catalogItemId": ours.catalog_item_id, "quantity": 1,
                           "termDuration": "P3Y", "billingCycle": "triennial"}]}
    answer = raw("POST", f"/v1/customers/{customer.id}/carts", json=body).json()
    assert answer["lineItems"][0]["error"]["errorCode"] == 10010


def test_the_provider_lists_its_indirect_resellers_by_tenant_id(pc_client):
    resellers = {r.mpn_id: r for r in pc_client.list_indirect_resellers()}
    assert resellers[seed.RESELLER_MPN_ID].tenant_id == seed.RESELLER_TENANT_ID
    assert resellers[seed.RESELLER_MPN_ID].state == "Active"


def test_a_customers_indirect_reseller_is_listed_on_the_customer(pc_client):
    created = pc_client.create_customer(NewCustomer(
        "viareseller.onmicrosoft.com", "Via Reseller Ltd", "it@via.example", US_ADDRESS,
        associated_partner_id=seed.RESELLER_TENANT_ID))
    (reseller,) = pc_client.list_customer_relationships(created.id)
    assert (reseller.tenant_id, reseller.mpn_id) == (seed.RESELLER_TENANT_ID,
                                                     seed.RESELLER_MPN_ID)


def test_an_unknown_relationship_type_is_refused():
    answer = raw("GET", "/v1/relationships", params={"relationship_type": "Nonsense"},
                 headers=USER)
    assert answer.status_code == 400 and answer.json()["code"] == 2000


def test_creating_a_customer_for_an_indirect_reseller_needs_app_user_credentials():
    body = documented("create_customer")["request"]["body"]
    body = json.loads(json.dumps(body).replace("<", "").replace(">", ""))
    body = {**body, "associatedPartnerId": seed.RESELLER_TENANT_ID}
    answer = raw("POST", "/v1/customers", json=body)
    assert answer.status_code == 403 and answer.json()["code"] == 900329


@pytest.mark.parametrize(("partner", "status", "code"), [
    (seed.RESELLER_MPN_ID, 404, 800015),  # the old request: an MPN ID, not a tenant
    ("0f0f0f0f-0000-4000-8000-000000000000", 400, 800016)])
def test_a_customer_for_an_indirect_reseller_names_a_listed_resellers_tenant(
        make_customer, partner, status, code):
    body = {"companyProfile": {"domain": "viaold.onmicrosoft.com"},
            "billingProfile": {"email": "it@viaold.example", "companyName": "Via Old Ltd",
                               "culture": "en-US", "language": "en",
                               "defaultAddress": {"firstName": "Ada", "lastName": "L",
                                                  "addressLine1": "1 Microsoft Way",
                                                  "city": "Redmond", "state": "WA",
                                                  "postalCode": "98052", "country": "US",
                                                  "phoneNumber": "4255550100"}},
            "associatedPartnerId": partner}
    answer = raw("POST", "/v1/customers", json=body, headers=USER)
    assert (answer.status_code, answer.json()["code"]) == (status, code)
