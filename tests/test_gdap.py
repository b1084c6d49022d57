"""K4 on GDAP: request → the tenant's approval → K4 passes; an expired relationship or a
missing role is refused with the re-request link; expiry warnings go out once each."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import requests
import time_machine
from sqlalchemy import func, select

from connectors.partner_center.client import LIVE_BASE_URL
from connectors.partner_center.sandbox import seed
from notifications import notify
from notifications.models import Notification
from orders import cart as carts
from orders.models import Cart, CartLine
from persistence import db
from relationships.models import GdapRelationship, GdapSettings
from relationships.roles import DEFAULT_ROLES
from relationships.services import expiry_notices
from tests.api.conftest import bearer
from tests.checkout.conftest import ready_customer
from tests.conftest import login, make_price, post_form

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TENANT = seed.TENANT_WITHOUT_DAP_ID  # Microsoft reports no DAP for it: only GDAP counts


def gdap_customer(world, auto_extend: bool = True):
    customer = ready_customer(world)
    customer.tenant_mode, customer.tenant_id, customer.domain_prefix = "existing", TENANT, ""
    customer.verify_tenant("admin", START)  # K11 shown; K4 is what is judged here
    GdapSettings.current().auto_extend = auto_extend
    e3 = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", family="microsoft365")
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, customer), e3.id, 1)
    return customer


def codes(response) -> list[str]:
    return re.findall(r'data-code="([^"]+)"', response.get_data(as_text=True))


def place(client, customer, key):
    return post_form(client, f"/cart/{customer.id}/place", {"idempotency_key": key},
                     token_url=f"/cart?customer={customer.id}")


def request_gdap(client, customer):
    return post_form(client, f"/customers/{customer.id}/tenant/gdap", {},
                     token_url=f"/customers/{customer.id}/tenant")


def active_relationship(client, world, customer) -> None:
    """Request delegated admin from the tenant page and let the tenant's admin approve."""
    login(client, world.reseller_a_user)
    request_gdap(client, customer)
    approve(db.session.scalar(select(GdapRelationship.relationship_id)))


def approve(relationship_id: str) -> None:
    answer = requests.post(f"{LIVE_BASE_URL}/_sandbox/gdap/{relationship_id}/approve",
                           json={}, timeout=5)
    assert answer.status_code < 300, answer.text


def test_request_then_approval_then_k4_passes(client, world):
    with time_machine.travel(START, tick=False):
        customer = gdap_customer(world)
        login(client, world.reseller_a_user)
        assert "K4.delegated_admin_missing" in codes(place(client, customer, "g1"))

        assert request_gdap(client, customer).status_code == 302
        row = db.session.scalar(select(GdapRelationship))
        assert row.status == "approvalPending" and row.role_ids == GdapSettings.current().role_ids
        page = client.get(f"/customers/{customer.id}/tenant").get_data(as_text=True)
        assert row.approval_url in page
        refused = place(client, customer, "g2")
        assert codes(refused) == ["K4.gdap_pending"]
        assert row.approval_url in refused.get_data(as_text=True)

        approve(row.relationship_id)
        assert place(client, customer, "g3").status_code == 302


def validate(client, world, customer) -> list[dict]:
    """The API's dry run (a bearer token: no browser session to outlive a clock jump)."""
    price_id = db.session.scalar(
        select(CartLine.price_id).join(Cart).where(Cart.customer_id == customer.id))
    answer = client.post("/api/v1/checkout/validate", headers=bearer(world.reseller_a_user),
                         json={"customer_id": customer.id,
                               "lines": [{"price_id": price_id, "quantity": 1}]})
    return answer.get_json()["error"]["problems"] if answer.status_code == 422 else []


def test_an_expired_relationship_is_refused_with_the_re_request_link(client, world):
    with time_machine.travel(START, tick=False) as clock:
        customer = gdap_customer(world, auto_extend=False)
        active_relationship(client, world, customer)
        clock.shift(timedelta(days=GdapSettings.current().duration_days + 1))

        problems = validate(client, world, customer)

    assert [p["code"] for p in problems] == ["K4.gdap_expired"]
    assert problems[0]["fix_url"].endswith(f"/customers/{customer.id}/tenant#tenant")


def test_a_relationship_without_a_newly_required_role_is_refused_and_names_it(client, world):
    with time_machine.travel(START, tick=False):
        customer = gdap_customer(world)
        active_relationship(client, world, customer)
        settings = GdapSettings.current()
        settings.roles += ",fe930be7-5e62-47db-91af-98c3a49a38b1"  # User Administrator
        db.session.commit()

        refused = place(client, customer, "r1")

        assert codes(refused) == ["K4.gdap_roles_missing"]
        assert "User Administrator" in refused.get_data(as_text=True)


def test_expiry_is_announced_30_and_7_days_ahead_once_each(client, world):
    with time_machine.travel(START, tick=False) as clock:
        customer = gdap_customer(world, auto_extend=False)
        active_relationship(client, world, customer)
        client.get(f"/customers/{customer.id}/tenant")  # reads the now active relationship
        ends = db.session.scalar(select(GdapRelationship.ends_at)).replace(tzinfo=UTC)
        sent = []

        def run():
            return expiry_notices(datetime.now(UTC), notify, lambda cid: f"/customers/{cid}")

        clock.move_to(ends - timedelta(days=31))
        sent.append(run())
        clock.move_to(ends - timedelta(days=29))
        sent += [run(), run()]
        clock.move_to(ends - timedelta(days=6))
        sent += [run(), run()]

    assert sent == [0, 1, 0, 1, 0]
    subjects = db.session.scalars(select(Notification.subject).where(
        Notification.user_id == world.reseller_a_user.id)).all()
    assert [s for s in subjects if "Delegated admin" in s] == [
        f"Delegated admin for {customer.company_name} ends in 29 days",
        f"Delegated admin for {customer.company_name} ends in 6 days"]
    admins = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == world.admin.id))
    assert admins == 2


def test_once_active_the_providers_security_group_gets_the_roles(client, world, graph_client):
    group = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
    with time_machine.travel(START, tick=False):
        customer = gdap_customer(world)
        GdapSettings.current().security_group_id = group
        db.session.commit()
        active_relationship(client, world, customer)
        client.get(f"/customers/{customer.id}/tenant")  # reads it: active now
        client.get(f"/customers/{customer.id}/tenant")  # and again: no second assignment

    row = db.session.scalar(select(GdapRelationship))
    assert row.status == "active" and row.access_assigned
    (assignment,) = list(graph_client.list_access_assignments(row.relationship_id))
    assert assignment.security_group_id == group
    assert set(assignment.roles) == set(row.role_ids)


def test_the_admins_first_view_of_the_gdap_settings_shows_the_defaults(client, world):
    """Before the settings row existed its form showed no role ticked and no duration."""
    assert db.session.get(GdapSettings, 1) is None
    login(client, world.admin)
    page = client.get("/admin/gdap/").get_data(as_text=True)
    ticked = re.findall(r'<input checked[^>]*name="roles" type="checkbox" value="([^"]+)"|'
                        r'<input[^>]*name="roles"[^>]*value="([^"]+)"[^>]*checked', page)
    assert {a or b for a, b in ticked} == set(DEFAULT_ROLES)
    assert re.search(r'name="duration_days"[^>]*value="730"|value="730"[^>]*name="duration_'
                     r'days"', page)
