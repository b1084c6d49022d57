"""B2/B3: licence counts and cancellations changed in Partner Center itself (not through the
storefront) reach the buyer's invoice once the hourly sync has seen them, exactly as the
storefront's own changes do: seats added are charged pro rata from the day Partner Center
added them, seats removed within their 7 days and a cancellation within its window are
credited, and a change seen twice (or by a pass killed before it committed) is billed once.
Microsoft's worked examples:
https://learn.microsoft.com/en-us/partner-center/billing/common-billing-scenarios-onetime-recurring
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from billing.charges import generate_charges
from billing.models import Charge, Invoice
from billing.runs import run_billing
from persistence import db
from subscriptions.models import Subscription
from subscriptions.services import change_quantity
from subscriptions.sync import sync_all, sync_customer
from tests.billing.conftest import price_in, provisioned

BOUGHT = datetime(2021, 6, 18, 9, tzinfo=UTC)
JUNE_END = date(2021, 6, 30)


def invoice_lines() -> list[tuple]:
    return [(ln.charge_type, ln.quantity, ln.amount)
            for i in db.session.scalars(select(Invoice).order_by(Invoice.id))
            for ln in i.lines]


def charges(month: str) -> list[tuple]:
    return [(c.charge_type, c.quantity, c.amount, c.period_start, c.period_end)
            for c in db.session.scalars(select(Charge).where(Charge.billing_month == month)
                                        .order_by(Charge.id))]


def in_partner_center(pc_client, sub: Subscription, **change) -> None:
    """Someone changes the subscription in Partner Center itself, not through the shop."""
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, **change)


def seats_set_in_the_portal(shop, user, clock, pc_client, quantity: int) -> Subscription:
    """10 seats at EUR 10.08 bought by `user` for Alpha on 18 June 2021 (a 30-day cycle to
    17 July); `quantity` set in Partner Center's portal on 20 June; now 21 June 00:30, before
    the sync's next pass."""
    sub = provisioned(shop.customer_a, user, price_in(shop, "DE", "EUR", "10.08"), 10,
                      pc_client)
    clock.move_to(datetime(2021, 6, 20, 23, tzinfo=UTC))
    in_partner_center(pc_client, sub, quantity=quantity)
    clock.move_to(datetime(2021, 6, 21, 0, 30, tzinfo=UTC))
    return sub


def passes_then_june_billed_twice(clock, pc_client) -> list[tuple]:
    """The sync's next two passes (21 June, 01:00 and 02:00), then June billed twice: June's
    charges after the first (the purchase)."""
    for hour in (1, 2):
        clock.move_to(datetime(2021, 6, 21, hour, tzinfo=UTC))
        sync_all(pc_client)
    run_billing("2021-06", JUNE_END)
    run_billing("2021-06", JUNE_END)
    return charges("2021-06")[1:]


def test_b2_licences_added_in_partner_center_are_charged_from_the_day_it_added_them(
        shop, clock, pc_client):
    # Microsoft's example: 10 seats at EUR 10.08 bought 18 June, 2 more on 20 June (28 of
    # 30 days left): −94.08 and +112.89. The sync sees them only after midnight, on the
    # 21st: the day is Partner Center's (the new seats' refund window opened then).
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR",
                                                                       "10.08"), 10, pc_client)
    clock.move_to(datetime(2021, 6, 20, 23, tzinfo=UTC))
    in_partner_center(pc_client, sub, quantity=12)
    clock.move_to(datetime(2021, 6, 21, 1, tzinfo=UTC))
    sync_all(pc_client)
    run_billing("2021-06", JUNE_END)
    assert invoice_lines() == [("new", 10, Decimal("100.80")),
                               ("addQuantity", -10, Decimal("-94.08")),
                               ("addQuantity", 12, Decimal("112.89"))]
    end = date(2021, 7, 17)
    assert charges("2021-06")[1][3:] == (date(2021, 6, 20), end)


def test_b2_a_change_seen_again_or_by_a_killed_pass_is_charged_once(shop, clock, pc_client):
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR",
                                                                       "10.08"), 10, pc_client)
    clock.move_to(datetime(2021, 6, 20, 11, tzinfo=UTC))
    in_partner_center(pc_client, sub, quantity=12)
    sync_customer(shop.customer_a, pc_client)  # killed before it committed
    db.session.rollback()
    for hour in (12, 13):
        clock.move_to(datetime(2021, 6, 20, hour, tzinfo=UTC))
        sync_all(pc_client)
        generate_charges("2021-06", JUNE_END)
    assert [c[:3] for c in charges("2021-06")] == [
        ("new", 10, Decimal("100.80")), ("addQuantity", -10, Decimal("-94.08")),
        ("addQuantity", 12, Decimal("112.89"))]


