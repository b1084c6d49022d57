"""Resellers manage their customers; admins manage resellers and qualifications."""

from sqlalchemy import select

from accounts.models import Customer, Reseller, User
from persistence import db
from tests.conftest import login, mailed_text, post_form
from tests.security.test_invitations_and_roles import JOIN_RE

NEW_CUSTOMER = {
    "company_name": "Gamma Sp. z o.o.", "contact_first_name": "Ewa", "contact_last_name": "Nowak",
    "email": "ewa@gamma.example", "phone": "+48 22 100 00 00", "address_line1": "ul. Prosta 1",
    "city": "Warszawa", "postal_code": "00-850", "country": "PL", "tax_id": "8567346215",
    "tenant_mode": "new", "domain_prefix": "gammapl",
}


def test_reseller_creates_a_customer_that_belongs_to_it(client, world):
    login(client, world.reseller_a_user)
    response = post_form(client, "/customers/new", NEW_CUSTOMER)
    assert response.status_code == 302
    customer = db.session.scalar(select(Customer).where(Customer.company_name.like("Gamma%")))
    assert customer.reseller_id == world.reseller_a.id
    assert customer.country == "PL" and customer.tax_id == "8567346215"


def test_refused_customer_form_keeps_every_value_and_names_the_field(client, world):
    login(client, world.reseller_a_user)
    response = post_form(client, "/customers/new", {**NEW_CUSTOMER, "city": "", "email": "nope"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Gamma Sp. z o.o."' in body and 'value="8567346215"' in body
    assert 'id="city-err"' in body and 'id="email-err"' in body


def test_a_saved_customer_page_lists_what_checkout_will_refuse_k2_k3(client, world):
    login(client, world.reseller_a_user)
    bad = {**NEW_CUSTOMER, "postal_code": "00-8500", "tax_id": "8567346216"}
    response = post_form(client, "/customers/new", bad)
    assert response.status_code == 302  # saved as typed: checkout is where it is refused
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Gamma Sp. z o.o. is saved." in page
    assert "Before this customer can order" in page
    assert 'data-code="K2.invalid_postal_code"' in page and "for Poland" in page
    assert 'data-code="K3.invalid_tax_id_checksum"' in page
    customer = db.session.scalar(select(Customer).filter_by(company_name="Gamma Sp. z o.o."))
    assert f'href="/customers/{customer.id}/edit#postal_code">Fix it' in page
    assert f'href="/customers/{customer.id}/edit#tax_id">Fix it' in page


def test_a_customer_whose_record_passes_k1_to_k3_is_ready_to_order(client, world):
    login(client, world.reseller_a_user)
    response = post_form(client, "/customers/new", NEW_CUSTOMER)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ready to order" in page and "data-code=" not in page
    customer = db.session.scalar(select(Customer).filter_by(company_name="Gamma Sp. z o.o."))
    assert f'href="/shop?customer={customer.id}"' in page


def test_a_direct_customer_sees_what_checkout_will_refuse_on_its_company_page(client, world):
    world.direct.country, world.direct.postal_code = "PL", "1"
    db.session.commit()
    login(client, world.direct_user)
    page = client.get("/company").get_data(as_text=True)
    assert 'data-code="K2.invalid_postal_code"' in page and 'href="/shop"' in page


def test_a_company_without_a_domain_prefix_is_told_before_it_orders_k4(client, world):
    world.direct.tenant_mode, world.direct.domain_prefix = "new", ""
    db.session.commit()
    login(client, world.direct_user)
    page = client.get("/company").get_data(as_text=True)
    assert "new: no domain prefix chosen yet" in page and ".onmicrosoft.com</dd>" not in page
    assert 'data-code="K4.missing_domain_prefix"' in page and "Ready to order" not in page


def test_existing_tenant_needs_an_id_or_domain(client, world):
    login(client, world.reseller_a_user)
    response = post_form(client, "/customers/new", {**NEW_CUSTOMER, "tenant_mode": "existing"})
    assert response.status_code == 422
    assert "existing tenant" in response.get_data(as_text=True)


def test_reseller_cannot_edit_another_resellers_customer(client, world):
    login(client, world.reseller_a_user)
    url = f"/customers/{world.customer_b.id}/edit"
    response = post_form(client, url, NEW_CUSTOMER, token_url="/customers/new")
    assert response.status_code == 404
    db.session.refresh(world.customer_b)
    assert world.customer_b.company_name == "Beta GmbH"


def test_direct_customer_edits_its_own_company(client, world):
    login(client, world.direct_user)
    data = {**NEW_CUSTOMER, "company_name": "Direct Renamed"}
    assert post_form(client, "/company", data).status_code == 302
    db.session.refresh(world.direct)
    assert world.direct.company_name == "Direct Renamed" and world.direct.reseller_id is None


def test_admin_creates_a_reseller_and_invites_its_first_user(client, browser, world):
    login(client, world.admin)
    response = post_form(client, "/admin/resellers/new", {
        "company_name": "Delta IT", "mpn_id": "5556667", "mpa_status": "unknown",
        "contact_name": "Dee", "contact_email": "dee@delta.example", "active": "y"})
    reseller = db.session.scalar(select(Reseller).where(Reseller.company_name == "Delta IT"))
    assert response.status_code == 302 and reseller.mpn_id == "5556667"
    response = post_form(client, f"/admin/resellers/{reseller.id}/users/new", {
        "name": "Dee", "email": "Dee@Delta.example", "company_role": "admin",
        "admin_agent": "y"})
    assert response.status_code == 302
    # Invited: the account exists once Dee chooses a password from the emailed link.
    assert db.session.scalar(select(User).where(User.email == "dee@delta.example")) is None
    link = JOIN_RE.search(mailed_text("dee@delta.example"))[1]
    post_form(browser(), link, {"password": "twelve chars!", "confirm": "twelve chars!"})
    user = db.session.scalar(select(User).where(User.email == "dee@delta.example"))
    assert (user.reseller_id, user.company_role, user.admin_agent) == (reseller.id, "admin",
                                                                       True)


def test_reseller_mpn_id_must_be_digits(client, world):
    login(client, world.admin)
    response = post_form(client, "/admin/resellers/new", {
        "company_name": "Bad MPN", "mpn_id": "abc", "mpa_status": "unknown",
        "contact_name": "X", "contact_email": "x@example.com"})
    assert response.status_code == 422
    assert "An MPN ID is 6–10 digits." in response.get_data(as_text=True)


def test_admin_approves_a_specialized_industry_qualification(client, world):
    login(client, world.admin)
    form = {**NEW_CUSTOMER, "company_name": "Alpha GmbH", "qualifications": ["nonprofit"]}
    assert post_form(client, f"/admin/customers/{world.customer_a.id}", form).status_code == 302
    db.session.refresh(world.customer_a)
    assert world.customer_a.approved_segments() == frozenset({"nonprofit"})


def test_admin_search_finds_resellers_by_mpn(client, world):
    login(client, world.admin)
    body = client.get(f"/admin/resellers?q={world.reseller_b.mpn_id}").get_data(as_text=True)
    assert "Reseller B" in body and "Reseller A" not in body


def test_fixing_the_tax_id_from_the_cart_leads_back_to_the_cart_k3(client, world):
    from orders import cart as carts
    from tests.billing.conftest import price_in

    polish = price_in(world, "PL", "PLN", erp="50.00")  # C7: the world's customers move there
    world.customer_a.tax_id = ""
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, world.customer_a), polish.id, 1)
    login(client, world.reseller_a_user)
    cart = f"/cart?customer={world.customer_a.id}"
    page = client.get(cart).get_data(as_text=True)
    edit = f"/customers/{world.customer_a.id}/edit?next=/cart?customer%3D{world.customer_a.id}"
    assert 'data-code="K3.missing_tax_id"' in page and f'href="{edit}#tax_id">Fix it' in page
    fixed = {**NEW_CUSTOMER, "company_name": "Alpha GmbH", "domain_prefix": "alphapl"}
    response = post_form(client, edit, fixed)
    assert response.status_code == 302 and response.headers["Location"] == cart
    assert "data-code=" not in client.get(cart).get_data(as_text=True)


def test_an_off_site_next_after_saving_a_customer_is_ignored(client, world):
    login(client, world.direct_user)
    response = post_form(client, "/company?next=//evil.example/", NEW_CUSTOMER)
    assert response.status_code == 302 and response.headers["Location"] == "/company"
