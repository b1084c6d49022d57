"""Every refused form opens with an error summary (role=alert, focused by the page's
script): each problem listed, each a link to the field that fixes it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine

from checkout.problems import CheckoutRefused, Problem
from storefront.errors import handle_refused
from tests.conftest import login, post_form
from tests.subscriptions.conftest import buy, tenant  # noqa: F401 -- fixtures
from tests.ux.orders import refused_polish_order

SUMMARY = re.compile(r'<div class="error-summary" role="alert" tabindex="-1" '
                     r'data-error-summary>(.*?)</div>', re.S)


def summary_of(page: str, above: str | None = '<form method="post" action="/c') -> str:
    """The page's one error summary, which comes before the refused form (`above`)."""
    found = SUMMARY.findall(page)
    assert len(found) == 1
    if above is not None:
        assert page.index("data-error-summary") < page.index(above)
    return found[0]


def links(summary: str) -> list[tuple[str, str]]:
    """(href, text) of each problem in the summary."""
    return [(href, re.sub(r"\s+", " ", text).strip())
            for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', summary, re.S)]


def test_a_refused_customer_form_lists_each_problem_linked_to_its_field(client, world):
    login(client, world.reseller_a_user)
    response = post_form(client, "/customers/new", {"company_name": "Half Filled Ltd",
                                                    "email": "not-an-address"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    found = links(summary_of(page))
    hrefs = [href for href, _ in found]
    assert hrefs[:5] == ["#contact_first_name", "#contact_last_name", "#email",
                         "#address_line1", "#city"]
    assert ("#city", "City: This field is required.") in found
    assert "There are 7 problems to fix" in page  # the five above, the country, the domain
    for href in hrefs:
        assert f'id="{href[1:]}"' in page  # each link's field is on the page


def test_a_check_across_fields_links_the_field_it_asks_for(client, world):
    """An existing tenant needs its ID or its domain: the form-wide check (forms.py
    TenantFields.validate) puts its message on the tenant ID, which the summary links."""
    login(client, world.reseller_a_user)
    page = post_form(client, "/customers/new", {"tenant_mode": "existing"}).get_data(
        as_text=True)
    summary = summary_of(page)
    assert '<a href="#tenant_id">Existing tenant ID: Give the existing tenant' in summary


def test_a_refused_order_lists_each_problem_linked_to_where_the_cart_shows_it(client, world):
    response = refused_polish_order(client, world, tax_id="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    found = links(summary_of(page))
    assert found, "the summary links every problem"
    assert ("#problem-tax_id", found[0][1]) == found[0] and "NIP" in found[0][1]
    for href, _ in found:
        assert f'id="{href[1:]}"' in page, href
    assert "Nothing was sent to Microsoft" in page


def test_a_refusal_no_page_draws_itself_links_each_problem_to_its_fix(app, world):
    problems = [Problem("K3", "K3.missing_tax_id", "Give the NIP.", "tax_id",
                        f"/customers/{world.customer_a.id}/edit#tax_id"),
                Problem("K6", "K6.third_subscription", "Add licenses instead.",
                        "billing_cycle", None, 0)]
    with app.test_request_context("/somewhere", headers={"Accept": "text/html"}):
        body, status = handle_refused(CheckoutRefused(problems))
    assert status == 422
    summary = summary_of(body, above=None)
    assert links(summary) == [(f"/customers/{world.customer_a.id}/edit#tax_id",
                               "Give the NIP.")]
    assert "Add licenses instead." in summary  # no fix link: listed as text


def test_a_refused_subscription_change_links_the_field_it_came_from_s2(client, world,
                                                                       buy):  # noqa: F811
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        sub = buy(quantity=5)
        clock.move_to(start + timedelta(days=8))  # past the 7 days licenses can be removed
        login(client, world.reseller_a_user)
        response = post_form(client, f"/subscriptions/{sub.id}/quantity",
                             {"quantity": "2", "confirm": "yes"},
                             token_url=f"/subscriptions/{sub.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    [(href, text)] = links(summary_of(page, above=None))
    assert href == "#quantity" and 'id="quantity"' in page and "removed" in text