def test_b3_licences_removed_in_partner_center_within_their_7_days_are_credited(
        shop, clock, pc_client):
    eur = price_in(shop, "DE", "EUR", erp="10.08")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, eur, 10, pc_client)
    clock.move_to(BOUGHT + timedelta(days=10))  # 28 June: 5 more seats, through the shop
    provisioned(shop.customer_a, shop.reseller_a_user, eur, 5, pc_client, add_to=sub)
    sync_all(pc_client)  # the hourly sync learns the refundable seats
    clock.move_to(BOUGHT + timedelta(days=13))  # 1 July: the 5 go again, in Partner Center
    in_partner_center(pc_client, sub, quantity=10)
    sync_all(pc_client)
    generate_charges("2021-07", date(2021, 7, 31))
    # 10.08 / 30 × 17 days (1–17 July) = 5.712: −5.712 × 15, +5.712 × 10
    assert charges("2021-07") == [
        ("renew", 10, Decimal("100.80"), date(2021, 7, 18), date(2021, 8, 17)),
        ("removeQuantity", -15, Decimal("-85.68"), date(2021, 7, 1), date(2021, 7, 17)),
        ("removeQuantity", 10, Decimal("57.12"), date(2021, 7, 1), date(2021, 7, 17))]


def test_b3_a_cancellation_in_partner_center_inside_the_window_is_credited_as_the_shops(
        shop, clock, pc_client):
    # Microsoft's example: bought 15 July, cancelled 17 July: 29 of 31 days back, −94.29
    # (tests/billing/test_credits.py has the storefront's).
    clock.move_to(datetime(2021, 7, 15, 9, tzinfo=UTC))
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR",
                                                                       "10.08"), 10, pc_client)
    clock.move_to(datetime(2021, 7, 17, 15, tzinfo=UTC))
    in_partner_center(pc_client, sub, status="deleted")
    clock.move_to(datetime(2021, 7, 17, 16, tzinfo=UTC))
    sync_all(pc_client)
    sync_all(pc_client)
    run_billing("2021-07", date(2021, 7, 31))
    assert invoice_lines() == [("new", 10, Decimal("100.80")),
                               ("cancelImmediate", -10, Decimal("-94.29"))]
    assert charges("2021-07")[1][3:] == (date(2021, 7, 17), date(2021, 8, 14))
    db.session.expire_all()
    history = db.session.get(Subscription, sub.id).events
    [note] = [e.note for e in history if e.kind == "cancel"]
    assert "Cancelled in Partner Center" in note and "94,29\xa0€" in note  # as its invoice


def test_s3_a_subscription_gone_from_partner_center_after_the_window_is_billed_not_credited(
        shop, clock, pc_client, pc_sandbox):
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR",
                                                                       "10.08"), 10, pc_client)
    clock.move_to(BOUGHT + timedelta(days=8))
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["status"] = "deleted"
    sync_all(pc_client)
    run_billing("2021-06", JUNE_END)
    assert invoice_lines() == [("new", 10, Decimal("100.80"))]


def test_b3_licences_removed_in_partner_center_after_their_7_days_stay_billed_to_the_term_end(
        shop, clock, pc_client, pc_sandbox):
    # An annual term billed monthly: Partner Center refuses such a removal (900214), so it
    # is written straight into the sandbox's state, as a change nobody could refuse.
    annual = price_in(shop, "DE", "EUR", erp="10.08", term="P1Y", cycle="monthly")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, annual, 10, pc_client)
    clock.move_to(datetime(2021, 8, 1, 9, tzinfo=UTC))
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["quantity"] = 8
    sync_all(pc_client)
    clock.move_to(datetime(2021, 9, 30, 9, tzinfo=UTC))
    for month, last in (("2021-06", JUNE_END), ("2021-07", date(2021, 7, 31)),
                        ("2021-08", date(2021, 8, 31)), ("2021-09", date(2021, 9, 30))):
        generate_charges(month, last)
    rows = db.session.scalars(select(Charge).order_by(Charge.period_start, Charge.id))
    assert [(c.charge_type, c.quantity, c.period_start) for c in rows] == [
        ("new", 10, date(2021, 6, 18)), ("cycleCharge", 10, date(2021, 7, 18)),
        ("cycleCharge", 10, date(2021, 8, 18)), ("cycleCharge", 10, date(2021, 9, 18))]
    db.session.expire_all()
    [note] = [e.note for e in db.session.get(Subscription, sub.id).events
              if e.kind == "quantity_kept"]
    assert "not credited" in note and "2022-06-17" in note


