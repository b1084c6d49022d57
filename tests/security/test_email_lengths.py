"""An email address has at most 254 characters, 64 before the @ (RFC 5321), on every form
and API input that takes one; a longer one gets a message saying so (a probe found 65 and
more characters before the @ accepted everywhere)."""

from __future__ import annotations

from sqlalchemy import func, select

from accounts import emails
from accounts.models import Customer, User
from persistence import db
from tests.api.factories import bearer
from tests.conftest import login, post_form
from tests.test_auth import SIGNUP

LONG_LOCAL = "a" * 65 + "@example.com"  # one character too many before the @
TOO_LONG = "b" * 59 + "@" + "c" * 63 + "." + "d" * 63 + "." + "e" * 63 + ".com"  # 255
LOCAL_MESSAGE = "The part before the @ has at most 64 characters; this one has 65."


def test_the_limits_are_254_characters_and_64_before_the_at():
    assert len(TOO_LONG) == 255
    assert emails.length_problem(TOO_LONG).startswith("An email address has at most 254")
    assert emails.length_problem(LONG_LOCAL) == LOCAL_MESSAGE
    assert emails.length_problem("a" * 64 + "@example.com") is None


def test_sign_up_refuses_a_too_long_sign_in_email(client, app):
    response = post_form(client, "/signup", {**SIGNUP, "user_email": LONG_LOCAL})
    assert response.status_code == 422
    assert LOCAL_MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_sign_up_refuses_a_too_long_billing_email(client, app):
    response = post_form(client, "/signup", {**SIGNUP, "email": TOO_LONG})
    assert response.status_code == 422
    assert "at most 254 characters; this one has 255" in response.get_data(as_text=True)


def test_an_admin_cannot_invite_a_user_with_a_too_long_email(client, world):
    login(client, world.admin)
    response = post_form(client, f"/admin/resellers/{world.reseller_a.id}/users/new", {
        "name": "Dee", "email": LONG_LOCAL, "company_role": "user"})
    assert response.status_code == 422
    assert LOCAL_MESSAGE in response.get_data(as_text=True)


def test_sign_in_with_a_too_long_email_is_a_clear_refusal(client, world):
    response = login(client, TOO_LONG)
    assert response.status_code == 422
    assert "at most 254 characters" in response.get_data(as_text=True)


def test_the_api_refuses_a_customer_with_a_too_long_email(client, world):
    body = {"company_name": "Delta GmbH", "contact_first_name": "Grace",
            "contact_last_name": "Hopper", "email": LONG_LOCAL, "address_line1": "2 Main St",
            "city": "Berlin", "postal_code": "10117", "country": "DE",
            "domain_prefix": "deltagmbh"}
    response = client.post("/api/v1/customers", json=body,
                           headers=bearer(world.reseller_a_user))
    assert response.status_code == 400
    assert LOCAL_MESSAGE in response.get_json()["error"]["fields"]["email"]
    assert db.session.scalar(select(Customer).filter_by(company_name="Delta GmbH")) is None


def test_the_api_refuses_an_mca_signer_with_a_too_long_email(client, world):
    signer = {"signer_first_name": "Grace", "signer_last_name": "Hopper",
              "signer_email": LONG_LOCAL, "date_agreed": "2026-11-20"}
    response = client.post(f"/api/v1/customers/{world.customer_a.id}/mca-acceptances",
                           json=signer, headers=bearer(world.reseller_a_user))
    assert response.status_code == 400
    assert LOCAL_MESSAGE in response.get_json()["error"]["fields"]["signer_email"]
