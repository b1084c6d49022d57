"""B1 for the Azure plan: the usage Microsoft billed is charged to the buyer, monthly in
arrears, once. The plan is provisioned through the real pipeline against the sandbox, whose
Azure subscription runs one D2s v3 around the clock (24 h a day at USD 0.096 an hour, 15 %
partner earned credit); the billing run reads Microsoft's invoices with the real Partner
Center client and the usage with the real Graph client (Graph's billed usage export)."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.azure_usage import refresh_usage_to_date, usage_billed, usage_to_date
from billing.models import Charge, ChargeType, InvoiceLine
from billing.runs import run_billing
from billing.tasks import azure_usage_to_date_task
from catalog.models import Price, Product, ResellerMarkup, Sku
from persistence import db
from tests.billing.conftest import provisioned
from tests.conftest import login, move_to, post_form

PUBLISHED = datetime(2021, 7, 8, 12, tzinfo=UTC)  # June's invoice is out
# 18-30 June: 13 days x 24 hours. Microsoft bills the partner the hours less 15 %:
COST = 13 * 24 * Decimal("0.0816")  # USD 25.4592
LIST = 13 * 24 * Decimal("0.096")  # USD 29.952, the price list's


@pytest.fixture
def plan(shop, clock, pc_client):
    """Reseller A's Alpha GmbH (Germany) bought the Azure plan on 18 June 2021."""
    product = Product(pc_product_id="DZH318Z0BPS6", title="Azure plan", family="azure_plan")
    sku = Sku(product=product, pc_sku_id="0001", title="Azure plan",
              availability_id="DZH318Z0BPS6")
    price = Price(sku=sku, term_duration="", billing_cycle="one_time", market="DE",
                  currency="EUR", unit_price=Decimal(0), erp_price=Decimal(0))
    db.session.add_all([product, sku, price])
    move_to(shop.customer_a, "DE")  # C7: the market of its price
    db.session.commit()
    return provisioned(shop.customer_a, shop.reseller_a_user, price, 1, pc_client)


def run(clock, pc_client, graph_client, month: str = "2021-07"):
    clock.move_to(PUBLISHED)
    return run_billing(month, PUBLISHED.date(), invoices=pc_client, exports=graph_client)


def usage_charges() -> list[Charge]:
    return list(db.session.scalars(select(Charge).where(
        Charge.charge_type == ChargeType.AZURE_USAGE)))


def test_b1_a_resellers_azure_usage_is_charged_at_cost_plus_its_markup_once(
        shop, clock, pc_client, graph_client, plan):
    db.session.add(ResellerMarkup(reseller_id=shop.reseller_a.id, product_id=None,
                                  markup_percent=Decimal(10)))
    db.session.commit()
    done = run(clock, pc_client, graph_client)
    [charge] = usage_charges()
    assert (charge.amount, charge.currency, charge.market) == (
        (COST * Decimal("1.1")).quantize(Decimal("0.01")), "USD", "DE")  # 28.01
    assert charge.retail_unit_price == LIST.quantize(Decimal("0.01"))  # its end customer's
    assert (charge.subscription_id, charge.buyer_reseller_id) == (plan.id, shop.reseller_a.id)
    assert (charge.period_start, charge.period_end, charge.billing_month) == (
        date(2021, 6, 18), date(2021, 6, 30), "2021-07")
    assert charge.description.startswith("Azure usage, 18–30 June 2021: Microsoft Azure (")
    invoiced = db.session.scalar(select(InvoiceLine).where(InvoiceLine.charge_id == charge.id))
    assert invoiced is not None and done.problems == ""

    again = run(clock, pc_client, graph_client)
    assert len(usage_charges()) == 1 and again.charges_added == 0


def test_b1_without_a_markup_the_usage_is_charged_at_the_price_lists_price(
        shop, clock, pc_client, graph_client, plan):
    run(clock, pc_client, graph_client)
    [charge] = usage_charges()
    assert charge.amount == Decimal("29.95")  # LIST, rounded once (B5)


def test_b1_usage_is_billed_in_arrears_once_microsofts_invoice_is_out(
        shop, clock, pc_client, graph_client, plan):
    clock.move_to(datetime(2021, 7, 1, 9, tzinfo=UTC))
    early = run_billing("2021-06", date(2021, 7, 1), invoices=pc_client, exports=graph_client)
    assert usage_charges() == [] and early.problems == ""  # June's invoice is not out yet
    later = run(clock, pc_client, graph_client, "2021-07")
    assert len(usage_charges()) == 1 and later.charges_added >= 1


def test_b1_usage_of_a_tenant_no_customer_has_is_listed_not_billed(
        shop, clock, pc_client, graph_client, plan):
    tenant = shop.customer_a.tenant_id
    shop.customer_a.tenant_id = "00000000-0000-4000-8000-00000000beef"
    db.session.commit()
    done = run(clock, pc_client, graph_client)
    assert usage_charges() == []
    assert f"no customer here has the tenant {tenant}" in done.problems


def test_b1_microsoft_unreachable_leaves_the_usage_for_the_next_run(
        shop, clock, pc_client, graph_client, plan, pc_sandbox):
    pc_sandbox.add_fault(endpoint="POST /v1.0/reports/partners/billing/usage/*", status=403,
                         code="accessDenied")
    done = run(clock, pc_client, graph_client)
    assert usage_charges() == []
    assert "could not be read from Microsoft" in done.problems
    pc_sandbox.faults.clear()
    run(clock, pc_client, graph_client)
    assert len(usage_charges()) == 1


