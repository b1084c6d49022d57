"""Overage settled by an order (O2, O3, O5, O8): the page records the option, the order funds
the overage and the overage invoice is credited through billing's credit notes (B4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from accounts.models import Role
from accounts.services import new_user
from billing.payments import PaymentInput, record_payment
from commitments.enrollment import Status
from commitments.orders import OrderKind
from commitments.problems import CommitmentRefused
from commitments.records import overage, services
from commitments.records.models import Enrollment
from notifications.models import Notification
from persistence import db
from tests.conftest import PASSWORD
from tests.enrollments.conftest import (
    ENTERPRISE_CODES,
    START,
    activate,
    at,
    mainland_enterprise,
    post_action,
)
from tests.enrollments.test_payments_and_customers import overrun, run_days

JUNE = date(2025, 6, 1)


@pytest.fixture
def invoiced(world, active):
    """June runs RMB 20,000 past the commitment; its statement and overage invoice go out
    on 6 July and the notification on 8 July."""
    overrun(world, active)
    run_days(date(2025, 7, 1), date(2025, 7, 9))
    return active


def order(row, world, amount: str, on: date = date(2025, 7, 9)):
    """An additional order (O3), its commitment invoice paid at once (O6), so only the
    overage is left to dun."""
    placed = services.place_commitment_order(row, OrderKind.ADDITIONAL, 1, Decimal(amount), on,
                                             world.admin)
    linked = next(i.invoice for i in row.invoices if i.order_id == placed.id)
    record_payment(linked, PaymentInput(amount=str(linked.balance_due), paid_on=on,
                                        method="wire_transfer", reference="wire"),
                   on, world.admin.id)
    return placed


def overage_invoice(row):
    db.session.expire_all()
    return next(i.invoice for i in row.invoices if i.kind == "overage")


def offset(client, world, row, order_id, amount: str = "", *, confirm: bool = True,
           user=None, day: date = date(2025, 7, 10)):
    data = {"settle_month": "2025-06", "settle_option": "offset", "offset_order": order_id,
            "offset_amount": amount}
    if confirm:
        data["confirm"] = "yes"
    with at(day, client, user or world.reseller_a_user):
        return post_action(client, row, "settlements", data)


def test_o3_a_full_offset_credits_the_invoice_funds_it_from_the_order_and_settles_the_month(
    client, world, invoiced
):
    placed = order(invoiced, world, "30000")
    response = offset(client, world, invoiced, placed.id)
    assert response.status_code == 302
    invoice = overage_invoice(invoiced)
    assert [(n.subtotal, n.tax, n.total) for n in invoice.credit_notes] == [
        (Decimal("-20000.00"), Decimal("-1200.00"), Decimal("-21200.00"))]
    assert invoice.balance_due == Decimal("0")
    with at(date(2025, 7, 10), client, world.reseller_a_user):
        page = client.get(f"/enrollments/{invoiced.id}").get_data(as_text=True)
    # The order funds June's 20,000, 10,000 is left for later usage.
    assert "RMB 20,000.00 offset against overage (O3), RMB 10,000.00 left" in page
    assert invoice.credit_notes[0].number in page and "credited in full" in page
    settlement = db.session.get(Enrollment, invoiced.id).settlements[0]
    assert (settlement.option, settlement.responded_on) == ("offset", date(2025, 7, 10))
    assert run_days(date(2025, 7, 10), date(2025, 9, 30)) == []  # no advice, no suspension


def test_o3_a_smaller_order_offsets_part_and_the_rest_stays_payable_on_the_invoice(
    client, world, invoiced
):
    placed = order(invoiced, world, "5000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    invoice = overage_invoice(invoiced)
    assert [n.subtotal for n in invoice.credit_notes] == [Decimal("-5000.00")]
    assert invoice.balance_due == Decimal("15900.00")  # 15,000 and its 6% VAT
    with at(date(2025, 7, 10), client, world.reseller_a_user):
        page = client.get(f"/enrollments/{invoiced.id}").get_data(as_text=True)
    assert "RMB 5,000.00 offset against overage (O3), RMB 0.00 left" in page
    # The rest is dunned (test_o8_the_rest_of_a_partly_offset_month_is_dunned_to_suspension).


def test_o3_an_order_of_another_enrollment_is_refused_on_the_page(client, world, invoiced):
    other = activate(services.create_enrollment(
        mainland_enterprise(world.customer_b, ENTERPRISE_CODES[1]), START), world.admin)
    foreign = order(other, world, "30000")
    response = offset(client, world, invoiced, foreign.id, user=world.admin)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "O3.offset_order_of_another_enrollment" in body
    assert overage_invoice(invoiced).credit_notes == []


def test_o5_an_offset_above_the_open_overage_is_refused_beside_the_amount(client, world, invoiced):
    placed = order(invoiced, world, "30000")
    response = offset(client, world, invoiced, placed.id, "20000.01")
    assert response.status_code == 422
    assert "O5.offset_exceeds_open_overage" in response.get_data(as_text=True)
    assert overage_invoice(invoiced).credit_notes == []


def test_o3_an_order_already_fully_used_is_refused(client, world, invoiced):
    placed = order(invoiced, world, "5000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    with pytest.raises(CommitmentRefused) as refused:
        overage.offset_overage(db.session.get(Enrollment, invoiced.id), JUNE, placed.id, None,
                                date(2025, 7, 11), world.admin)
    assert [p.code for p in refused.value.problems] == ["O3.offset_order_fully_used"]


def test_an_offset_is_asked_for_first_and_nothing_is_done_unconfirmed(client, world, invoiced):
    placed = order(invoiced, world, "30000")
    response = offset(client, world, invoiced, placed.id, confirm=False)
    assert response.status_code == 422
    assert "Neither can be undone" in response.get_data(as_text=True)
    assert overage_invoice(invoiced).credit_notes == []


def test_an_offset_without_the_csrf_token_is_refused(client, world, invoiced):
    placed = order(invoiced, world, "30000")
    with at(date(2025, 7, 10), client, world.reseller_a_user):
        response = client.post(f"/admin/enrollments/{invoiced.id}/settlements", data={
            "settle_month": "2025-06", "settle_option": "offset", "offset_order": placed.id,
            "confirm": "yes"})
    assert response.status_code == 400
    assert overage_invoice(invoiced).credit_notes == []


def test_o6_the_customer_may_not_record_a_settlement_only_its_partner(client, world, invoiced):
    """commitments.assists: RECORD_SETTLEMENT is the partner's (the reseller or provider)."""
    placed = order(invoiced, world, "30000")
    user = new_user("it@alpha.example", PASSWORD, Role.CUSTOMER_USER, customer=world.customer_a)
    db.session.add(user)
    db.session.commit()
    with at(date(2025, 7, 10), client, user):
        page = client.get(f"/enrollments/{invoiced.id}").get_data(as_text=True)
    assert "Record settlement" not in page
    assert offset(client, world, invoiced, placed.id, user=user).status_code == 403
    assert overage_invoice(invoiced).credit_notes == []


