"""B4: the monthly billing run. It adds the month's missing charges, then issues one invoice
per buyer (a reseller, or a direct customer) per currency and tax country, holding every
charge of that buyer not invoiced yet, up to the month.

A credit for what an earlier invoice already charged is not netted into the month's invoice:
it is issued first, as a credit note naming that invoice (billing.corrections says why), so
the month's invoice holds only what is new and never goes negative.

A month may be billed before it ends (in advance): what happens in it after the run (a
purchase, a renewal, a cancellation's credit) is charged by the next run, whatever month it
bills, which first adds the missing charges of every month since the last day a run charged
in full (BillingRun.charged_through). They go on that run's invoice, or, crediting an invoice
already issued, on a credit note naming it (B4): an issued invoice never changes.

Safe to repeat and to race: charges are keyed by their source; an invoice by its run key
(month, buyer, currency, country), checked after its number's lock is taken, so a second
run skips what the first issued and gives its number back; a credit note by its charges.
Each invoice is its own transaction: a buyer that cannot be invoiced (no tax rate for its
country) leaves the others issued, and the run lists why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, insert, literal, select

from accounts.models import Customer
from billing import corrections, tax
from billing.azure_usage import UsageExports, UsageInvoices, charge_usage
from billing.charges import generate_charges
from billing.models import BillingRun, Charge, Invoice, InvoiceLine
from billing.numbering import take_number
from billing.parties import PROVIDER, buyer_money, buyer_party, snapshot
from billing.periods import BillingInputError, month_of, parse_month
from persistence import db
from persistence.money import add_months
from subscriptions.models import Subscription

ISSUER = PROVIDER
DEFAULT_TERMS_DAYS = 30


@dataclass(frozen=True)
class Buyer:
    """Who one invoice is for: a reseller, or a direct customer, in one currency and
    tax country."""

    reseller_id: int | None
    customer_id: int | None
    currency: str
    country: str

    def run_key(self, month: str) -> str:
        who = f"r{self.reseller_id}" if self.reseller_id else f"c{self.customer_id}"
        return f"{month}:{who}:{self.currency}:{self.country}"

    def owns(self):
        """The condition on charges that are this buyer's in this currency and country."""
        who = (Charge.buyer_reseller_id == self.reseller_id if self.reseller_id else
               and_(Charge.buyer_reseller_id.is_(None), Charge.customer_id == self.customer_id))
        return and_(who, Charge.currency == self.currency, Charge.market == self.country)


def run_billing(month: str, today: date, *, terms_days: int = DEFAULT_TERMS_DAYS,
                started_by_id: int | None = None, invoices: UsageInvoices | None = None,
                exports: UsageExports | None = None) -> BillingRun:
    """Bill one month (YYYY-MM) as of `today`: charges, then invoices; returns the run.
    With Microsoft's invoices and Graph's exports, the Azure usage Microsoft has billed
    is charged too (billing/azure_usage.py)."""
    first, last = parse_month(month)
    if today < first:
        raise BillingInputError(f"month: {month} has not begun yet; bill it from "
                                f"{first:%Y-%m-%d} on.")
    if not 0 <= terms_days <= 365:
        raise BillingInputError("payment terms: give 0 to 365 days, e.g. 30.")
    tax.ensure_seeded()
    run = BillingRun(month=month, started_by_id=started_by_id, started_at=datetime.now(UTC),
                     charges_added=0, invoices_issued=0, credit_notes_issued=0, problems="",
                     charged_through=last if today > last else today - timedelta(days=1))
    for unfinished in (*unfinished_months(month), month):
        run.charges_added += generate_charges(unfinished, today)
    problems = []
    if invoices is not None and exports is not None:
        added, problems = charge_usage(month, invoices, exports)
        run.charges_added += added
        db.session.commit()
    for buyer in open_buyers(month):
        pending = corrections.read_pending(buyer.owns(), month)  # once per buyer
        notes, refused = corrections.issue_credit_notes(pending, today)
        run.credit_notes_issued += notes
        problems += refused
        outcome = issue_invoice(buyer, month, today, terms_days, pending)
        if isinstance(outcome, Invoice):
            run.invoices_issued += 1
        elif outcome:
            problems.append(outcome)
    run.problems, run.finished_at = "\n".join(problems), datetime.now(UTC)
    db.session.add(run)
    db.session.commit()
    return run


def unfinished_months(month: str) -> list[str]:
    """The months before `month` that no run has charged in full, oldest first: from the one
    holding the day after the latest day a run charged in full (a month billed before it
    ended, and any month not billed since) on. None before the first run."""
    through = db.session.scalar(select(func.max(BillingRun.charged_through)))
    if through is None:
        return []
    first, _ = parse_month(month)
    start, months = (through + timedelta(days=1)).replace(day=1), []
    while start < first:
        months.append(month_of(start))
        start = add_months(start, 1)
    return months


def _uninvoiced():
    return ~exists().where(InvoiceLine.charge_id == Charge.id)