def test_b1_a_month_without_a_run_leaves_its_usage_to_the_runs_after_it(
        shop, clock, pc_client, graph_client, plan):
    # No run in July (a stopped worker): August's, on 1 September, still reads June's
    # invoice (and July's, out on 8 August).
    clock.move_to(datetime(2021, 9, 1, 9, tzinfo=UTC))
    run_billing("2021-08", date(2021, 9, 1), invoices=pc_client, exports=graph_client)
    june, july = sorted(usage_charges(), key=lambda c: c.period_start)
    assert (june.period_start, june.period_end, june.billing_month) == (
        date(2021, 6, 18), date(2021, 6, 30), "2021-08")
    assert (july.period_start, july.period_end) == (date(2021, 7, 1), date(2021, 7, 31))


def test_b1_the_plans_page_shows_the_usage_billed_as_its_viewer_is_billed_it(
        shop, clock, pc_client, graph_client, plan, browser):
    db.session.add(ResellerMarkup(reseller_id=shop.reseller_a.id, product_id=None,
                                  markup_percent=Decimal(10)))
    db.session.commit()
    reseller = browser()
    login(reseller, shop.reseller_a_user)
    before = reseller.get(f"/subscriptions/{plan.id}").get_data(as_text=True)
    assert 'id="azure-usage-none"' in before
    run(clock, pc_client, graph_client)
    login(reseller, shop.reseller_a_user)  # weeks later: signed in again
    page = reseller.get(f"/subscriptions/{plan.id}").get_data(as_text=True)
    usage = page[page.index('id="azure-usage"'):]
    assert "2021-06-18 – 2021-06-30" in usage and "Microsoft Azure (" in usage
    assert "28,01\xa0US$" in usage  # cost plus markup, as invoiced (the German customer)
    # Its end customer would be shown the price list's price, never the reseller's cost.
    [shown] = usage_billed(plan.id, retail=True)
    assert (shown.amount, shown.currency) == (Decimal("29.95"), "USD")


def admin_runs(browser, shop, month: str = "2021-07") -> str:
    admin = browser()
    login(admin, shop.admin)
    post_form(admin, "/admin/billing/run", {"month": month}, token_url="/admin/billing")
    return admin.get("/admin/billing").get_data(as_text=True)


def test_b1_the_admins_run_bills_the_usage_graph_has_exported(
        shop, clock, pc_client, graph_client, plan, browser):
    clock.move_to(PUBLISHED)
    admin_runs(browser, shop)
    [charge] = usage_charges()
    assert charge.amount == Decimal("29.95")


def test_b1_an_export_too_slow_for_the_admins_page_is_listed_and_billed_next_time(
        shop, clock, pc_client, graph_client, plan, pc_sandbox, browser):
    clock.move_to(PUBLISHED)
    pc_sandbox.config.billing_export_polls = 5  # Graph takes longer than a page may wait
    page = admin_runs(browser, shop)
    assert usage_charges() == []
    assert "Azure usage of 2021-06 could not be read from Microsoft" in html.unescape(page)
    pc_sandbox.config.billing_export_polls = 1
    admin_runs(browser, shop)
    assert len(usage_charges()) == 1


SO_FAR = datetime(2021, 6, 25, 12, tzinfo=UTC)  # 18 to 24 June rated, not invoiced


def test_b1_the_usage_so_far_is_read_and_shown_as_the_viewer_would_be_billed_it(
        shop, clock, pc_client, graph_client, plan, browser):
    db.session.add(ResellerMarkup(reseller_id=shop.reseller_a.id, product_id=None,
                                  markup_percent=Decimal(10)))
    db.session.commit()
    clock.move_to(SO_FAR)
    assert azure_usage_to_date_task.apply().get() == 1
    [shown] = usage_to_date(plan, retail=False)
    cost = 7 * 24 * Decimal("0.0816")  # 18-24 June at Microsoft's price to the partner
    assert (shown.period_start, shown.period_end, shown.currency) == (
        date(2021, 6, 18), date(2021, 6, 24), "USD")
    assert shown.amount == (cost * Decimal("1.1")).quantize(Decimal("0.01"))  # 15.08
    [retail] = usage_to_date(plan, retail=True)
    assert retail.amount == Decimal("16.13")  # 7 x 24 x 0.096, its end customer's
    reseller = browser()
    login(reseller, shop.reseller_a_user)
    page = reseller.get(f"/subscriptions/{plan.id}").get_data(as_text=True)
    so_far = page[page.index('id="azure-usage-so-far"'):]
    assert "2021-06-18 – 2021-06-24" in so_far and "15,08\xa0US$" in so_far
    assert usage_billed(plan.id, retail=False) == []  # an estimate, never a charge


def test_b1_each_read_replaces_the_last_and_a_month_invoiced_leaves_nothing_so_far(
        shop, clock, pc_client, graph_client, plan):
    clock.move_to(SO_FAR)
    refresh_usage_to_date(graph_client, "USD", SO_FAR)
    clock.move_to(datetime(2021, 7, 1, 12, tzinfo=UTC))  # a new period: nothing rated yet
    assert refresh_usage_to_date(graph_client, "USD", datetime.now(UTC)) == 0
    assert usage_to_date(plan, retail=False) == []


def test_b4_a_run_racing_another_adds_the_usage_charge_once(
        shop, clock, pc_client, graph_client, plan):
    from billing import azure_usage

    run(clock, pc_client, graph_client)
    [charge] = usage_charges()
    # The other run's insert of the same usage, after this one's look-up found none:
    values = {c.name: getattr(charge, c.name) for c in Charge.__table__.columns
              if c.name not in ("id", "created_at")}
    assert azure_usage._insert_once(values) == 0
    assert len(usage_charges()) == 1
