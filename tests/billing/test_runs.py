"""B4/B5: billing runs issue one invoice per buyer and currency, taxed by the buyer's
country, numbered without gaps; a run repeated changes nothing; the refund a page promised
is the credit the invoice shows, to the cent."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import event, select

from billing import tax
from billing.invoices import issue_credit_note
from billing.models import Charge, ChargeType, Invoice, TaxRate
from billing.periods import BillingInputError
from billing.runs import run_billing
from catalog.pricing import format_money
from persistence import as_utc, db
from tests.billing.conftest import price_in, provisioned
from tests.conftest import login, make_customer
from tests.subscriptions.conftest import confirm_cancel

JUNE_END = date(2021, 6, 30)


def invoices() -> list[Invoice]:
    return list(db.session.scalars(select(Invoice).order_by(Invoice.id)))


def snapshot() -> list[tuple]:
    return [(i.number, i.buyer_name, i.currency, i.subtotal, i.tax, i.total,
             [(ln.charge_id, ln.amount) for ln in i.lines]) for i in invoices()]


def test_the_refund_the_cancel_page_promised_is_the_credit_on_the_invoice_to_the_cent(
        client, shop, clock, agent, pc_client):
    # Regression: main promised 4.799,97 zł at 10:00 and credited 4.799,96 at 16:00, because
    # the credit recomputed the refund by the second. Now both are whole days of one cycle.
    pln = price_in(shop, "PL", "PLN", erp="1713.96")
    sub = provisioned(shop.customer_a, agent, pln, 3, pc_client)  # 18 June, 09:00
    clock.move_to(datetime(2021, 6, 20, 10, tzinfo=UTC))
    login(client, agent)
    page = client.get(f"/subscriptions/{sub.id}/cancel").get_data(as_text=True)
    promised = re.search(r'id="refund">([^<]+)<', page)[1]
    clock.move_to(datetime(2021, 6, 20, 16, tzinfo=UTC))
    assert confirm_cancel(client, sub.id, page).status_code == 302
    run_billing("2021-06", JUNE_END)
    [invoice] = invoices()
    credit = next(ln for ln in invoice.lines if ln.charge_type == "cancelImmediate")
    assert format_money(-credit.amount, "PLN", "en_DE") == promised == "4.799,08\xa0PLN"
    assert credit.amount == Decimal("-4799.08")  # 1713.96 / 30 × 28 × 3 = 4799.088


def test_a_billing_run_repeated_issues_the_same_invoices_and_nothing_more(
        shop, clock, pc_client):
    provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR", "10.08"), 10,
                pc_client)
    provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 2, pc_client)
    first = run_billing("2021-06", JUNE_END)
    before = snapshot()
    again = run_billing("2021-06", JUNE_END)
    assert (first.invoices_issued, again.invoices_issued, again.charges_added) == (2, 0, 0)
    assert snapshot() == before
    assert [i.number for i in invoices()] == ["INV-2021-000001", "INV-2021-000002"]


def test_each_buyer_gets_one_invoice_per_currency_taxed_by_its_country(shop, clock,
                                                                         pc_client):
    eur = price_in(shop, "DE", "EUR", "10.08")
    provisioned(shop.customer_a, shop.reseller_a_user, eur, 10, pc_client)
    other = make_customer(shop.reseller_a, "Gamma GmbH")
    db.session.add(other)
    db.session.commit()
    provisioned(other, shop.reseller_a_user, eur, 1, pc_client)
    provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 2, pc_client)
    run_billing("2021-06", JUNE_END)
    reseller, direct = invoices()
    assert (reseller.buyer_reseller_id, reseller.buyer_customer_id) == (shop.reseller_a.id, None)
    assert (reseller.currency, reseller.tax_label, reseller.tax_rate) == \
        ("EUR", "VAT", Decimal("0.19"))
    assert (reseller.subtotal, reseller.tax, reseller.total) == \
        (Decimal("110.88"), Decimal("21.07"), Decimal("131.95"))
    # grouped by customer, then subscription
    assert [ln.customer_name for ln in reseller.lines] == ["Alpha GmbH", "Gamma GmbH"]
    assert (direct.buyer_customer_id, direct.currency, direct.tax) == \
        (shop.direct.id, "GBP", Decimal("3.76"))
    assert direct.buyer_name == "Direct Ltd" and "SW1A 1AA London" in direct.buyer_address
    assert (reseller.issue_date, reseller.due_date, reseller.payment_terms_days) == \
        (JUNE_END, JUNE_END + timedelta(days=30), 30)


def test_in_a_tax_inclusive_market_the_total_is_the_prices_and_the_tax_is_inside(
        shop, clock, pc_client):
    aud = price_in(shop, "AU", "AUD", "22.00")  # C6: Australian prices include GST
    provisioned(shop.customer_a, shop.reseller_a_user, aud, 1, pc_client)
    run_billing("2021-06", JUNE_END)
    [invoice] = invoices()
    assert (invoice.tax_label, invoice.tax_inclusive) == ("GST", True)
    assert (invoice.subtotal, invoice.tax, invoice.total) == \
        (Decimal("20.00"), Decimal("2.00"), Decimal("22.00"))


def test_a_buyer_whose_country_has_no_tax_rate_is_named_and_the_others_are_invoiced(
        shop, clock, pc_client):
    tax.ensure_seeded()
    db.session.delete(tax.rate_for("GB"))
    db.session.commit()
    provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR", "10.08"), 1,
                pc_client)
    provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 2, pc_client)
    run = run_billing("2021-06", JUNE_END)
    assert [i.buyer_name for i in invoices()] == ["Reseller A"]
    assert run.problems == ("Direct Ltd: no tax rate for GB; add it under Billing → Tax rates "
                            "and run billing again.")
    db.session.add(TaxRate(country="GB", rate=Decimal("0.2"), label="VAT"))
    db.session.commit()
    run_billing("2021-06", JUNE_END)
    assert [i.number for i in invoices()] == ["INV-2021-000001", "INV-2021-000002"]


def test_a_correction_is_a_credit_note_numbered_in_its_own_series(shop, clock, pc_client):
    provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR", "10.08"), 10,
                pc_client)
    run_billing("2021-06", JUNE_END)
    [invoice] = invoices()
    note = issue_credit_note(invoice, "Wrong seat count agreed with the reseller",
                             date(2021, 7, 2))
    assert (note.kind, note.number, note.corrects_invoice_id) == \
        ("credit_note", "CN-2021-000001", invoice.id)
    assert (note.subtotal, note.tax, note.total) == \
        (-invoice.subtotal, -invoice.tax, -invoice.total)
    assert [ln.amount for ln in note.lines] == [-ln.amount for ln in invoice.lines]
    with pytest.raises(BillingInputError, match="reason"):
        issue_credit_note(invoice, " ", date(2021, 7, 2))


def test_b4_a_credit_for_an_issued_invoice_is_a_credit_note_naming_it_not_a_later_invoice(
        shop, clock, agent, pc_client):
    # Was: the credit waited for July's invoice, alone on it (a negative "invoice", paid),
    # while June's invoice stayed owed in full.
    from subscriptions import services

    sub = provisioned(shop.customer_a, agent, price_in(shop, "DE", "EUR", "10.08"), 10,
                      pc_client)
    run_billing("2021-06", JUNE_END)
    before = snapshot()
    clock.move_to(datetime(2021, 6, 19, 9, tzinfo=UTC))
    services.cancel(sub, agent, pc_client)  # recorded after June's invoice was issued
    run_billing("2021-06", JUNE_END)
    run_billing("2021-07", date(2021, 7, 31))
    june, note = invoices()
    assert [s for s in snapshot() if s[0] == june.number] == before  # June's never changes
    assert (note.kind, note.corrects_invoice_id) == ("credit_note", june.id)
    assert [ln.charge_type for ln in note.lines] == ["cancelImmediate"]


@pytest.mark.parametrize(("month", "today", "message"), [
    ("2021-13", JUNE_END, "month: write the billing month as YYYY-MM, e.g. 2026-11"),
    ("June", JUNE_END, "month: write the billing month as YYYY-MM"),
    ("2021-07", JUNE_END, "month: 2021-07 has not begun yet; bill it from 2021-07-01 on."),
])
def test_a_wrong_month_is_refused_with_how_to_write_it(app, month, today, message):
    with pytest.raises(BillingInputError, match=re.escape(message)):
        run_billing(month, today)


def test_the_demo_leaves_a_reseller_with_an_issued_invoice_for_its_demo_order(app):
    """Bought in the latest month Microsoft has invoiced (on 4 December: October, as
    November's invoice appears on the 8th), so the demo's reconciliation can run at once;
    each month since is billed as the monthly run would."""
    from demo import load as demo

    with time_machine.travel(datetime(2026, 12, 4, 12, tzinfo=UTC), tick=False):
        demo.load()
        demo.load()
    # The demo's OSPA enrollments are invoiced too (O6, billing.ospa); these are the runs'.
    october, november, december = [i for i in invoices() if i.run_key]
    assert [i.billing_month for i in (october, november, december)] == [
        "2026-10", "2026-11", "2026-12"]
    assert october.buyer_name == "Northwind Traders" and october.currency == "PLN"
    assert [(ln.customer_name, ln.charge_type, ln.quantity) for ln in october.lines] == \
        [("Wingtip Toys Sp. z o.o.", "new", 5)]
    # December also bills the demo's Windows Server licence, bought that day (S7 demo).
    assert [(ln.charge_type, ln.quantity) for ln in november.lines + december.lines] == [
        ("renew", 5), ("oneTime", 1), ("renew", 5)]
    assert october.tax_label == "VAT" and october.tax_rate == Decimal("0.23")


def test_the_demos_monthly_plan_is_in_its_current_term_as_the_sync_renews_it(app):
    """Bought on 1 October with a 1-month term, the plan showed its first term (and an S3
    window long closed) on 4 December. Loaded as provisioning and the hourly sync leave it,
    it is in December's term, whose first 7 days are still open for cancelling."""
    from demo import billing as demo_billing
    from demo import load as demo
    from persistence import as_utc
    from subscriptions.models import Subscription
    from subscriptions.support_requests import online_refusal

    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        demo.load()
        demo.load()
    plan = db.session.scalar(select(Subscription).filter_by(
        pc_subscription_id=demo_billing.PC_SUBSCRIPTION_ID))
    # Each term's last day is the day before the next starts at 00:00 UTC (new commerce
    # end dates are inclusive, get-a-subscription-by-id): December's runs 1 – 31 Dec.
    assert (as_utc(plan.term_start), as_utc(plan.term_end), plan.renewed_on) == (
        datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC),
        date(2026, 12, 1))
    assert [(as_utc(e.at).date(), e.note) for e in plan.events if e.kind == "synced"] == [
        (date(2026, 11, 1), "Changed in Partner Center: renewed: new term 2026-11-01 – "
                            "2026-11-30."),
        (date(2026, 12, 1), "Changed in Partner Center: renewed: new term 2026-12-01 – "
                            "2026-12-31.")]
    assert online_refusal(plan, now) is None and plan.synced_at is None


