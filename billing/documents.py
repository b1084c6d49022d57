"""B4 documents: the invoices a reader may open, the list's filters, and one invoice's lines
grouped by customer and subscription, as its page, PDF, CSV and the API all show it.

Scope is `visible_invoices` (billing.invoices): an invoice outside it is reported as not
found, so its id tells a reader nothing about someone else's billing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import groupby

from sqlalchemy import Numeric, and_, cast, distinct, func, literal_column, select
from sqlalchemy.orm import aliased, selectinload

from accounts.models import User
from billing.invoices import visible_invoices
from billing.models import Invoice, InvoiceLine, Payment
from billing.periods import BillingInputError, parse_month
from persistence import MAX_ID, db, row_id, utcnow

KINDS = {"invoice": "Invoices", "credit_note": "Credit notes"}
STATUSES = {"unpaid": "Unpaid", "partially_paid": "Partially paid", "paid": "Paid",
            "credited": "Credited", "overdue": "Overdue"}
STATUS_LABELS = {**STATUSES, "credit_note": "Credit note"}
# Below a ten-thousandth (Money's scale) a balance is settled: SQLite sums Money's text as
# floating point, whose error on a few amounts is far smaller than this.
SETTLED = literal_column("0.00005")


@dataclass(frozen=True)
class Filters:
    """The list's filters, checked: a month (YYYY-MM), a kind, and (admins) a buyer."""

    month: str = ""
    kind: str = ""
    buyer: str = ""  # "reseller:<id>" or "customer:<id>"
    status: str = ""  # one of STATUSES

    @classmethod
    def read(cls, month: str = "", kind: str = "", buyer: str = "",
             status: str = "") -> Filters:
        """The filters from the query string; BillingInputError names a bad one and its fix."""
        month, kind, buyer = (month or "").strip(), (kind or "").strip(), (buyer or "").strip()
        status = (status or "").strip()
        if month:
            parse_month(month)
        if kind and kind not in KINDS:
            raise BillingInputError("kind: choose invoice or credit_note, or leave it empty.")
        if buyer and _buyer_condition(buyer) is None:
            raise BillingInputError("buyer: choose a buyer from the list.")
        if status and status not in STATUSES:
            raise BillingInputError("status: choose unpaid, partially_paid, paid, credited or "
                                    "overdue, or leave it empty.")
        return cls(month, kind, buyer, status)

    def apply(self, query):
        if self.month:
            query = query.where(Invoice.billing_month == self.month)
        if self.kind:
            query = query.where(Invoice.kind == self.kind)
        if self.buyer:
            query = query.where(_buyer_condition(self.buyer))
        if self.status:
            query = query.where(status_condition(self.status, utcnow().date()))
        return query


def _number(column):
    return cast(column, Numeric(14, 4))


def status_condition(status: str, today: date):
    """The SQL condition for invoices in one status on `today` (the same rule as
    Invoice.status_on): the balance is the total, less credit notes and payments; settled
    with nothing paid, by credit notes alone, it is credited rather than paid."""
    paid = (select(func.coalesce(func.sum(_number(Payment.amount)), literal_column("0")))
            .where(Payment.invoice_id == Invoice.id).scalar_subquery())
    notes = aliased(Invoice)
    credited = (select(func.coalesce(func.sum(_number(notes.total)), literal_column("0")))
                .where(notes.corrects_invoice_id == Invoice.id).scalar_subquery())
    owing = _number(Invoice.total) + credited - paid > SETTLED
    by_notes_alone = and_(paid <= SETTLED, credited < -SETTLED)
    conditions = {
        "paid": and_(~owing, ~by_notes_alone),
        "credited": and_(~owing, by_notes_alone),
        "overdue": and_(owing, Invoice.due_date < today),
        "partially_paid": and_(owing, Invoice.due_date >= today, paid > SETTLED),
        "unpaid": and_(owing, Invoice.due_date >= today, paid <= SETTLED),
    }
    return and_(Invoice.kind == "invoice", conditions[status])


def _buyer_condition(buyer: str):
    """The condition on invoices of "reseller:<id>" or "customer:<id>"; None if malformed."""
    who, _, raw = buyer.partition(":")
    number = row_id(raw)
    if not number:
        return None
    if who == "reseller":
        return Invoice.buyer_reseller_id == number
    if who == "customer":
        return Invoice.buyer_customer_id == number
    return None


def invoice_list(user: User, filters: Filters):
    """A select() of the reader's invoices under the filters, newest first."""
    query = filters.apply(visible_invoices(user)).options(
        selectinload(Invoice.buyer_customer),  # its locale formats the amounts
        selectinload(Invoice.payments), selectinload(Invoice.credit_notes))  # the balance
    return query.order_by(Invoice.billing_month.desc(), Invoice.issue_date.desc(),
                          Invoice.id.desc())


def invoice_months(user: User) -> list[str]:
    """The billing months the reader has invoices for, newest first (the filter's choices)."""
    scoped = visible_invoices(user).subquery()
    return list(db.session.scalars(select(distinct(scoped.c.billing_month))
                                   .order_by(scoped.c.billing_month.desc())))


def invoice_buyers() -> list[tuple[str, str]]:
    """Every invoiced buyer as (filter value, name), for the admins' buyer filter."""
    rows = db.session.execute(select(Invoice.buyer_reseller_id, Invoice.buyer_customer_id,
                                     Invoice.buyer_name).distinct()
                              .order_by(Invoice.buyer_name)).all()
    found = {(f"reseller:{r}" if r else f"customer:{c}"): name for r, c, name in rows}
    return sorted(found.items(), key=lambda item: (item[1].casefold(), item[0]))


def invoice_for(user: User, invoice_id: int) -> Invoice | None:
    """The invoice with this id if the reader may see it (its lines loaded), else None."""
    if not 0 < invoice_id <= MAX_ID:
        return None
    return db.session.scalar(visible_invoices(user).where(Invoice.id == invoice_id)
                             .options(selectinload(Invoice.lines),
                                      selectinload(Invoice.payments)))


def corrections(invoice: Invoice) -> list[Invoice]:
    """The credit notes that correct this invoice, oldest first."""
    return list(db.session.scalars(select(Invoice).where(
        Invoice.corrects_invoice_id == invoice.id).order_by(Invoice.id)))


@dataclass
class SubscriptionLines:
    subscription_id: int | None
    label: str
    lines: list[InvoiceLine]


@dataclass
class CustomerLines:
    customer_id: int
    name: str
    subscriptions: list[SubscriptionLines] = field(default_factory=list)
    amount: Decimal = Decimal(0)  # the customer's lines, net of tax


def grouped(lines: list[InvoiceLine]) -> list[CustomerLines]:
    """The lines by customer, then subscription, in the invoice's order (its positions are
    already sorted so: customer name, customer, subscription, period)."""
    ordered = sorted(lines, key=lambda line: line.position)
    customers = []
    for (customer_id, name), of_customer in groupby(
            ordered, key=lambda line: (line.customer_id, line.customer_name)):
        group = CustomerLines(customer_id, name)
        for sub_id, of_sub in groupby(of_customer, key=lambda line: line.subscription_id):
            sub_lines = list(of_sub)
            group.subscriptions.append(SubscriptionLines(
                sub_id, sub_lines[0].subscription_label or sub_lines[0].description, sub_lines))
            group.amount += sum((line.amount for line in sub_lines), Decimal(0))
        customers.append(group)
    return customers