def test_b2_licences_added_late_in_a_month_and_seen_after_its_run_are_charged_by_the_next(
        shop, clock, pc_client):
    # 2 seats added in Partner Center at 23:30 on 30 June; June is billed at 00:15 on
    # 1 July and the hourly sync sees them only at 01:00: July's run charges them, still
    # from 30 June (18 of the cycle's 30 days: 6.048 a seat), on July's invoice, once.
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR",
                                                                       "10.08"), 10, pc_client)
    clock.move_to(datetime(2021, 6, 30, 23, 30, tzinfo=UTC))
    in_partner_center(pc_client, sub, quantity=12)
    clock.move_to(datetime(2021, 7, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-06", date(2021, 7, 1))
    clock.move_to(datetime(2021, 7, 1, 1, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-07", date(2021, 8, 1))
    run_billing("2021-07", date(2021, 8, 1))
    end = date(2021, 7, 17)
    assert charges("2021-07") == [
        ("renew", 12, Decimal("120.96"), date(2021, 7, 18), date(2021, 8, 17)),
        ("addQuantity", -10, Decimal("-60.48"), date(2021, 6, 30), end),
        ("addQuantity", 12, Decimal("72.57"), date(2021, 6, 30), end)]
    july = db.session.scalars(select(Invoice).where(Invoice.billing_month == "2021-07")).one()
    assert sorted(ln.amount for ln in july.lines) == [Decimal("-60.48"), Decimal("72.57"),
                                                      Decimal("120.96")]


def test_b3_licences_removed_in_partner_center_inside_their_7_days_and_seen_after_are_credited(
        shop, clock, pc_client):
    # Partner Center refuses a decrease outside the seats' window, so one it made was in
    # time, however late the sync sees it: credited from the last moment it can have been
    # made, the window's close (5 July 09:00: 13 of the cycle's 30 days, 4.368 a seat).
    eur = price_in(shop, "DE", "EUR", erp="10.08")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, eur, 10, pc_client)
    clock.move_to(BOUGHT + timedelta(days=10))  # 28 June: 5 more seats, through the shop
    provisioned(shop.customer_a, shop.reseller_a_user, eur, 5, pc_client, add_to=sub)
    sync_all(pc_client)
    clock.move_to(BOUGHT + timedelta(days=17, minutes=-30))  # 5 July 08:30
    in_partner_center(pc_client, sub, quantity=10)
    clock.move_to(BOUGHT + timedelta(days=17, minutes=30))  # the hourly sync, 09:30
    sync_all(pc_client)
    generate_charges("2021-07", date(2021, 7, 31))
    end = date(2021, 7, 17)
    assert charges("2021-07")[1:] == [
        ("removeQuantity", -15, Decimal("-65.52"), date(2021, 7, 5), end),
        ("removeQuantity", 10, Decimal("43.68"), date(2021, 7, 5), end)]
    db.session.expire_all()
    kinds = [e.kind for e in db.session.get(Subscription, sub.id).events]
    assert "quantity_kept" not in kinds


def test_b3_a_cancellation_in_partner_center_inside_its_window_seen_after_it_is_credited(
        shop, clock, pc_client):
    # Bought 15 July 09:00; the hourly sync saw it active on the 22nd at 08:00, it was
    # cancelled in Partner Center before the window closed at 09:00, and the sync sees it
    # at 09:30: credited as cancelled at 09:00 on the 22nd (24 of 31 days back).
    clock.move_to(datetime(2021, 7, 15, 9, tzinfo=UTC))
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR",
                                                                       "10.08"), 10, pc_client)
    clock.move_to(datetime(2021, 7, 22, 8, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(datetime(2021, 7, 22, 8, 30, tzinfo=UTC))
    in_partner_center(pc_client, sub, status="deleted")
    clock.move_to(datetime(2021, 7, 22, 9, 30, tzinfo=UTC))
    sync_all(pc_client)
    run_billing("2021-07", date(2021, 7, 31))
    assert invoice_lines() == [("new", 10, Decimal("100.80")),
                               ("cancelImmediate", -10, Decimal("-78.03"))]
    assert charges("2021-07")[1][3:] == (date(2021, 7, 22), date(2021, 8, 14))


def test_s3_a_cancellation_the_sync_saw_coming_after_the_window_closed_is_not_credited(
        shop, clock, pc_client, pc_sandbox):
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR",
                                                                       "10.08"), 10, pc_client)
    clock.move_to(BOUGHT + timedelta(days=7, hours=1))  # active when the window had closed
    sync_all(pc_client)
    clock.move_to(BOUGHT + timedelta(days=8))
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["status"] = "deleted"
    sync_all(pc_client)
    run_billing("2021-06", JUNE_END)
    assert invoice_lines() == [("new", 10, Decimal("100.80"))]


def test_b3_licences_removed_beyond_what_partner_center_last_showed_refundable_are_kept(
        shop, clock, pc_client, pc_sandbox):
    eur = price_in(shop, "DE", "EUR", erp="10.08")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, eur, 10, pc_client)
    clock.move_to(BOUGHT + timedelta(days=10))  # 28 June: 5 more, 5 refundable to 5 July
    provisioned(shop.customer_a, shop.reseller_a_user, eur, 5, pc_client, add_to=sub)
    sync_all(pc_client)
    clock.move_to(BOUGHT + timedelta(days=11))
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["quantity"] = 8
    sync_all(pc_client)
    generate_charges("2021-06", JUNE_END)
    assert [c[0] for c in charges("2021-06")] == ["new", "addQuantity", "addQuantity"]
    db.session.expire_all()
    [kept] = [e for e in db.session.get(Subscription, sub.id).events
              if e.kind == "quantity_kept"]
    assert kept.data["before"] == 15 and kept.data["after"] == 8