@pytest.mark.parametrize(("today", "bought"), [
    (date(2026, 12, 4), date(2026, 10, 1)), (date(2026, 12, 8), date(2026, 11, 1)),
    (date(2027, 1, 7), date(2026, 11, 1)), (date(2027, 1, 31), date(2026, 12, 1))])
def test_the_demo_buys_in_the_latest_month_microsoft_has_invoiced(today, bought):
    from billing.periods import latest_invoiced

    assert latest_invoiced(today) == bought


def test_each_user_sees_only_the_invoices_of_its_own_company(shop, clock, pc_client):
    from accounts.models import Role
    from accounts.services import new_user
    from billing.invoices import visible_invoices

    eur = price_in(shop, "DE", "EUR", "10.08")
    provisioned(shop.customer_a, shop.reseller_a_user, eur, 1, pc_client)
    provisioned(shop.customer_b, shop.reseller_b_user, eur, 1, pc_client)
    provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 1, pc_client)
    run_billing("2021-06", JUNE_END)
    resellers_customer = new_user("c@alpha.example", "pw-never-used-here", Role.CUSTOMER_USER,
                                  customer=shop.customer_a)
    db.session.add(resellers_customer)
    db.session.commit()

    def seen(user) -> list[str]:
        query = visible_invoices(user).order_by(Invoice.id)
        return [invoice.buyer_name for invoice in db.session.scalars(query)]

    assert seen(shop.admin) == ["Reseller A", "Reseller B", "Direct Ltd"]
    assert seen(shop.reseller_a_user) == ["Reseller A"]
    assert seen(shop.reseller_b_user) == ["Reseller B"]
    assert seen(shop.direct_user) == ["Direct Ltd"]
    assert seen(resellers_customer) == []  # its reseller invoices it, not the provider


