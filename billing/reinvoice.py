"""B1, the reseller's own view: an invoice of ours to a reseller, restated at the reseller's
retail prices to its end customers, one statement per end customer, so the reseller can
invoice each of them.

Each line is its charge again with the retail unit price (the charge's
`retail_unit_price`) in place of the reseller's: the same quantity, period and proration,
computed as the charge was (Microsoft's effective unit price = unit price ÷ charge-cycle
days × billable days, then cut to the minor unit, persistence.money), so a prorated seat
change or a cancellation credit is restated for the same days. Tax follows the invoice
(its market's rate, inclusive in AU/BR, C6), summed per end customer and rounded once (B5).
A charge without a recorded retail price keeps the reseller's price and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from billing.billed_history import utc_day
from billing.models import Charge, Invoice, InvoiceLine
from billing.tax import Totals, totals
from persistence import db
from persistence.money import charge_amount, cycle_days, cycle_on, first_term_over, prorate
from subscriptions import rules
from subscriptions.models import Subscription


@dataclass(frozen=True)
class RetailLine:
    line: InvoiceLine
    unit_price: Decimal  # the end customer's, per full charge cycle
    amount: Decimal
    retail_known: bool  # False: no retail price was recorded; the reseller's price is shown


@dataclass
class Statement:
    """What one end customer owes the reseller for this invoice's lines."""

    customer_id: int
    customer_name: str
    lines: list[RetailLine] = field(default_factory=list)
    money: Totals | None = None


def reinvoicable(invoice: Invoice) -> bool:
    """Only an invoice to a reseller has end customers to re-invoice (a credit note's lines
    point at no charge: the reseller credits its customer from the invoice it corrects)."""
    return invoice.kind == "invoice" and invoice.buyer_reseller_id is not None


def statements(invoice: Invoice) -> list[Statement]:
    """One statement per end customer, in the invoice's order."""
    _load_charges(invoice)
    by_customer: dict[int, Statement] = {}
    for line in sorted(invoice.lines, key=lambda ln: ln.position):
        found = by_customer.setdefault(line.customer_id,
                                       Statement(line.customer_id, line.customer_name))
        found.lines.append(retail_line(line))
    for statement in by_customer.values():
        amount = sum((ln.amount for ln in statement.lines), Decimal(0))
        statement.money = totals(amount, Decimal(invoice.tax_rate), invoice.tax_inclusive,
                                 invoice.currency)
    return list(by_customer.values())


def _load_charges(invoice: Invoice) -> None:
    """The lines' charges and their subscriptions in two queries, not two per line: each
    line's `charge` is then found in the session instead of loaded on its own."""
    ids = [line.charge_id for line in invoice.lines if line.charge_id is not None]
    for start in range(0, len(ids), 500):  # SQLite's bound parameters are limited
        db.session.scalars(select(Charge).where(Charge.id.in_(ids[start:start + 500]))
                           .options(selectinload(Charge.subscription)
                                    .selectinload(Subscription.order_line))).all()


def retail_line(line: InvoiceLine) -> RetailLine:
    charge = line.charge
    if charge is None:  # not from a charge: nothing to restate
        return RetailLine(line, line.unit_price, line.amount, False)
    known = charge.retail_unit_price is not None
    retail = charge.retail_unit_price if known else charge.unit_price
    return RetailLine(line, retail, retail_amount(charge), known)


def retail_amount(charge: Charge) -> Decimal:
    """The charge restated at the end customer's retail price (the reseller's own where
    none was recorded): the same quantity and days, rounded once (B5)."""
    retail = (charge.retail_unit_price if charge.retail_unit_price is not None
              else charge.unit_price)
    effective = retail_effective_price(charge, retail)
    return charge_amount(effective, charge.quantity, charge.currency)


def retail_effective_price(charge: Charge, retail: Decimal) -> Decimal:
    """The retail unit price for the charge's billable days: whole when the charge is a
    whole cycle (its effective price is its unit price), else prorated over the same cycle,
    a co-termed first term (R6) at its prorated retail price over its own days."""
    if charge.effective_unit_price == charge.unit_price or charge.subscription is None:
        return Decimal(retail)
    sub = charge.subscription
    line = sub.order_line
    cycle = cycle_on(charge.period_start, Decimal(retail), rules.cycle_months(sub.billing_cycle),
                     utc_day(sub.purchased_at), rules.TERM_MONTHS.get(sub.term_duration),
                     first_term_over(line.custom_term_end) if line is not None else None)
    return prorate(cycle.price, cycle.days, cycle_days(charge.period_start, charge.period_end))
