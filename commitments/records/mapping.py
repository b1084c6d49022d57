"""Rows to the commitments domain's frozen dataclasses, and domain state back onto rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from commitments import balance, credit, notices, orders
from commitments import enrollment as domain
from commitments.accounts import Account
from commitments.records import models, overage_due, subscription_states
from persistence import db


def to_enrollment(row: models.Enrollment) -> domain.Enrollment:
    """The domain enrollment for a row: number, parties, dates, signatures and status."""
    reason = row.suspension_reason
    return domain.Enrollment(
        number=row.number,
        customer_id=str(row.customer_id),
        partner_id=row.partner_id,
        start=row.start,
        extended_term=row.extended_term,
        signed_documents=frozenset(domain.Document(d.document) for d in row.documents),
        status=domain.Status(row.status),
        status_since=row.status_since,
        suspension_reason=domain.SuspensionReason(reason) if reason else None,
    )


def apply_state(row: models.Enrollment, state: domain.Enrollment) -> None:
    """Copy a lifecycle result (status, since, reason) back onto the row."""
    row.status = state.status.value
    row.status_since = state.status_since
    row.suspension_reason = state.suspension_reason.value if state.suspension_reason else None
    subscription_states.follow(row, state.status_since)


def to_order(row: models.CommitmentOrder) -> orders.CommitmentOrder:
    approval = None
    if row.approved_by and row.approved_on:
        approval = orders.Approval(row.approved_by, row.approved_on)
    return orders.CommitmentOrder(
        orders.OrderKind(row.kind), row.year, row.amount_excl_tax, row.submitted_on, approval,
        ref=row.id,
    )


def to_orders(row: models.Enrollment) -> tuple[orders.CommitmentOrder, ...]:
    return tuple(to_order(o) for o in row.orders)


def to_credit_checks(row: models.Enrollment) -> tuple[credit.CreditCheck, ...]:
    return tuple(credit.CreditCheck(c.year, c.decided_on, c.passed) for c in row.credit_checks)


def to_usage(row: models.Enrollment) -> tuple[balance.UsageRecord, ...]:
    return tuple(
        balance.UsageRecord(u.used_on, u.quantity, u.unit_price, u.meter) for u in row.usage
    )


def to_account(row: models.EnrollmentAccount) -> Account:
    return Account(row.name, row.owner, frozenset(s.subscription_id for s in row.subscriptions))


def is_renewed(row: models.Enrollment) -> bool:
    """Whether the customer has an enrollment starting the day after this one ends (O9)."""
    query = select(models.Enrollment.id).where(
        models.Enrollment.customer_id == row.customer_id,
        models.Enrollment.start == row.end + timedelta(days=1),
    )
    return db.session.scalar(query) is not None


def to_commitment_invoices(row: models.Enrollment) -> tuple:
    """The partner's monetary-commitment invoices: due dates, the days they were settled
    (O8): paid, or credited in full by credit notes (B4), which leave nothing to dun, and
    each payment and credit note, which lower what is dunned until then."""
    return tuple(
        notices.CommitmentInvoiceFacts(i.issued_on, i.due_on, i.amount_excl_tax,
                                       overage_due.settled_on(i), overage_due.invoice_facts(i))
        for i in row.invoices if i.kind == "commitment"
    )


def to_offset(row: models.OverageOffset) -> balance.Offset:
    return balance.Offset(row.settlement.month, row.order_id, row.order.year,
                          row.amount_excl_tax, row.offset_on)


def to_settlement(row: models.OverageSettlement,
                  invoice: models.EnrollmentInvoice | None = None) -> notices.OverageSettlement:
    """A month's answer with its option, offsets and invoice (O3, O8); paid on the day
    recorded, or the day its overage invoice had nothing left due (paid on the invoice)."""
    option = notices.SettlementOption(row.option) if row.option else None
    paid = row.settled_on or (overage_due.settled_on(invoice) if invoice else None)
    return notices.OverageSettlement(row.month, row.responded_on, paid, option,
                                     tuple(to_offset(o) for o in row.offsets),
                                     overage_due.invoice_facts(invoice) if invoice else None)


def to_settlements(row: models.Enrollment) -> tuple[notices.OverageSettlement, ...]:
    """Every month answered, offset or invoiced, with its invoice: a payment on the invoice
    settles the month as the recorded answer does, so the dunning stops, and a payment of
    part lowers what it asks for (O8)."""
    invoices = overage_due.overage_invoices(row)
    answered = [to_settlement(s, invoices.get(s.month)) for s in row.settlements]
    months = {s.month for s in answered}
    invoiced = [notices.OverageSettlement(month, settled_on=overage_due.settled_on(link),
                                          invoice=overage_due.invoice_facts(link))
                for month, link in invoices.items() if month not in months]
    return (*answered, *invoiced)


def to_facts(row: models.Enrollment) -> notices.EnrollmentFacts:
    """Everything due_notices needs about one enrollment, gathered once."""
    settlements = to_settlements(row)
    return notices.EnrollmentFacts(
        enrollment=to_enrollment(row),
        orders=to_orders(row),
        usage=to_usage(row),
        overage_settlements=settlements,
        renewed=is_renewed(row),
        commitment_invoices=to_commitment_invoices(row),
        usage_frequency=notices.UsageFrequency(row.usage_frequency)
        if row.usage_frequency else None,
    )


def sent_keys(row: models.Enrollment) -> frozenset[notices.NoticeKey]:
    """The keys of every notice already sent for this enrollment."""
    return frozenset(notices.NoticeKey.parse(n.key) for n in row.notices)