def test_the_azure_plan_itself_is_never_charged(shop, clock, pc_client):
    """#25: the Azure plan costs nothing (Microsoft bills its Azure consumption); a run must
    not issue a 0.00 invoice for it in the catalog's currency."""
    plan = provisioned(shop.customer_a, shop.reseller_a_user,
                       price_in(shop, "DE", "EUR", "0.00"), 1, pc_client)
    plan.family, plan.billing_cycle, plan.term_duration = "azure_plan", "one_time", ""
    db.session.commit()
    run_billing("2021-06", JUNE_END)
    assert invoices() == []


@contextmanager
def statements(*fragments: str):
    """The SQL statements sent to the database that hold every fragment, as they are sent."""
    seen: list[str] = []

    def log(conn, cursor, statement, parameters, context, executemany):
        if all(fragment in statement for fragment in fragments):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", log)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", log)


def test_b4_a_run_reads_each_buyers_pending_credits_once(shop, clock, agent, pc_client):
    """Was twice: once to issue the credit notes, then again, under the invoice number's
    lock, for the ids the month's invoice holds back."""
    from subscriptions import services

    shop.direct_user.admin_agent = True
    db.session.commit()
    clock.move_to(datetime(2021, 6, 28, 9, tzinfo=UTC))
    bought = [provisioned(shop.customer_a, agent, price_in(shop, "DE", "EUR", "10.08"), 10,
                          pc_client),
              provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"),
                          2, pc_client)]
    provisioned(shop.customer_a, agent, price_in(shop, "DE", "EUR", "10.08"), 1, pc_client)
    provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 1,
                pc_client)
    run_billing("2021-06", JUNE_END)
    clock.move_to(datetime(2021, 7, 2, 9, tzinfo=UTC))  # inside S3's 7 days
    services.cancel(bought[0], agent, pc_client)
    services.cancel(bought[1], shop.direct_user, pc_client)
    with statements("SELECT charges.id, charges.source", "charges.charge_type IN") as reads:
        run = run_billing("2021-07", date(2021, 7, 31))
    assert (run.invoices_issued, run.credit_notes_issued) == (2, 2)
    assert len(reads) == 2, reads  # two buyers' credits, each read once
    june_eur, june_gbp, note_eur, july_eur, note_gbp, july_gbp = invoices()
    assert [(i.kind, i.corrects_invoice_id) for i in (note_eur, note_gbp)] == [
        ("credit_note", june_eur.id), ("credit_note", june_gbp.id)]
    # July charges the subscriptions kept, never the cancellations' credits
    assert {ln.charge_type for i in (july_eur, july_gbp) for ln in i.lines} == {"renew"}