def open_buyers(month: str) -> list[Buyer]:
    """Every buyer, currency and country with charges not invoiced yet, up to the month."""
    direct = case((Charge.buyer_reseller_id.is_(None), Charge.customer_id), else_=None)
    rows = db.session.execute(
        select(Charge.buyer_reseller_id, direct, Charge.currency, Charge.market)
        .where(Charge.billing_month <= month, _uninvoiced())
        .group_by(Charge.buyer_reseller_id, direct, Charge.currency, Charge.market)
        # Resellers first, then direct customers, the same on SQLite and PostgreSQL (which
        # disagree on where NULLs sort).
        .order_by(Charge.buyer_reseller_id.is_(None), Charge.buyer_reseller_id, direct,
                  Charge.currency, Charge.market)).all()
    return [Buyer(*row) for row in rows]


def issue_invoice(buyer: Buyer, month: str, today: date, terms_days: int,
                  pending: corrections.Pending | None = None) -> Invoice | str | None:
    """Issue this buyer's invoice, in one transaction: the invoice, None when it already
    exists or owes nothing, or the reason it cannot be issued. `pending` is the run's read
    of the buyer's credits (read here when not given)."""
    number = take_number(ISSUER, "invoice", today)  # the lock: all that follows is serial
    key = buyer.run_key(month)
    if db.session.scalar(select(Invoice.id).where(Invoice.run_key == key)):
        db.session.rollback()  # issued by an earlier or concurrent run; the number goes back
        return None
    rate = tax.rate_for(buyer.country)
    if rate is None:
        db.session.rollback()
        return (f"{_buyer_name(buyer)}: no tax rate for {buyer.country or 'an unknown country'}"
                "; add it under Billing → Tax rates and run billing again.")
    due = _due(buyer, month, pending)
    last_id, amount = _charges_due(due)
    if last_id is None:
        db.session.rollback()
        return None
    if amount < 0:  # B4: a negative "invoice" would count as paid; it is no invoice at all
        db.session.rollback()
        credits = buyer_money(-amount, buyer.currency, buyer.reseller_id, buyer.customer_id,
                              buyer.country)
        return (f"{_buyer_name(buyer)}: its credits come to {credits} more "
                "than its new charges and correct no invoice issued to it; check them and "
                "issue a credit note by hand.")
    invoice = _new_invoice(buyer, month, today, terms_days, number, key, rate, amount)
    db.session.add(invoice)
    db.session.flush()
    _insert_lines(invoice.id, due, last_id)
    db.session.commit()
    return invoice


def _due(buyer: Buyer, month: str, pending: corrections.Pending | None):
    """The condition on the charges the month's invoice holds: the buyer's uninvoiced ones,
    but for credits that correct an issued invoice (a credit note carries those,
    billing.corrections.on_the_invoice)."""
    due = and_(buyer.owns(), Charge.billing_month <= month, _uninvoiced())
    return and_(due, corrections.on_the_invoice(buyer.owns(), month, pending))


def _charges_due(due) -> tuple[int | None, Decimal]:
    """The last charge id and the exact sum of the charges due, streamed."""
    last_id, amount = None, Decimal(0)
    rows = db.session.execute(select(Charge.id, Charge.amount).where(due)
                              .execution_options(yield_per=5000))
    for charge_id, value in rows:
        last_id, amount = max(last_id or 0, charge_id), amount + value
    return last_id, amount


def _new_invoice(buyer: Buyer, month: str, today: date, terms_days: int, number: str,
                 key: str, rate, amount: Decimal) -> Invoice:
    money = tax.totals(amount, Decimal(rate.rate), rate.inclusive, buyer.currency)
    return Invoice(
        issuer=ISSUER, number=number, kind="invoice", run_key=key,
        buyer_reseller_id=buyer.reseller_id, buyer_customer_id=buyer.customer_id,
        billing_month=month, currency=buyer.currency, issue_date=today,
        due_date=today + timedelta(days=terms_days), payment_terms_days=terms_days,
        tax_country=buyer.country, tax_label=rate.label, tax_rate=rate.rate,
        tax_inclusive=rate.inclusive, subtotal=money.subtotal, tax=money.tax,
        total=money.total, **snapshot(ISSUER, buyer.reseller_id, buyer.customer_id))


def _insert_lines(invoice_id: int, due, last_id: int) -> None:
    """Copy the charges onto the invoice in one INSERT … SELECT, grouped by customer and
    subscription; each line's amount is its charge's, rounded once already (B5)."""
    position = func.row_number().over(order_by=(
        Customer.company_name, Customer.id, Charge.subscription_id, Charge.period_start,
        Charge.id))
    label = func.coalesce(Subscription.title, Charge.description)
    rows = (select(literal(invoice_id), Charge.id, Charge.customer_id, Customer.company_name,
                   Charge.subscription_id, label, Charge.description, Charge.charge_type,
                   Charge.period_start, Charge.period_end, Charge.quantity, Charge.unit_price,
                   Charge.amount, position)
            .join(Customer, Customer.id == Charge.customer_id)
            .outerjoin(Subscription, Subscription.id == Charge.subscription_id)
            .where(due, Charge.id <= last_id))
    columns = ("invoice_id", "charge_id", "customer_id", "customer_name", "subscription_id",
               "subscription_label", "description", "charge_type", "period_start",
               "period_end", "quantity", "unit_price", "amount", "position")
    db.session.execute(insert(InvoiceLine.__table__).from_select(columns, rows))


def _buyer_name(buyer: Buyer) -> str:
    return buyer_party(buyer.reseller_id, buyer.customer_id).name
