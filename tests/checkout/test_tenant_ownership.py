"""K11: a tenant cannot be claimed. Reseller B names reseller A's customer's tenant (by
page, API or sign-up): checkout says one neutral thing, reveals none of the tenant's
holdings, and sends nothing to Partner Center; once control is shown (the tenant's admin
accepts B, or the provider's admin approves a direct customer) the order goes through."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import func, select

from accounts.models import Customer
from accounts.tenant_proof import approve_tenant
from connectors.partner_center import CartLineRequest
from connectors.partner_center.client import LIVE_BASE_URL
from connectors.partner_center.sandbox import seed
from orders import cart as carts
from orders.models import Order
from persistence import db
from tests.api.conftest import bearer
from tests.checkout.conftest import confirm_mca
from tests.conftest import csrf_token, login, make_customer, make_price, post_form, sign_up

VICTIM = seed.TENANT_WITH_DAP_ID  # reseller A's customer; its admin accepted only A
LEAKS = ("K6.", "another partner", "holds", "Fabrikam", "delegated admin",
         "does not list", "qualif")


@pytest.fixture
def victim_holds_a_business_subscription(pc_client):
    """Reseller A sold the victim tenant a monthly Business Standard subscription."""
    availability = pc_client.list_availabilities("CFQ7TTC0LDPB", "0001", "US")[0]
    cart = pc_client.create_cart(VICTIM, [CartLineRequest(
        availability.catalog_item_id, 3, "P1M", "monthly", reseller_mpn_id=seed.RESELLER_MPN_ID)])
    pc_client.checkout_cart(VICTIM, cart.id)


@pytest.fixture
def e3(app):
    """A plan the victim does not hold, so only K11 can stop the order."""
    price = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ",
                       family="microsoft365")
    db.session.commit()
    return price


def claimed_by_b(world) -> Customer:
    claimant = make_customer(world.reseller_b, "Claimant GmbH", phone="+49 30 5",
                             tenant_mode="existing", tenant_id=VICTIM, domain_prefix="")
    db.session.add(claimant)
    db.session.commit()
    confirm_mca(claimant, world.reseller_b_user)
    return claimant


def calls_about(pc_responses, tenant: str, since: int = 0) -> list[str]:
    return [f"{c.request.method} {c.request.url.split('/v1', 1)[1]}"
            for c in list(pc_responses.calls)[since:] if tenant in c.request.url]


def orders_in_partner_center(pc_sandbox) -> int:
    return sum(1 for o in pc_sandbox.data["orders"].values() if o.get("customerId") == VICTIM)


def place(client, customer, key="k"):
    return post_form(client, f"/cart/{customer.id}/place", {"idempotency_key": key},
                     token_url=f"/cart?customer={customer.id}")


def sign_out(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def accept_reseller_b(pc_sandbox) -> None:
    """The tenant's admin accepts reseller B's invitation (the sandbox's control)."""
    answer = requests.post(f"{LIVE_BASE_URL}/_sandbox/customers/{VICTIM}/accept-reseller",
                           json={"reseller": seed.RESELLER_TENANT_ID_2}, timeout=5)
    assert answer.status_code == 201


def test_a_claimed_tenant_gets_only_the_neutral_k11_problem_on_the_page(
        client, world, pc_sandbox, pc_responses, victim_holds_a_business_subscription):
    claimant = claimed_by_b(world)
    carts.add_line(carts.cart_for(world.reseller_b_user, claimant), world.price.id, 1)
    sold_before = orders_in_partner_center(pc_sandbox)
    login(client, world.reseller_b_user)
    calls_before = len(pc_responses.calls)

    response = place(client, claimant)

    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-code="K11.tenant_unverified"' in body
    assert not [leak for leak in LEAKS if leak in body]
    assert db.session.scalar(
        select(func.count(Order.id)).filter_by(customer_id=claimant.id)) == 0
    assert orders_in_partner_center(pc_sandbox) == sold_before
    # The one question asked about the tenant: does Microsoft list reseller B for it?
    assert set(calls_about(pc_responses, VICTIM, calls_before)) == {
        f"GET /customers/{VICTIM}/relationships"}


def test_once_the_tenants_admin_accepts_the_reseller_the_order_goes_through(
        client, world, pc_sandbox, e3, victim_holds_a_business_subscription):
    claimant = claimed_by_b(world)
    carts.add_line(carts.cart_for(world.reseller_b_user, claimant), e3.id, 1)
    login(client, world.reseller_b_user)
    assert place(client, claimant, "first").status_code == 422

    accept_reseller_b(pc_sandbox)
    response = place(client, claimant, "second")

    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(claimant)
    assert claimant.tenant_verified and claimant.tenant_verified_by == "partner_center"


def test_the_api_refuses_a_claimed_tenant_with_k11_only_and_no_holdings(
        client, world, pc_sandbox, victim_holds_a_business_subscription):
    as_b = bearer(world.reseller_b_user)
    created = client.post("/api/v1/customers", headers=as_b, json={
        "company_name": "Claimant Two GmbH", "contact_first_name": "Ada",
        "contact_last_name": "Lovelace", "email": "ada@claim.example", "phone": "+49 30 5",
        "address_line1": "1 Main St", "city": "Redmond", "region": "WA",
        "postal_code": "98052", "country": "US", "tenant_mode": "existing",
        "tenant_id": VICTIM})  # in the market of the world's price (C7)
    assert created.status_code == 201
    claimant = db.session.get(Customer, created.get_json()["id"])
    confirm_mca(claimant, world.reseller_b_user)
    body = {"customer_id": claimant.id, "lines": [{"price_id": world.price.id, "quantity": 1}]}
    sold_before = orders_in_partner_center(pc_sandbox)

    checked = client.post("/api/v1/checkout/validate", json=body, headers=as_b)
    placed = client.post("/api/v1/orders", json=body,
                         headers=as_b | {"Idempotency-Key": "claim-1"})

    for answer in (checked, placed):
        assert answer.status_code == 422
        problems = answer.get_json()["error"]["problems"]
        assert [p["code"] for p in problems] == ["K11.tenant_unverified"]
        assert not [leak for leak in LEAKS if leak in answer.get_data(as_text=True)]
    assert orders_in_partner_center(pc_sandbox) == sold_before


def test_a_direct_sign_up_naming_the_tenant_orders_only_after_the_admin_approves(
        client, world, pc_sandbox, e3, victim_holds_a_business_subscription):
    assert sign_up(client, {
        "company_name": "Self Claim Ltd", "contact_first_name": "Jo",
        "contact_last_name": "Bloggs", "email": "billing@selfclaim.example",
        "address_line1": "1 High St", "city": "Seattle", "region": "WA",
        "postal_code": "98101", "country": "US", "name": "Jo Bloggs",
        "user_email": "jo@selfclaim.example",
        "password": "a long password", "confirm": "a long password",
        "tenant_mode": "existing", "tenant_id": VICTIM}).status_code == 302
    claimant = db.session.scalar(select(Customer).filter_by(company_name="Self Claim Ltd"))
    user = claimant.users[0]
    confirm_mca(claimant, user)
    carts.add_line(carts.cart_for(user, claimant), e3.id, 1)

    refused = place(client, claimant, "d1")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-code="K11.tenant_unverified"' in body
    assert "Sign in with a work account" in body
    assert not [leak for leak in LEAKS if leak in body]

    sign_out(client)
    login(client, world.admin)
    approval = post_form(client, f"/customers/{claimant.id}/tenant/approve", {},
                         token_url=f"/customers/{claimant.id}/tenant")
    assert approval.status_code == 302
    sign_out(client)
    login(client, "jo@selfclaim.example", "a long password")
    assert place(client, claimant, "d2").status_code == 302


def test_changing_the_tenant_withdraws_the_proof(app, world):
    customer = world.customer_a
    customer.tenant_mode, customer.tenant_id = "existing", VICTIM
    customer.verify_tenant("partner_center", datetime.now(UTC))
    assert customer.tenant_verified
    customer.tenant_id = seed.TENANT_WITHOUT_DAP_ID
    assert not customer.tenant_verified


OWN = seed.UNRELATED_TENANT_ID  # reseller B's customer's own tenant, proven to the provider


def proven_own_tenant(world) -> Customer:
    """Reseller B's customer, approved by the provider's admin for its own tenant."""
    customer = claimed_by_b(world)
    customer.tenant_id = OWN
    approve_tenant(customer, datetime.now(UTC))
    assert customer.tenant_verified
    return customer


def form_of(customer: Customer, **changes) -> dict:
    """The customer form as the edit page shows it filled in, with the changes typed."""
    names = ("company_name", "contact_first_name", "contact_last_name", "email", "phone",
             "address_line1", "address_line2", "city", "region", "postal_code", "country",
             "tax_id", "tenant_mode", "domain_prefix", "tenant_id", "tenant_domain")
    return {name: getattr(customer, name) or "" for name in names} | changes


def test_naming_another_tenant_on_the_edit_page_needs_a_new_proof(
        client, world, pc_sandbox, e3, victim_holds_a_business_subscription):
    claimant = proven_own_tenant(world)
    login(client, world.reseller_b_user)
    edit = f"/customers/{claimant.id}/edit"
    # The old, proven reference parked in the domain field must not vouch for the new id.
    saved = post_form(client, edit, form_of(claimant, tenant_id=VICTIM, tenant_domain=OWN))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    carts.add_line(carts.cart_for(world.reseller_b_user, claimant), e3.id, 1)
    sold_before = orders_in_partner_center(pc_sandbox)

    response = place(client, claimant)

    assert response.status_code == 422
    assert 'data-code="K11.tenant_unverified"' in response.get_data(as_text=True)
    db.session.refresh(claimant)
    assert (claimant.tenant_verified_by, claimant.tenant_verified_for) == ("", "")
    assert orders_in_partner_center(pc_sandbox) == sold_before


def test_naming_another_tenant_through_the_api_needs_a_new_proof(
        client, world, pc_sandbox, e3, victim_holds_a_business_subscription):
    claimant = proven_own_tenant(world)
    as_b = bearer(world.reseller_b_user)
    patched = client.patch(f"/api/v1/customers/{claimant.id}", headers=as_b,
                           json={"tenant_id": VICTIM, "tenant_domain": OWN})
    assert patched.status_code == 200
    body = {"customer_id": claimant.id, "lines": [{"price_id": e3.id, "quantity": 1}]}

    checked = client.post("/api/v1/checkout/validate", json=body, headers=as_b)

    assert checked.status_code == 422
    assert [p["code"] for p in checked.get_json()["error"]["problems"]] == [
        "K11.tenant_unverified"]


def test_saving_the_address_alone_keeps_the_tenants_proof(client, world):
    customer = proven_own_tenant(world)
    login(client, world.reseller_b_user)

    saved = post_form(client, f"/customers/{customer.id}/edit",
                      form_of(customer, city="Potsdam", tenant_id=OWN.upper()))

    assert saved.status_code == 302
    db.session.refresh(customer)
    assert customer.city == "Potsdam" and customer.tenant_verified


def test_switching_to_a_new_tenant_and_back_needs_a_new_proof(client, world):
    customer = proven_own_tenant(world)
    as_b = bearer(world.reseller_b_user)
    url = f"/api/v1/customers/{customer.id}"
    client.patch(url, headers=as_b, json={"tenant_mode": "new"})
    client.patch(url, headers=as_b, json={"tenant_mode": "existing"})
    db.session.refresh(customer)
    assert not customer.tenant_verified
