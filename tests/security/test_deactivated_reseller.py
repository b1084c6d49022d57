"""Deactivating a reseller ends every session and API token of its users at once, and
they cannot sign in again (a probe found all three still working)."""

from __future__ import annotations

from sqlalchemy import select

from accounts.audit import AuditEvent, Kind
from persistence import db
from tests.api.factories import bearer
from tests.conftest import login, post_form


def deactivate(reseller) -> None:
    reseller.active = False  # what the admin's "Active" box does
    db.session.commit()


def test_an_open_session_of_a_deactivated_reseller_stops_at_its_next_request(client, world):
    assert login(client, world.reseller_a_user).status_code == 302
    assert client.get("/customers").status_code == 200
    deactivate(world.reseller_a)
    answer = client.get("/customers")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_deactivated_resellers_users_cannot_sign_in(client, world):
    deactivate(world.reseller_a)
    answer = login(client, world.reseller_a_user)
    assert answer.status_code == 422
    assert "disabled" in answer.get_data(as_text=True)


def test_a_deactivated_resellers_api_tokens_are_refused(client, world):
    headers = bearer(world.reseller_a_user)
    assert client.get("/api/v1/customers", headers=headers).status_code == 200
    deactivate(world.reseller_a)
    assert client.get("/api/v1/customers", headers=headers).status_code == 401
    order = client.post("/api/v1/orders", headers=headers | {"Idempotency-Key": "x"},
                        json={"customer_id": world.customer_a.id,
                              "lines": [{"price_id": world.price.id, "quantity": 1}]})
    assert order.status_code == 401


def test_the_other_resellers_keep_working(client, world):
    deactivate(world.reseller_a)
    assert client.get("/api/v1/customers", headers=bearer(world.reseller_b_user)).status_code \
        == 200


def save_reseller_page(client, reseller, active: bool):
    data = {"company_name": reseller.company_name, "mpn_id": reseller.mpn_id,
            "contact_name": "Ann", "contact_email": "ann@reseller-a.example",
            "contact_phone": "", "confirm": "yes"} | ({"active": "y"} if active else {})
    return post_form(client, f"/admin/resellers/{reseller.id}", data)


def test_deactivating_and_reactivating_a_reseller_are_in_the_audit_log(client, world):
    """Who shut a reseller's users out, and when, is on record like a direct customer's
    deactivation, even when no invitation was open to end with it."""
    login(client, world.admin)
    assert save_reseller_page(client, world.reseller_a, active=False).status_code == 302
    assert save_reseller_page(client, world.reseller_a, active=True).status_code == 302
    save_reseller_page(client, world.reseller_a, active=True)  # saved again: no change
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.reseller_id == world.reseller_a.id).order_by(AuditEvent.id)).all()
    assert [(e.kind, e.actor_id) for e in events] == [
        (Kind.DEACTIVATED, world.admin.id), (Kind.ACTIVATED, world.admin.id)]
    assert "Reseller A deactivated" in events[0].detail
