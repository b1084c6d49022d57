"""Sign-in, sign-out, sign-up and the open-redirect guard."""

import re

import pytest
from sqlalchemy import select

from accounts.models import Customer, Role, User
from persistence import db
from storefront.security import is_safe_next
from tests.conftest import PASSWORD, csrf_token, login, post_form, sign_up


def test_signs_in_with_the_right_password_and_lands_on_the_dashboard(client, world):
    response = login(client, world.reseller_a_user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Reseller A" in client.get("/").get_data(as_text=True)


def test_email_is_matched_case_insensitively(client, world):
    assert login(client, "A@Test.Example").status_code == 302


def test_wrong_password_is_refused_and_the_email_is_kept(client, world):
    response = login(client, world.reseller_a_user, password="wrong")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Wrong email or password." in body
    assert 'value="a@test.example"' in body
    assert client.get("/customers").status_code == 302


def test_inactive_user_cannot_sign_in(client, world):
    world.reseller_a_user.active = False
    db.session.commit()
    response = login(client, world.reseller_a_user)
    assert response.status_code == 422
    assert "disabled" in response.get_data(as_text=True)
    assert client.get("/customers").status_code == 302


def test_sign_out_ends_the_session(client, world):
    login(client, world.reseller_a_user)
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/customers").status_code == 302


def test_sign_out_by_get_is_not_allowed(client, world):
    login(client, world.reseller_a_user)
    assert client.get("/logout").status_code == 405


def test_next_on_the_same_site_is_followed(client, world):
    token = csrf_token(client)
    response = client.post("/login?next=/customers", data={
        "email": "a@test.example", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/customers"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)", "http:/evil"])
def test_next_off_site_is_refused(client, world, target):
    token = csrf_token(client)
    response = client.post("/login", query_string={"next": target}, data={
        "email": "a@test.example", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"
    assert not is_safe_next(target)


def test_remember_me_sets_a_persistent_httponly_cookie(client, world):
    login(client, world.reseller_a_user, remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only


def test_passwords_are_stored_hashed(world):
    stored = db.session.scalar(select(User.password_hash).where(User.email == "a@test.example"))
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


SIGNUP = {
    "company_name": "Self Serve Ltd", "contact_first_name": "Jo", "contact_last_name": "Bloggs",
    "email": "billing@selfserve.example", "address_line1": "1 High St", "city": "London",
    "postal_code": "EC1A 1BB", "country": "GB", "name": "Jo Bloggs",
    "user_email": "jo@selfserve.example", "password": "a long password",
    "confirm": "a long password", "tenant_mode": "new", "domain_prefix": "selfserveltd",
}


def test_direct_customer_signs_up_and_sees_its_company(client, app):
    response = sign_up(client, SIGNUP)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "jo@selfserve.example"))
    assert user.role == Role.CUSTOMER_USER and user.customer.is_direct
    assert user.customer.tenant_mode == "new" and user.customer.domain_prefix == "selfserveltd"
    page = client.get("/company").get_data(as_text=True)
    assert "Self Serve Ltd" in page and "Ready to order" in page


def test_signup_asks_which_microsoft_tenant_the_company_orders_into_k4(client, app):
    response = post_form(client, "/signup", {**SIGNUP, "domain_prefix": ""})
    assert response.status_code == 422
    assert 'id="domain_prefix-err"' in response.get_data(as_text=True)
    response = sign_up(client, {**SIGNUP, "tenant_mode": "existing", "domain_prefix": "",
                                "tenant_domain": "selfserve.onmicrosoft.com"})
    assert response.status_code == 302
    customer = db.session.scalar(select(Customer).filter_by(company_name="Self Serve Ltd"))
    assert customer.tenant_mode == "existing"
    assert customer.tenant_domain == "selfserve.onmicrosoft.com"


def test_refused_signup_keeps_what_was_typed(client, app):
    response = post_form(client, "/signup", {**SIGNUP, "confirm": "different"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The passwords differ." in body
    assert 'value="Self Serve Ltd"' in body and 'value="EC1A 1BB"' in body
    query = select(Customer).where(Customer.company_name == "Self Serve Ltd")
    assert db.session.scalar(query) is None


def test_signup_lists_countries_in_reading_order_accents_ignored(client, app):
    body = client.get("/signup").get_data(as_text=True)
    names = re.findall(r'<option value="[A-Z]{2}">([^<]+)</option>', body)
    assert names.index("Costa Rica") < names.index("Côte d&#39;Ivoire") < names.index("Croatia")
    assert names.index("Qatar") < names.index("Réunion") < names.index("Romania")