def test_b4_a_credit_read_before_a_racing_run_invoiced_its_charge_is_still_held_back(
        shop, clock, agent, pc_client):
    """The one read of a buyer's credits is checked under the invoice number's lock: a run
    for June invoicing the charge a July credit gives back, between July's read and July's
    invoice, turns that credit into a correction of June's invoice, never a July line."""
    from billing import corrections
    from billing.charges import generate_charges
    from billing.runs import issue_invoice, open_buyers
    from subscriptions import services

    clock.move_to(datetime(2021, 6, 28, 9, tzinfo=UTC))
    sub = provisioned(shop.customer_a, agent, price_in(shop, "DE", "EUR", "10.08"), 10,
                      pc_client)
    clock.move_to(datetime(2021, 7, 2, 9, tzinfo=UTC))
    services.cancel(sub, agent, pc_client)
    tax.ensure_seeded()
    generate_charges("2021-06", JUNE_END)
    generate_charges("2021-07", date(2021, 7, 31))
    [buyer] = open_buyers("2021-07")
    july = corrections.read_pending(buyer.owns(), "2021-07")
    assert july.correcting == () and len(july.netting) == 1  # June is not invoiced yet
    june = issue_invoice(buyer, "2021-06", JUNE_END, 30)  # the racing run
    assert [ln.charge_type for ln in june.lines] == ["new"]
    assert issue_invoice(buyer, "2021-07", date(2021, 7, 31), 30, july) is None
    run = run_billing("2021-07", date(2021, 7, 31))
    assert (run.invoices_issued, run.credit_notes_issued) == (0, 1)
    assert [(i.kind, i.corrects_invoice_id) for i in invoices()] == [
        ("invoice", None), ("credit_note", june.id)]


