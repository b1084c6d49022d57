"""Checkout through the pages: every rule before an order exists, idempotent, race-safe."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from agreements import mca
from catalog import country_lists
from catalog.models import CatalogSettings
from checkout.problems import CheckoutRefused
from connectors.partner_center.sandbox import seed
from orders import cart as carts
from orders.models import Cart, Order, ProvisioningJob
from orders.placement import place_order
from persistence import db
from storefront.fix_links import fix_urls
from tests.checkout.conftest import confirm_mca
from tests.conftest import login, make_customer, make_price, post_form

TODAY = date(2026, 11, 23)


def orders_of(customer) -> int:
    return db.session.scalar(select(func.count(Order.id)).filter_by(customer_id=customer.id))


def place(client, customer, key="k1"):
    return post_form(client, f"/cart/{customer.id}/place", {"idempotency_key": key},
                     token_url=f"/cart?customer={customer.id}")


def test_an_order_is_placed_when_every_rule_passes(client, world, fresh):
    login(client, world.reseller_a_user)
    response = place(client, fresh)
    assert response.status_code == 302
    order = db.session.scalar(select(Order).filter_by(customer_id=fresh.id))
    assert response.headers["Location"] == f"/orders/{order.id}"
    assert order.status == "submitted" and order.number.startswith("ORD-")
    assert [e.status for e in order.events] == ["submitted"]
    assert order.lines[0].quantity == 5 and order.lines[0].action == "new_subscription"
    assert order.lines[0].partner_of_record == seed.RESELLER_MPN_ID  # K8
    assert db.session.scalar(select(ProvisioningJob).filter_by(order_id=order.id)).state == \
        "queued"
    assert carts.cart_for(world.reseller_a_user, fresh).lines == []
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert order.number in page and "submitted" in page


def test_the_order_points_to_the_mca_confirmation_the_rules_checked_k5(client, world, fresh):
    confirm_mca(fresh, world.reseller_a_user)  # a newer confirmation supersedes the first
    latest = mca.latest_for(fresh.id, fresh.reseller_id)
    login(client, world.reseller_a_user)
    place(client, fresh)
    order = db.session.scalar(select(Order).filter_by(customer_id=fresh.id))
    assert order.mca_acceptance_id == latest.id


def test_a_double_submit_returns_the_same_order(client, world, fresh):
    login(client, world.reseller_a_user)
    first = place(client, fresh, key="same")
    second = place(client, fresh, key="same")
    assert first.headers["Location"] == second.headers["Location"]
    assert orders_of(fresh) == 1


def test_without_the_mca_confirmation_nothing_is_ordered_k5(client, world):
    customer = make_customer(world.reseller_a, "No Mca GmbH", phone="+49 30 555")
    db.session.add(customer)
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, customer), world.price.id, 1)
    login(client, world.reseller_a_user)
    response = place(client, customer)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-code="K5.' in body
    assert orders_of(customer) == 0
    assert len(carts.cart_for(world.reseller_a_user, customer).lines) == 1  # cart kept


def test_the_dry_run_lists_problems_and_places_nothing(client, world, fresh):
    fresh.postal_code, fresh.tax_id = "1011", ""
    db.session.commit()
    login(client, world.reseller_a_user)
    response = post_form(client, f"/cart/{fresh.id}/check", {},
                         token_url=f"/cart?customer={fresh.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-code="K2.' in body
    assert orders_of(fresh) == 0


def test_a_clean_dry_run_says_so(client, world, fresh):
    login(client, world.reseller_a_user)
    response = post_form(client, f"/cart/{fresh.id}/check", {},
                         token_url=f"/cart?customer={fresh.id}")
    assert response.status_code == 200
    assert "Everything checks out" in response.get_data(as_text=True)


def test_a_pending_business_order_counts_toward_the_limit_k6(client, world):
    # world.order_a is a not-yet-provisioned monthly Business order for customer_a.
    confirm_mca(world.customer_a, world.reseller_a_user)
    world.customer_a.phone = "+49 30 1"
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, world.customer_a), world.price.id, 1)
    login(client, world.reseller_a_user)
    response = place(client, world.customer_a)
    assert response.status_code == 422
    assert 'data-code="K6.' in response.get_data(as_text=True)


def test_customers_not_yet_on_a_tenant_do_not_share_business_limits_k6(client, world, fresh):
    # Both are new tenants (no tenant id yet); customer_a has a pending monthly Business
    # order, which counts for customer_a alone.
    assert world.customer_a.tenant_id == fresh.tenant_id == ""
    login(client, world.reseller_a_user)
    assert place(client, fresh).status_code == 302
    assert orders_of(fresh) == 1


def test_reseller_without_mpa_cannot_order_k9(client, world, fresh):
    world.reseller_a.mpn_id, world.reseller_a.mpa_checked_at = seed.RESELLER_MPN_ID_NO_MPA, None
    db.session.commit()
    login(client, world.reseller_a_user)
    response = place(client, fresh)
    assert response.status_code == 422 and 'data-code="K9.' in response.get_data(as_text=True)
    assert world.reseller_a.mpa_status == "not_accepted"


def test_a_reseller_who_accepts_the_mpa_can_order_within_minutes_not_a_day_k9(
        client, world, fresh, pc_sandbox):
    import time_machine

    world.reseller_a.mpn_id, world.reseller_a.mpa_checked_at = seed.RESELLER_MPN_ID_NO_MPA, None
    db.session.commit()
    login(client, world.reseller_a_user)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=1), tick=False) as clock:
        assert 'data-code="K9.mpa_not_signed"' in place(client, fresh).get_data(as_text=True)
        pc_sandbox.data["mpn"][seed.RESELLER_MPN_ID_NO_MPA]["mpaSigned"] = True  # accepted
        clock.shift(timedelta(minutes=1))  # a refusal is kept only for a few minutes
        assert place(client, fresh, key="k2").status_code == 422
        clock.shift(timedelta(minutes=5))
        assert place(client, fresh, key="k3").status_code == 302
        assert world.reseller_a.mpa_status == "verified"


def test_a_reseller_can_ask_microsoft_again_at_once_from_its_dashboard_k9(
        client, world, pc_sandbox):
    world.reseller_a.mpn_id, world.reseller_a.mpa_checked_at = seed.RESELLER_MPN_ID_NO_MPA, None
    db.session.commit()
    login(client, world.reseller_a_user)
    refused = post_form(client, "/standing/check", {}, token_url="/")
    assert world.reseller_a.mpa_status == "not_accepted"
    assert "Accept it in Partner Center" in client.get(refused.headers["Location"]).get_data(
        as_text=True)
    pc_sandbox.data["mpn"][seed.RESELLER_MPN_ID_NO_MPA]["mpaSigned"] = True
    post_form(client, "/standing/check", {}, token_url="/")
    assert world.reseller_a.mpa_status == "verified"
    assert "you can order" in client.get("/").get_data(as_text=True)


def test_existing_tenant_without_delegated_admin_links_where_gdap_is_requested_k4(
        client, world, fresh):
    fresh.tenant_mode, fresh.tenant_id = "existing", seed.TENANT_WITHOUT_DAP_ID
    fresh.verify_tenant("admin", datetime.now(UTC))  # K11 passed: K4 judges the tenant
    db.session.commit()
    login(client, world.reseller_a_user)
    body = place(client, fresh).get_data(as_text=True)
    assert 'data-code="K4.delegated_admin_missing"' in body
    assert f'href="/customers/{fresh.id}/tenant#tenant"' in body


def test_two_racing_checkouts_never_make_two_monthly_business_subscriptions_k6(app, world):
    customers = []
    for name in ("Race One", "Race Two"):
        customer = make_customer(world.reseller_a, "Race GmbH", phone="+49 30 5",
                                 domain_prefix=name.replace(" ", "").lower())
        db.session.add(customer)
        customers.append(customer)
    db.session.commit()
    customer = customers[0]
    confirm_mca(customer, world.reseller_a_user)
    for user in (world.reseller_a_user, world.admin):  # two carts, same customer
        carts.add_line(carts.cart_for(user, customer), world.price.id, 1)
    cart_ids = [c.id for c in db.session.scalars(select(Cart).filter_by(customer_id=customer.id))]
    country_lists.ensure_seeded()  # as the first request of a running shop already did
    CatalogSettings.current()
    db.session.commit()
    from checkout.fetch import RemoteFacts

    remote = RemoteFacts(mca_version=seed.MCA_TEMPLATE_ID, domain_available=True)
    outcomes: list[str] = []

    def run(cart_id: int) -> None:
        with app.test_request_context():
            cart = db.session.get(Cart, cart_id)
            user = db.session.get(type(world.admin), cart.user_id)
            try:
                place_order(cart, user, remote, TODAY, fix_urls(cart.customer),
                            idempotency_key=f"race:{cart_id}", enqueue=lambda _id: None)
                outcomes.append("placed")
            except CheckoutRefused as refused:
                outcomes.append(",".join(refused.codes))
            except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
                outcomes.append(f"error: {exc!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(cart_id,)) for cart_id in cart_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[0].startswith("K6.") and sorted(outcomes)[1] == "placed", outcomes
    assert orders_of(customer) == 1


def test_the_cart_and_the_order_show_the_resellers_own_price(client, world, fresh):
    from decimal import Decimal

    from catalog.models import ResellerMarkup

    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("10")))
    db.session.commit()
    login(client, world.reseller_a_user)
    assert "$11.00" in client.get(f"/cart?customer={fresh.id}").get_data(as_text=True)
    place(client, fresh)
    order = db.session.scalar(select(Order).filter_by(customer_id=fresh.id))
    assert order.lines[0].unit_price == Decimal("11.00") and order.total == Decimal("55.00")


def test_the_cart_shows_each_lines_amount_and_a_total_per_billing_cycle(client, world, fresh):
    annual = make_price(title="Project Plan 3", product_id="CFQ7TTC0HDPD", family="other",
                        cycle="annual", term="P1Y", cost="100.00", erp="120.00")
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, fresh), annual.id, 2)
    login(client, world.reseller_a_user)
    page = client.get(f"/cart?customer={fresh.id}").get_data(as_text=True)
    # 5 x 12.50 monthly and 2 x 120.00 annually: two charges, never added into one.
    assert re.search(r'id="line-amount-0">\$62\.50', page)
    assert re.search(r'id="line-amount-1">\$240\.00', page)
    assert re.search(r'id="total-monthly">\$62\.50', page)
    assert re.search(r'id="total-annual">\$240\.00', page)
    assert "charged once a year" in page and "302.50" not in page
    assert "1-month term · billed monthly" in page
    # Annual billing is switched off here (C1): the line still shows what it is.
    assert f'<option value="{annual.id}" selected>1-year term · billed annually' in page


@pytest.mark.parametrize(("status", "refused"), [("in_review", True), ("approved", False)])
def test_a_nonprofit_plan_needs_an_approved_nonprofit_qualification_k7(
        client, world, fresh, status, refused):
    from accounts.models import CustomerQualification
    from catalog.models import Product

    nonprofit = make_price(title="Microsoft 365 Business Premium for nonprofits",
                           product_id="CFQ7TTC0LCHN", family="microsoft365")
    db.session.add(nonprofit)
    db.session.flush()
    db.session.get(Product, nonprofit.sku.product_id).segment = "nonprofit"
    db.session.add(CustomerQualification(customer_id=fresh.id, segment="nonprofit",
                                         status=status))
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, fresh), nonprofit.id, 1)
    login(client, world.reseller_a_user)
    # The cart warns from our record before anything asks Partner Center…
    cart = client.get(f"/cart?customer={fresh.id}").get_data(as_text=True)
    assert bool(re.search(r'id="line-\d-qualification">A nonprofit plan, and our records show '
                          r'no nonprofit qualification for', cart)) is refused
    assert cart.count("-qualification\"") == refused  # the commercial line has none
    body = post_form(client, f"/cart/{fresh.id}/check", {},
                     token_url=f"/cart?customer={fresh.id}").get_data(as_text=True)
    assert ('data-code="K7.not_qualified"' in body) is refused
    # …and once checkout has ruled, its refusal is what the line shows.
    assert '-qualification"' not in body
    if refused:  # the buyer cannot qualify itself here: the link offers the other plans
        assert f'href="/shop?customer={fresh.id}#segment">Fix it' in body


def test_a_cart_placed_from_two_tabs_at_once_makes_one_order(app, world, fresh):
    """Both requests hold the cart's lines when they start; the second to take the lock
    reads the cart again, finds it emptied by the first order, and places nothing."""
    e3 = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", family="microsoft365")
    db.session.add(e3)
    db.session.commit()
    cart = carts.cart_for(world.reseller_a_user, fresh)
    cart.lines.clear()
    db.session.commit()
    carts.add_line(cart, e3.id, 2)
    cart_id, user_id = cart.id, world.reseller_a_user.id
    country_lists.ensure_seeded()  # as the first request of a running shop already did
    CatalogSettings.current()
    db.session.commit()
    from checkout.fetch import RemoteFacts

    remote = RemoteFacts(mca_version=seed.MCA_TEMPLATE_ID, domain_available=True)
    both_loaded, outcomes = threading.Barrier(2, timeout=10), []

    def tab(key: str) -> None:
        with app.test_request_context():
            try:
                mine = db.session.get(Cart, cart_id)
                assert len(mine.lines) == 1  # this tab's copy of the cart
                both_loaded.wait()
                place_order(mine, db.session.get(type(world.admin), user_id), remote, TODAY,
                            fix_urls(mine.customer), idempotency_key=key,
                            enqueue=lambda _id: None)
                outcomes.append("placed")
            except CheckoutRefused as refused:
                outcomes.append(",".join(refused.codes))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tab, args=(key,)) for key in ("tab-1", "tab-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["C2.empty_cart", "placed"], outcomes
    assert orders_of(fresh) == 1


def test_the_cart_shows_what_the_saved_record_fails_before_any_check_k2(client, world, fresh):
    login(client, world.reseller_a_user)
    clean = client.get(f"/cart?customer={fresh.id}").get_data(as_text=True)
    assert 'id="ahead"' not in clean and "data-code=" not in clean
    fresh.postal_code = "1011"  # a German postal code has five digits
    db.session.commit()
    page = client.get(f"/cart?customer={fresh.id}").get_data(as_text=True)
    assert 'id="ahead"' in page and 'data-code="K2.' in page
    assert "This order cannot be placed yet" not in page  # nothing was checked or placed


def test_a_company_name_ending_in_a_dot_ends_the_mca_sentence_once(client, world):
    world.direct.company_name = "Kowalski Sp. z o.o."
    db.session.commit()
    login(client, world.direct_user)
    page = client.get("/cart").get_data(as_text=True)
    assert "for Kowalski Sp. z o.o. Every acceptance is logged." in " ".join(page.split())


def test_a_valid_mca_record_folds_the_form_away_and_a_missing_one_opens_it_k5(client, world,
                                                                             fresh):
    login(client, world.reseller_a_user)
    page = client.get(f"/cart?customer={fresh.id}").get_data(as_text=True)
    assert '<details class="mca-form" >' in page and "Record a new confirmation" in page
    other = make_customer(world.reseller_a, "Unconfirmed GmbH", phone="+49 30 555")
    db.session.add(other)
    db.session.commit()
    page = client.get(f"/cart?customer={other.id}").get_data(as_text=True)
    assert '<details class="mca-form" open>' in page and "Record the confirmation" in page


def test_the_cart_chooser_puts_carts_holding_plans_first_and_searches(client, world, fresh):
    login(client, world.reseller_a_user)
    page = client.get("/cart").get_data(as_text=True)
    assert page.index("Gamma GmbH") < page.index(world.customer_a.company_name)
    assert f'id="cart-count-{fresh.id}">1 plan in the cart' in page
    assert f'cart-count-{world.customer_a.id}"' not in page
    found = client.get("/cart?q=alph").get_data(as_text=True)
    assert world.customer_a.company_name in found and "Gamma GmbH" not in found
    assert "No customer matches" in client.get("/cart?q=zzz").get_data(as_text=True)


def test_a_cart_lines_billing_choices_come_in_the_shops_order(client, world, fresh):
    from decimal import Decimal

    from catalog.models import Price

    sku = world.price.sku
    for term, cycle in (("P1Y", "annual"), ("P1Y", "monthly")):
        db.session.add(Price(sku=sku, term_duration=term, billing_cycle=cycle, market="US",
                             currency="USD", unit_price=Decimal("9"), erp_price=Decimal("11")))
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True  # C1
    db.session.commit()
    login(client, world.reseller_a_user)
    page = client.get(f"/cart?customer={fresh.id}").get_data(as_text=True)
    choices = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', page)
    assert choices == ["1-month term · billed monthly", "1-year term · billed monthly",
                       "1-year term · billed annually"]


def test_a_second_business_subscription_links_to_the_one_held_k6(client, world):
    from catalog.models import Price
    from tests.api.factories import make_subscription
    from tests.checkout.conftest import ready_customer

    fresh = ready_customer(world)
    held = make_subscription(fresh, world.price, quantity=5, partner_id=seed.RESELLER_MPN_ID)
    # The same plan on a 1-year term billed monthly: a second monthly subscription of it.
    yearly = Price(sku=world.price.sku, term_duration="P1Y", billing_cycle="monthly",
                   market="US", currency="USD", unit_price=9, erp_price=11)
    db.session.add(yearly)
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, fresh), yearly.id, 1)
    db.session.commit()
    login(client, world.reseller_a_user)
    body = place(client, fresh).get_data(as_text=True)
    link = f"/subscriptions/find?ref=local:{held.id}"
    assert 'data-code="K6.second_subscription_same_cycle"' in body
    assert f'href="{link}#extra-licenses"' in body
    assert client.get(link).headers["Location"] == f"/subscriptions/{held.id}"


def test_finding_someone_elses_subscription_leads_to_ones_own_list(client, world):
    from tests.api.factories import make_subscription

    theirs = make_subscription(world.customer_b, world.price, pc_subscription_id="pc-b-1")
    login(client, world.reseller_a_user)
    for ref in ("pc-b-1", f"local:{theirs.id}", "local:99999999999999999999", "",
                "local:\u00b2", "local:" + "9" * 5000):
        response = client.get(f"/subscriptions/find?ref={ref}")
        assert response.headers["Location"] == "/subscriptions", ref


def test_annual_billing_switched_off_points_the_buyer_to_the_carts_choice_c1(
        client, world, fresh):
    annual = make_price(title="Project Plan 3", product_id="CFQ7TTC0HDPD", family="microsoft365",
                        cycle="annual", term="P1Y")
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, fresh), annual.id, 1)
    login(client, world.reseller_a_user)
    body = place(client, fresh).get_data(as_text=True)
    problem = re.search(r'data-code="C1\.annual_billing_disabled">.*?</p>', body, re.S).group(0)
    assert f'href="/cart?customer={fresh.id}#line-1-billing">Fix it' in problem
    assert "/admin" not in problem


def test_a_reseller_filters_its_orders_by_status_and_customer(client, world, fresh):
    login(client, world.reseller_a_user)
    place(client, fresh)
    placed = db.session.scalar(select(Order).filter_by(customer_id=fresh.id))
    world.order_a.record("needs_attention", "Refused by Partner Center.")
    db.session.commit()
    everything = client.get("/orders").get_data(as_text=True)
    assert placed.number in everything and world.order_a.number in everything
    problems = client.get("/orders?status=attention").get_data(as_text=True)
    assert world.order_a.number in problems and placed.number not in problems
    by_name = client.get("/orders?q=gamma").get_data(as_text=True)
    assert placed.number in by_name and world.order_a.number not in by_name
    assert world.order_b.number not in client.get("/orders").get_data(as_text=True)  # B's
    assert "No orders match." in client.get("/orders?status=cancelled").get_data(as_text=True)


def test_the_reseller_dashboard_shows_recent_orders_and_those_with_problems(client, world):
    login(client, world.reseller_a_user)
    calm = client.get("/").get_data(as_text=True)
    assert world.order_a.number in calm and 'id="troubled"' not in calm
    assert world.order_b.number not in calm  # reseller B's
    world.order_a.record("needs_attention", "Refused by Partner Center.")
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/orders?status=attention">1 order with problems</a>' in page