def test_b3_a_cancellation_seen_after_its_months_invoice_is_a_credit_note_on_the_next_run(
        shop, clock, pc_client):
    # Bought 23 June 23:30, its window closing 30 June 23:30; cancelled in Partner Center
    # at 23:15, June billed at 00:15 on 1 July, the sync seeing it at 00:30: credited from
    # 30 June, by a credit note naming June's invoice (B4), issued by July's run.
    clock.move_to(datetime(2021, 6, 23, 23, 30, tzinfo=UTC))
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR",
                                                                       "10.08"), 10, pc_client)
    clock.move_to(datetime(2021, 6, 30, 23, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(datetime(2021, 6, 30, 23, 15, tzinfo=UTC))
    in_partner_center(pc_client, sub, status="deleted")
    clock.move_to(datetime(2021, 7, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-06", date(2021, 7, 1))
    clock.move_to(datetime(2021, 7, 1, 0, 30, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-07", date(2021, 8, 1))
    [credit] = charges("2021-07")
    assert credit[:2] == ("cancelImmediate", -10) and credit[3] == JUNE_END
    june, note = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
    assert note.kind == "credit_note" and note.corrects_invoice_id == june.id
    assert [ln.amount for ln in note.lines] == [credit[2]]


def kept_then(shop, clock, pc_client, pc_sandbox, change) -> dict[str, int]:
    """An annual term billed monthly, 10 seats from 18 June; 2 removed in Partner Center
    after their 7 days on 1 August (KEPT: the 10 billed to 2022-06-17); then `change`
    through the shop on 1 September. Answers each cycle's charged seats by its first day."""
    annual = price_in(shop, "DE", "EUR", erp="10.08", term="P1Y", cycle="monthly")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, annual, 10, pc_client)
    clock.move_to(datetime(2021, 8, 1, 9, tzinfo=UTC))
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["quantity"] = 8
    sync_all(pc_client)
    clock.move_to(datetime(2021, 9, 1, 9, tzinfo=UTC))
    change(sub, annual)
    clock.move_to(datetime(2021, 10, 31, 23, tzinfo=UTC))
    for month in ("2021-06", "2021-07", "2021-08", "2021-09", "2021-10"):
        generate_charges(month, date(2021, 10, 31))
    rows = db.session.scalars(select(Charge).where(
        Charge.charge_type.not_in(("addQuantity", "removeQuantity"))))
    return {c.period_start.isoformat(): c.quantity for c in rows}


def test_b2_seats_added_after_a_removal_kept_billed_are_billed_on_top_of_the_kept_ones(
        shop, clock, pc_client, pc_sandbox):
    # 8 held and the 2 removed still billed; 5 more on 1 September: 13 held, 15 billed,
    # as Microsoft bills the term's 10 and the 5 added.
    def add_five(sub, annual):
        provisioned(shop.customer_a, shop.reseller_a_user, annual, 5, pc_client, add_to=sub)

    assert kept_then(shop, clock, pc_client, pc_sandbox, add_five) == {
        "2021-06-18": 10, "2021-07-18": 10, "2021-08-18": 10, "2021-09-18": 15,
        "2021-10-18": 15}


def test_b3_seats_removed_after_a_removal_kept_billed_leave_the_kept_ones_billed(
        shop, clock, pc_client, pc_sandbox):
    # 5 added on 1 September and 3 of them removed within their 7 days, on the 3rd: 10
    # held, and the 2 removed in August still billed: 12.
    def add_five_remove_three(sub, annual):
        provisioned(shop.customer_a, shop.reseller_a_user, annual, 5, pc_client, add_to=sub)
        clock.move_to(datetime(2021, 9, 3, 9, tzinfo=UTC))
        change_quantity(db.session.get(Subscription, sub.id), 10, shop.reseller_a_user,
                        pc_client)

    assert kept_then(shop, clock, pc_client, pc_sandbox, add_five_remove_three) == {
        "2021-06-18": 10, "2021-07-18": 10, "2021-08-18": 10, "2021-09-18": 12,
        "2021-10-18": 12}
