"""K12 on the pages: a reservation line in the cart asks for its scope and one of the
Azure subscriptions Partner Center reports under the customer's Azure plan; checkout names
each missing choice (K12.*); the customer's and the plan's pages show the plan and its
Azure subscriptions, scoped like any customer page. Partner Center is the sandbox."""

from __future__ import annotations

import uuid

import pytest

from orders import cart as carts
from persistence import db
from tests.checkout.azure import azure_plan_of, reservation_price
from tests.conftest import csrf_token, login, make_price, move_to


@pytest.fixture
def azure_plan(world, pc_sandbox):
    """customer_a's Azure plan, in Partner Center (with the Azure subscription Azure made
    with it) and mirrored here."""
    return azure_plan_of(world.customer_a, pc_sandbox)


def _reservation_in_cart(world):
    move_to(world.customer_a, "DE")  # C7: the reservation is priced for Germany
    return carts.add_line(carts.cart_for(world.reseller_a_user, world.customer_a),
                          reservation_price().id, 1)


def _post(client, url: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/cart"), **data})


def test_k12_the_reservation_line_offers_the_plans_azure_subscriptions(client, world,
                                                                      azure_plan):
    _plan, azure_sub = azure_plan
    _reservation_in_cart(world)
    login(client, world.reseller_a_user)
    page = client.get(f"/cart?customer={world.customer_a.id}").get_data(as_text=True)
    assert 'id="line-0-reservation"' in page
    assert f'<option value="{azure_sub}"' in page and 'value="single"' in page


def test_k12_checkout_names_the_missing_scope_and_subscription(client, world, azure_plan):
    _reservation_in_cart(world)
    login(client, world.reseller_a_user)
    answer = _post(client, f"/cart/{world.customer_a.id}/check")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "K12.missing_scope" in page and "K12.missing_subscription" in page


def test_k12_the_chosen_scope_and_subscription_are_kept_and_pass_the_rule(client, world,
                                                                         azure_plan):
    _plan, azure_sub = azure_plan
    line = _reservation_in_cart(world)
    login(client, world.reseller_a_user)
    url = f"/cart/{world.customer_a.id}/lines/{line.id}/reservation"
    assert _post(client, url, scope="single", azure_subscription_id=azure_sub.upper()
                 ).status_code == 302
    db.session.refresh(line)
    assert (line.reservation_scope, line.azure_subscription_id) == ("single", azure_sub)
    page = _post(client, f"/cart/{world.customer_a.id}/check").get_data(as_text=True)
    assert "K12." not in page


def test_k12_a_subscription_outside_the_plan_is_refused_at_checkout(client, world, azure_plan):
    line = _reservation_in_cart(world)
    login(client, world.reseller_a_user)
    _post(client, f"/cart/{world.customer_a.id}/lines/{line.id}/reservation", scope="shared",
          azure_subscription_id=str(uuid.uuid4()))
    page = _post(client, f"/cart/{world.customer_a.id}/check").get_data(as_text=True)
    assert "K12.subscription_not_in_plan" in page


def test_k12_a_malformed_choice_is_refused_naming_the_field(client, world, azure_plan):
    line = _reservation_in_cart(world)
    login(client, world.reseller_a_user)
    url = f"/cart/{world.customer_a.id}/lines/{line.id}/reservation"
    answer = _post(client, url, scope="everywhere", azure_subscription_id="x")
    assert answer.status_code == 422
    assert "Scope: choose shared or single" in answer.get_data(as_text=True)
    db.session.refresh(line)
    assert (line.reservation_scope, line.azure_subscription_id) == ("", "")


def test_k12_a_refused_choice_keeps_the_scope_chosen_and_says_what_is_missing(
        client, world, azure_plan):
    """Shared without an Azure subscription: the cart came back with its scope at
    "Choose…", losing the choice (K12 refusals keep what was entered)."""
    _plan, azure_sub = azure_plan
    line = _reservation_in_cart(world)
    login(client, world.reseller_a_user)
    url = f"/cart/{world.customer_a.id}/lines/{line.id}/reservation"
    answer = _post(client, url, scope="shared", azure_subscription_id="")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert '<option value="shared" selected>' in page
    assert f'<option value="{azure_sub}" selected' not in page
    error = 'id="line-0-reservation-error" role="alert">Azure subscription: choose one'
    assert error in page and 'aria-describedby="line-0-reservation-error"' in page
    db.session.refresh(line)
    assert (line.reservation_scope, line.azure_subscription_id) == ("", "")


def test_k12_a_refused_choice_keeps_the_subscription_chosen(client, world, azure_plan):
    _plan, azure_sub = azure_plan
    line = _reservation_in_cart(world)
    login(client, world.reseller_a_user)
    url = f"/cart/{world.customer_a.id}/lines/{line.id}/reservation"
    page = _post(client, url, scope="", azure_subscription_id=azure_sub
                 ).get_data(as_text=True)
    assert f'<option value="{azure_sub}" selected>' in page
    assert "Scope: choose shared or single" in page


def test_k12_without_an_azure_plan_the_line_says_to_buy_the_plan_first(client, world):
    _reservation_in_cart(world)
    login(client, world.reseller_a_user)
    page = client.get(f"/cart?customer={world.customer_a.id}").get_data(as_text=True)
    assert "buy the Azure plan first" in page
    page = _post(client, f"/cart/{world.customer_a.id}/check").get_data(as_text=True)
    assert "K12.no_azure_plan" in page


def test_the_customer_page_shows_the_azure_plan_and_its_azure_subscriptions(client, world,
                                                                           azure_plan):
    plan, azure_sub = azure_plan
    login(client, world.reseller_a_user)
    page = client.get(f"/customers/{world.customer_a.id}").get_data(as_text=True)
    assert 'id="azure-plan"' in page and azure_sub in page
    assert f'href="/subscriptions/{plan.id}" id="azure-plan-page"' in page
    assert "Azure plan: " not in page  # the plan's title is "Azure plan": named once


def test_the_plans_page_lists_its_azure_subscriptions_for_the_admin(client, world, azure_plan):
    plan, azure_sub = azure_plan
    login(client, world.admin)
    page = client.get(f"/subscriptions/{plan.id}").get_data(as_text=True)
    assert 'id="azure-subscriptions"' in page and azure_sub in page


def test_another_resellers_user_cannot_see_the_plan(client, world, azure_plan):
    plan, _azure_sub = azure_plan
    login(client, world.reseller_b_user)
    assert client.get(f"/subscriptions/{plan.id}").status_code == 404
    assert client.get(f"/customers/{world.customer_a.id}").status_code == 404


def test_k12_an_azure_plan_in_the_cart_reads_as_usage_billed_monthly(client, world):
    """It read "perpetual · one-time", "$0.00 per license, one-time", with a quantity to
    change: the plan itself costs nothing, is held once, and its usage is billed monthly."""
    plan = make_price(title="Azure plan", product_id="DZH318Z0BPS6", family="azure_plan",
                      market="GB", currency="GBP", cost="0", erp="0", term="",
                      cycle="one_time")
    move_to(world.direct, "GB")  # C7: the market of its price
    db.session.commit()
    carts.add_line(carts.cart_for(world.direct_user, world.direct), plan.id, 1)
    login(client, world.direct_user)
    page = client.get("/cart").get_data(as_text=True)
    line = page[page.index('<tr id="line-0">'):page.index("</tr>", page.index('id="line-0"'))]
    assert f'<option value="{plan.id}" selected>no term · Azure usage billed monthly' in line
    assert "No charge for the plan" in line and "billed monthly, in arrears" in line
    assert "perpetual" not in line and "per license, one-time" not in line
    assert 'type="number" name="quantity"' not in line
    assert '<input type="hidden" name="quantity" value="1">' in line
