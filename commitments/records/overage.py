"""A month's overage answered (O8) or offset by an order of the enrollment (O2, O3, O5):
take plain values, ask the commitments domain, commit once.

An offset credits the month's overage invoice net of tax by a credit note (B4, B5), and
takes at most what the payments on it left: usage the customer paid is never funded again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from accounts.models import User
from commitments.balance import Offset
from commitments.money import ZERO, format_rmb
from commitments.notices import SettlementOption
from commitments.offsets import OffsetRequest, plan_offset
from commitments.problems import CommitmentRefused, problem
from commitments.records import invoicing, mapping, models
from commitments.records.locking import lock_enrollment
from commitments.records.overage_due import invoice_facts
from persistence import db


def _settlement(row: models.Enrollment, month: date) -> models.OverageSettlement:
    found = next((s for s in row.settlements if s.month == month), None)
    if found is None:
        found = models.OverageSettlement(month=month)
        row.settlements.append(found)
    return found


def record_settlement(
    row: models.Enrollment,
    month: date,
    responded_on: date | None,
    settled_on: date | None,
    option: SettlementOption | None = None,
) -> None:
    """Record the answer to, or the payment of, one month's overage (O8)."""
    lock_enrollment(row.id)  # the month has one answer, which a racing offset may write
    found = _settlement(row, month.replace(day=1))
    found.responded_on = responded_on or found.responded_on
    found.settled_on = settled_on or found.settled_on
    found.option = option.value if option else found.option
    db.session.commit()


def _overage_invoice(row: models.Enrollment, month: date) -> models.EnrollmentInvoice:
    """The month's overage invoice, still owed; an offset credits it (O3, B4)."""
    link = next((i for i in row.invoices
                 if i.kind == "overage" and i.overage_month == month), None)
    if link is None:
        message = (f"The {month:%Y-%m} overage is invoiced with its statement on the 6th of "
                   "the next month; record the offset once the invoice is issued.")
        raise CommitmentRefused([problem("O6", "overage_not_invoiced", message, "month")])
    if link.invoice.balance_due <= ZERO:
        message = (f"Invoice {link.number} for the {month:%Y-%m} overage is paid or credited "
                   "in full; there is nothing left to offset.")
        raise CommitmentRefused([problem("O5", "no_open_overage", message, "month")])
    return link


def offset_overage(
    row: models.Enrollment,
    month: date,
    order_id: int | None,
    amount: Decimal | None,
    today: date,
    user: User,
) -> models.OverageOffset:
    """Settle (part of) a month's overage with an annual or additional order of the
    enrollment (O2, O3, O5): the order funds it, and the partner credits the month's overage
    invoice by as much, so that usage is paid once. Refused with every O problem. The
    enrollment and the invoice are locked first: a racing offset's draw on the order and
    credit, or a payment of the invoice, is counted before this one is planned."""
    month = month.replace(day=1)
    lock_enrollment(row.id, overage_month=month)
    facts = mapping.to_facts(row)
    planned = plan_offset(facts, OffsetRequest(month, order_id, amount), today)
    link = _overage_invoice(row, month)
    left = invoice_facts(link)  # what the page and the advice ask for today
    unpaid = left.due_net(today)
    planned = _within_unpaid(planned, link, unpaid, given=amount is not None)
    due = link.invoice.balance_due  # before the credit note below exists
    settlement = _settlement(row, month)
    settlement.option = SettlementOption.OFFSET.value
    settlement.responded_on = settlement.responded_on or today
    order = next(o for o in row.orders if o.id == planned.order_ref)
    reason = (f"Overage of {month:%Y-%m} offset by the {order.kind} order of "
              f"{order.submitted_on.isoformat()} (O3).")
    # All that is left is credited as the page asked for it, with VAT too (B5)
    note = invoicing.credit(link, planned.amount, reason, today,
                            left.offset_total(planned.amount, today))
    offset = models.OverageOffset(order_id=order.id, amount_excl_tax=planned.amount,
                                  offset_on=today, recorded_by_id=user.id, credit_note=note)
    settlement.offsets.append(offset)
    _refuse_beyond_unpaid(link, note, due=due, unpaid=unpaid)
    db.session.commit()
    return offset


def _within_unpaid(planned: Offset, link: models.EnrollmentInvoice, unpaid: Decimal, *,
                   given: bool) -> Offset:
    """O5: usage the customer already paid on the overage invoice is not funded again by
    an order: an offset takes at most what the payments left (`unpaid`, net of tax: what the
    page asks for); one asked for "all it can" takes that much, a larger one is refused."""
    if planned.amount <= unpaid:
        return planned
    if not given:
        return replace(planned, amount=unpaid)
    raise CommitmentRefused([_beyond_unpaid(link, unpaid)])


def _refuse_beyond_unpaid(link: models.EnrollmentInvoice, note, *, due: Decimal,
                         unpaid: Decimal) -> None:
    """The credit note with its tax must not take the invoice below zero (one of part, taxed
    by billing on what stays uncredited, never does while the payments leave `unpaid`):
    a cent over is refused, the note's number given back."""
    if -note.total > due:
        db.session.rollback()
        raise CommitmentRefused([_beyond_unpaid(link, unpaid)])


def _beyond_unpaid(link: models.EnrollmentInvoice, unpaid: Decimal):
    message = (f"Invoice {link.number} asks for only {format_rmb(unpaid)} of this overage "
               "(net of tax) after the payments made on it; offset at most that.")
    return problem("O5", "offset_exceeds_unpaid", message, "amount")
