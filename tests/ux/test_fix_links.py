"""A "Fix it" link lands on the field: its href ends in the id of the element where the fix
is made, and the page it opens has that element (static/behaviour.js then focuses it)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import url_for

from connectors.partner_center.sandbox import seed
from orders import cart as carts
from persistence import db
from storefront.fix_links import fix_urls
from tests.api.factories import make_subscription
from tests.checkout.conftest import ready_customer
from tests.conftest import login, make_price, post_form


def fix_links_of(app, customer, **kwargs):
    with app.test_request_context():
        return fix_urls(customer, **kwargs)


def has_id(page: str, element_id: str) -> bool:
    return f'id="{element_id}"' in page


def opened(client, link: str) -> str:
    """The page a fix link opens (following the subscription finder's redirect)."""
    return client.get(link, follow_redirects=True).get_data(as_text=True)


def fragment(link: str) -> str:
    return urlsplit(link).fragment


def test_a_missing_nip_links_to_the_tax_id_field_of_the_customers_details_k3(client, world):
    customer = world.customer_a
    customer.country, customer.postal_code, customer.tax_id = "PL", "00-850", ""
    db.session.commit()
    login(client, world.reseller_a_user)
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    [href] = re.findall(r'data-code="K3\.missing_tax_id".*?href="([^"]+)">Fix it', page, re.S)
    assert href == f"/customers/{customer.id}/edit#tax_id"
    assert has_id(opened(client, href), "tax_id")


@pytest.mark.parametrize("field", ["company_name", "contact_first_name", "contact_last_name",
                                   "email", "phone", "address_line1", "city", "region",
                                   "postal_code", "country", "tax_id", "domain_prefix",
                                   "tenant_id", "tenant_mode"])
def test_every_customer_field_a_rule_names_is_an_element_of_the_edit_page(
        app, client, world, field):
    link = fix_links_of(app, world.customer_a).customer_field(field)
    assert link.endswith(f"/customers/{world.customer_a.id}/edit#{field}")
    login(client, world.reseller_a_user)
    assert has_id(opened(client, link), field)


def test_a_direct_customers_fix_link_opens_its_company_page_at_the_field(app, client, world):
    link = fix_links_of(app, world.direct).customer_field("postal_code")
    assert link == "/company#postal_code"
    login(client, world.direct_user)
    assert has_id(opened(client, link), "postal_code")


def test_annual_billing_switched_off_links_to_that_lines_billing_choice_c1(client, world):
    customer = ready_customer(world)
    annual = make_price(title="Project Plan 3", product_id="CFQ7TTC0HDPD",
                        family="microsoft365", cycle="annual", term="P1Y")
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, customer), annual.id, 1)
    login(client, world.reseller_a_user)
    cart = f"/cart?customer={customer.id}"
    page = post_form(client, f"/cart/{customer.id}/check", {}, token_url=cart).get_data(
        as_text=True)
    [href] = re.findall(r'data-code="C1\.annual_billing_disabled".*?href="([^"]+)">Fix it',
                        page, re.S)
    assert href == f"{cart}#line-0-billing"
    assert has_id(page, "line-0-billing")  # the cart it opens is the page it is on


def test_the_pages_other_rules_link_to_have_the_element_their_links_name(app, client, world):
    """K9/K8 (the reseller's standing), K11/K4 (the tenant page), K6/C4 (a subscription's
    extra licenses), K7 (the shop's segment filter), K5 (the cart's MCA)."""
    customer = world.customer_a
    customer.tenant_mode, customer.tenant_id = "existing", seed.TENANT_WITH_DAP_ID
    held = make_subscription(customer, world.price)
    db.session.commit()
    urls = fix_links_of(app, customer)
    links = [urls.reseller_profile, urls.tenant_proof, urls.qualification, urls.mca,
             urls.subscription_url(f"local:{held.id}")]
    assert [fragment(link) for link in links] == [
        "standing", "tenant", "segment", "mca", "extra-licenses"]
    login(client, world.reseller_a_user)
    for link in links:
        assert has_id(opened(client, link), fragment(link)), link


def test_the_api_gives_the_same_links_absolute_with_their_anchor(app, world):
    with app.test_request_context():
        link = fix_urls(world.customer_a, external=True).customer_field("tax_id")
        edit = url_for("customers.edit", customer_id=world.customer_a.id, _external=True)
    assert link == f"{edit}#tax_id"


def test_saving_after_a_fix_link_returns_to_the_cart_without_the_fields_anchor(
        client, world):
    """The form posts to its own address without the #field, which the redirect back to
    the cart would otherwise carry along."""
    customer = world.customer_a
    login(client, world.reseller_a_user)
    with client.application.test_request_context():
        edit = fix_urls(customer, from_cart=True).customer_field("tax_id")
    page = client.get(edit).get_data(as_text=True)
    action = re.search(r'<form method="post" action="(/customers/[^"]+)"', page)[1]
    assert action == f"/customers/{customer.id}/edit?next=/cart?customer%3D{customer.id}"