def test_b4_a_run_is_shown_as_started_when_it_began_not_when_it_was_saved(
        shop, clock, pc_client):
    """The billing page's "Started" column showed the moment the finished run was saved."""
    provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR", "10.08"), 10,
                pc_client)
    with time_machine.travel(datetime(2021, 7, 1, 9, tzinfo=UTC), tick=True):
        began = datetime.now(UTC)
        run = run_billing("2021-06", JUNE_END)
    assert began <= as_utc(run.started_at) < as_utc(run.finished_at)


def test_b5_a_buyer_whose_credits_exceed_its_new_charges_is_refused_in_money_as_invoices_write_it(
        shop, clock):
    """The run's refusal printed the exact sum, "1234.5650 EUR"; it says the amount the way
    the buyer's invoice would, rounded once, half up (B5)."""
    db.session.add(Charge(
        source="goodwill:1", buyer_reseller_id=shop.reseller_a.id,
        customer_id=shop.customer_a.id, charge_type=ChargeType.CUSTOMER_CREDIT,
        description="Goodwill credit", quantity=1, unit_price=Decimal("-1234.565"),
        effective_unit_price=Decimal("-1234.565"), amount=Decimal("-1234.565"),
        currency="EUR", market="DE", period_start=date(2021, 6, 1),
        period_end=JUNE_END, billing_month="2021-06"))
    db.session.commit()
    run = run_billing("2021-06", JUNE_END)
    assert invoices() == []
    assert run.problems == (
        "Reseller A: its credits come to 1.234,57\xa0€ more than its new charges and correct "
        "no invoice issued to it; check them and issue a credit note by hand.")


def test_b5_a_credit_beyond_what_its_invoice_can_be_credited_is_refused_in_money_as_written(
        shop, clock, pc_client):
    """The refusal printed "its credit of 1000.0050 EUR"; it says it as the invoice would."""
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR", "10.08"),
                      10, pc_client)
    run_billing("2021-06", JUNE_END)
    db.session.add(Charge(
        source="goodwill:2", buyer_reseller_id=shop.reseller_a.id,
        customer_id=shop.customer_a.id, subscription_id=sub.id,
        charge_type=ChargeType.CUSTOMER_CREDIT, description="Goodwill credit", quantity=1,
        unit_price=Decimal("-1000.005"), effective_unit_price=Decimal("-1000.005"),
        amount=Decimal("-1000.005"), currency="EUR", market="DE",
        period_start=date(2021, 6, 20), period_end=JUNE_END, billing_month="2021-06"))
    db.session.commit()
    run = run_billing("2021-06", JUNE_END)
    assert run.problems == (
        "Goodwill credit: its credit of 1.000,01\xa0€ is more than the invoices that charged "
        "it can still be credited; correct them with a credit note by hand (Billing → "
        "Invoices).")