def pay_part(row, world, amount: str, on: date = date(2025, 7, 9)) -> None:
    """The customer pays part of June's overage invoice (VAT included)."""
    record_payment(overage_invoice(row), PaymentInput(amount=amount, paid_on=on,
                                                      method="wire_transfer",
                                                      reference="part of June"),
                   on, world.admin.id)


def test_o5_an_offset_funds_only_the_overage_still_unpaid_on_its_invoice(client, world, invoiced):
    """10,600 of the 21,200 invoice is paid: the order funds the other 10,000, never the usage
    already paid for (the customer would pay for it twice)."""
    pay_part(invoiced, world, "10600.00")
    placed = order(invoiced, world, "30000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    invoice = overage_invoice(invoiced)
    assert [(n.subtotal, n.total) for n in invoice.credit_notes] == [
        (Decimal("-10000.00"), Decimal("-10600.00"))]
    assert invoice.balance_due == Decimal("0")
    with at(date(2025, 7, 10), client, world.reseller_a_user):
        page = client.get(f"/enrollments/{invoiced.id}").get_data(as_text=True)
    assert "RMB 10,000.00 offset against overage (O3), RMB 20,000.00 left" in page


def test_o5_an_offset_amount_above_what_the_invoice_still_asks_is_refused(client, world, invoiced):
    pay_part(invoiced, world, "10600.00")
    placed = order(invoiced, world, "30000")
    response = offset(client, world, invoiced, placed.id, "15000")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "O5.offset_exceeds_unpaid" in body and "RMB 10,000.00" in body
    assert overage_invoice(invoiced).credit_notes == []


def test_o5_after_an_earlier_offset_and_a_payment_an_offset_takes_only_whats_still_due(
    client, world, invoiced
):
    """June's 21,200 invoice: 5,000 offset by a small order (5,300 credited), then 5,300 paid:
    10,600 is still due, so the next order funds 10,000 and not the 15,000 of overage still
    open by the commitment's own count."""
    small = order(invoiced, world, "5000")
    assert offset(client, world, invoiced, small.id).status_code == 302
    pay_part(invoiced, world, "5300.00")
    placed = order(invoiced, world, "30000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    invoice = overage_invoice(invoiced)
    assert [n.subtotal for n in invoice.credit_notes] == [Decimal("-5000.00"),
                                                           Decimal("-10000.00")]
    assert invoice.balance_due == Decimal("0")


# -- O8: a month offset in part is not settled; the rest is shown and dunned until paid -----

def page_of(client, world, row, day: date = date(2025, 7, 10)) -> str:
    with at(day, client, world.reseller_a_user):
        return client.get(f"/enrollments/{row.id}").get_data(as_text=True)


def cell(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}">', 1)[1].split("</", 1)[0]


def test_o8_a_partly_offset_month_says_what_is_offset_and_what_is_still_due(
    client, world, invoiced
):
    """The audit: "Paid or offset" showed the offset's date while the invoice still asked
    for the rest, and the burn-down read the whole overage beside the offset."""
    placed = order(invoiced, world, "5000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    number = overage_invoice(invoiced).number
    page = page_of(client, world, invoiced)
    assert cell(page, "settled-2025-06") == (
        "Partly offset: RMB 5,000.00 of RMB 20,000.00; RMB 15,000.00 still due "
        f"(RMB 15,900.00 with VAT on {number})")
    assert cell(page, "overage-due-1") == "RMB 20,000.00 overage, RMB 15,000.00 of it still due"


def test_o8_the_rest_of_a_partly_offset_month_is_dunned_to_suspension(client, world, invoiced):
    """Offset in part on 10 July, before the 15th: the 15,000 left gets June's payment
    advice on 16 July, its reminders and, unpaid, the suspension on 16 August."""
    placed = order(invoiced, world, "5000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    assert run_days(date(2025, 7, 10), date(2025, 8, 16)) == [
        "overage_payment_advice", "overage_payment_reminder", "overage_payment_reminder",
        "suspend_for_unpaid_overage"]
    row = db.session.get(Enrollment, invoiced.id)
    advice = next(n for n in row.notices if n.kind == "overage_payment_advice")
    assert (advice.sent_on, row.status, row.suspension_reason) == (
        date(2025, 7, 16), Status.SUSPENDED, "unpaid_overage")
    assert "RMB 15,000.00" in advice_body(world)


def test_o8_paying_the_rest_on_the_invoice_settles_the_month_and_stops_the_dunning(
    client, world, invoiced
):
    placed = order(invoiced, world, "5000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    assert run_days(date(2025, 7, 10), date(2025, 7, 19)) == ["overage_payment_advice"]
    pay_part(invoiced, world, "15900.00", on=date(2025, 7, 20))
    assert run_days(date(2025, 7, 20), date(2025, 9, 30)) == []
    assert db.session.get(Enrollment, invoiced.id).status == Status.ACTIVE
    page = page_of(client, world, invoiced, date(2025, 7, 20))
    assert cell(page, "settled-2025-06") == "2025-07-20"
    assert cell(page, "overage-due-1") == "RMB 20,000.00 overage, all paid or offset"


def advice_body(world) -> str:
    return db.session.scalars(select(Notification.body).where(
        Notification.user_id == world.admin.id,
        Notification.subject.like("%Payment advice for unpaid overage"))).one()


# -- O8, B5: a month paid in part is advised and shown for what is left, to the fen ---------

def test_o8_a_partial_payment_lowers_the_payment_advice_to_what_is_left(client, world, invoiced):
    """The audit: RMB 10,000.00 paid on June's RMB 21,200.00 invoice, the advice still asked
    for the whole RMB 20,000.00. Left: RMB 11,200.00 with VAT, RMB 10,566.04 net of tax
    (the 10,000.00 paid for 9,433.96 net and its VAT of 566.04)."""
    pay_part(invoiced, world, "10000.00")
    assert run_days(date(2025, 7, 10), date(2025, 7, 16)) == ["overage_payment_advice"]
    number = overage_invoice(invoiced).number
    body = advice_body(world)
    assert (f"RMB 10,566.04 of the 2025-06 overage (RMB 11,200.00 with VAT on {number}) is "
            "unpaid") in body
    assert "Amount: RMB 10,566.04 excluding tax." in body
    assert "RMB 10,566.04 of the 2025-06 overage" in page_of(client, world, invoiced,
                                                             date(2025, 7, 16))


def test_o8_a_month_answered_pay_and_paid_in_part_says_what_is_still_due(client, world,
                                                                        invoiced):
    with at(date(2025, 7, 14), client, world.admin):
        assert post_action(client, invoiced, "settlements", {
            "settle_month": "2025-06", "settle_option": "pay",
            "responded_on": "2025-07-14"}).status_code == 302
    pay_part(invoiced, world, "10000.00")
    invoice = overage_invoice(invoiced)
    page = page_of(client, world, invoiced)
    assert cell(page, "settled-2025-06") == (
        "Partly paid: RMB 9,433.96 of RMB 20,000.00; RMB 10,566.04 still due "
        f"(RMB 11,200.00 with VAT on {invoice.number})")
    assert cell(page, "overage-due-1") == "RMB 20,000.00 overage, RMB 10,566.04 of it still due"
    link = next(i for i in invoiced.invoices if i.kind == "overage")
    assert cell(page, f"due-{link.id}") == "RMB 10,000.00 paid, RMB 11,200.00 still due"


def test_o8_a_month_offset_and_paid_in_part_says_both_and_what_is_still_due(client, world,
                                                                           invoiced):
    placed = order(invoiced, world, "5000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    pay_part(invoiced, world, "5300.00", on=date(2025, 7, 10))
    page = page_of(client, world, invoiced)
    assert cell(page, "settled-2025-06").startswith(
        "Partly offset and paid: RMB 5,000.00 offset, RMB 5,000.00 paid of RMB 20,000.00; "
        "RMB 10,000.00 still due (RMB 10,600.00 with VAT on ")


def test_o8_offsetting_all_that_is_left_after_a_payment_of_part_clears_the_invoice(
    client, world, invoiced
):
    """RMB 10,000.00 paid of 21,200.00; "offset as much as can be" took 10,566.03 (cut
    down), its credit note 11,199.99, and the fen left on the invoice was dunned to
    suspension. Leaving 9,433.96 uncredited (+ 566.04 VAT = the 10,000.00 paid) clears it."""
    pay_part(invoiced, world, "10000.00")
    placed = order(invoiced, world, "30000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    invoice = overage_invoice(invoiced)
    assert [(n.subtotal, n.total) for n in invoice.credit_notes] == [
        (Decimal("-10566.04"), Decimal("-11200.00"))]
    assert invoice.balance_due == Decimal("0")
    assert run_days(date(2025, 7, 10), date(2025, 9, 30)) == []
    assert cell(page_of(client, world, invoiced), "overage-due-1") == (
        "RMB 20,000.00 overage, all paid or offset")


# -- O8: the page's header gives the unpaid overage's dunning dates, as it does a commitment's

def test_o8_the_header_gives_the_unpaid_overages_advice_reminders_and_suspension(
        client, world, invoiced):
    """June's overage, unanswered: the seed's overage dates (advice 16 July, reminders 24 July
    and 8 August, suspension 16 August), those the daily job dunns it by."""
    number = overage_invoice(invoiced).number
    assert cell(page_of(client, world, invoiced), "overage-dunning") == (
        f"RMB 20,000.00 of the 2025-06 overage (RMB 21,200.00 with VAT on {number}) is unpaid:"
        " payment advice 2025-07-16; reminders 2025-07-24 and 2025-08-08; services suspended"
        " on 2025-08-16 unless paid")


def test_o8_the_header_gives_an_answered_months_dates_from_its_invoice_and_what_is_left(
        client, world, invoiced):
    """Answered by the 15th to pay: the invoice of 6 July falls due on 5 August, so the advice
    is on 6 August and the suspension on 5 September; a payment of part lowers the figure."""
    with at(date(2025, 7, 14), client, world.admin):
        assert post_action(client, invoiced, "settlements", {
            "settle_month": "2025-06", "settle_option": "pay",
            "responded_on": "2025-07-14"}).status_code == 302
    pay_part(invoiced, world, "10000.00")
    number = overage_invoice(invoiced).number
    assert cell(page_of(client, world, invoiced, date(2025, 7, 20)), "overage-dunning") == (
        f"RMB 10,566.04 of the 2025-06 overage (RMB 11,200.00 with VAT on {number}) is unpaid:"
        " payment advice 2025-08-06; reminders 2025-08-15 and 2025-08-29; services suspended"
        " on 2025-09-05 unless paid")


def test_o8_a_paid_overage_month_has_no_dunning_dates_in_the_header(client, world, invoiced):
    pay_part(invoiced, world, "21200.00")
    assert 'data-testid="overage-dunning"' not in page_of(client, world, invoiced)
