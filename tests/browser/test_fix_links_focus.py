"""In a real browser: a "Fix it" link lands on its field (focused, scrolled to, highlighted),
a refused form's error summary takes the focus and its links lead to the fields, and the
tax ID field is named as the chosen country names it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from persistence import db
from tests.browser.test_behaviour_under_csp import blocked  # noqa: F401 -- a fixture
from tests.browser.test_reseller_creates_customer import sign_in


def test_a_fix_link_focuses_and_highlights_its_field(page: Page, live_server, world,
                                                     blocked):  # noqa: F811
    customer = world.customer_a
    customer.country, customer.postal_code, customer.tax_id = "PL", "00-850", ""
    db.session.commit()
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/customers/{customer.id}")
    page.locator('[data-code="K3.missing_tax_id"]').get_by_role("link", name="Fix it").click()
    expect(page).to_have_url(re.compile(rf"/customers/{customer.id}/edit#tax_id$"))
    field = page.get_by_label("NIP (Polish VAT number)")
    expect(field).to_be_focused()
    expect(page.locator(".field", has=field)).to_have_class(re.compile(r"\bfix-target\b"))
    assert field.evaluate("el => { const r = el.getBoundingClientRect();"
                          " return r.top >= 0 && r.bottom <= window.innerHeight; }")
    assert blocked == []


def test_a_refused_form_focuses_its_summary_whose_links_reach_each_field(
        page: Page, live_server, world, blocked):  # noqa: F811
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/customers/new")
    page.get_by_label("Company name").fill("Half Filled Ltd")
    page.get_by_role("button", name="Save customer").click()
    summary = page.get_by_role("alert").filter(has_text="problems to fix")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="City: This field is required.").click()
    expect(page.get_by_label("City", exact=True)).to_be_focused()
    summary.get_by_role("link", name=re.compile(r"^Billing email:")).click()
    expect(page.get_by_label("Billing email")).to_be_focused()
    assert blocked == []


def test_choosing_a_country_names_its_tax_id(page: Page, live_server, world,
                                             blocked):  # noqa: F811
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/customers/new")
    expect(page.get_by_label("Organization tax ID")).to_be_visible()
    page.get_by_label("Country").select_option("BR")
    expect(page.get_by_label("CNPJ (Brazilian company identifier)")).to_be_visible()
    page.get_by_label("Country").select_option("PL")
    expect(page.get_by_label("NIP (Polish VAT number)")).to_be_visible()
    page.get_by_label("Country").select_option("IQ")
    expect(page.get_by_label("Organization tax ID")).to_be_visible()
    assert blocked == []
