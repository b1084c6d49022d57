"""B5: tax by the buyer's country, from admin-editable rates (seeded from
config/data/tax_rates.json), and the invoice's tax arithmetic.

Prices exclude tax except in markets where Microsoft's prices include it (C6: Australia and
Brazil): there the invoice's total is the sum of its lines and the tax is the part of it the
rate accounts for. Tax is computed on the invoice's sum and rounded once (`round_money`).

A credit note (B4) takes off the difference between the invoice's totals as they stand
(issued, less earlier notes) and the totals of what is left uncredited after it, rounded
once on that sum: never its own lines' tax rounded on its own, which crediting an invoice
line by line would make a cent more or less than the invoice's tax. So an invoice less its
notes always states what its uncredited lines come to, the notes never take more tax than
it charged, and the note that credits the last of it takes exactly the tax still left.
(One exception: an OSPA offset of all an invoice paid in part still asks for takes that
balance itself, billing.ospa, so the invoice then states what was paid.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from billing.models import TaxRate
from billing.periods import BillingInputError
from config.countries import DATA_DIR
from persistence import db
from persistence.money import round_money

SEED = DATA_DIR / "tax_rates.json"
MAX_RATE = Decimal("0.5")


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal  # net of tax
    tax: Decimal
    total: Decimal  # what the buyer pays


def totals(amount: Decimal, rate: Decimal, inclusive: bool, currency: str) -> Totals:
    """An invoice's net, tax and total from the sum of its lines (B5, C6)."""
    if inclusive:
        tax = round_money(amount * rate / (1 + rate), currency)
        return Totals(amount - tax, tax, amount)
    tax = round_money(amount * rate, currency)
    return Totals(amount, tax, amount + tax)


def credit_totals(invoice: Totals, notes: Iterable[Totals], amount: Decimal, rate: Decimal,
                  inclusive: bool, currency: str) -> Totals:
    """A credit note's net, tax and total (negative) reversing lines that sum to `amount`
    (negative), given the invoice's totals and its earlier notes' (B4, B5; see above)."""
    net, tax_, total = invoice.subtotal, invoice.tax, invoice.total
    for note in notes:
        net, tax_, total = net + note.subtotal, tax_ + note.tax, total + note.total
    # What the invoice's lines not credited yet sum to: its total where prices include
    # tax (C6), else its net.
    left = (total if inclusive else net) + amount
    after = totals(left, rate, inclusive, currency)
    return Totals(after.subtotal - net, after.tax - tax_, after.total - total)


def rate_for(country: str) -> TaxRate | None:
    """The buyer's country's rate, or None when the admins have not set one."""
    return db.session.scalar(select(TaxRate).where(TaxRate.country == country.upper()))


def seed_defaults() -> int:
    """Copy the seed file's rates into an empty table (once: a rate an admin removed stays
    removed); returns how many were added. The caller commits."""
    if db.session.scalar(select(func.count(TaxRate.id))):
        return 0
    rows = json.loads(SEED.read_text(encoding="utf-8"))["rates"]
    db.session.add_all(TaxRate(country=r["country"], rate=Decimal(r["rate"]),
                               inclusive=r["inclusive"], label=r["label"],
                               note=r.get("note", "")) for r in rows)
    return len(rows)


def ensure_seeded() -> None:
    """Seed the rates on first use; a concurrent seeding by another process is accepted."""
    try:
        if seed_defaults():
            db.session.commit()
    except IntegrityError:
        db.session.rollback()


def save_rate(country: str, rate: str, inclusive: bool, label: str, note: str = "") -> TaxRate:
    """Set one country's rate (admin); the caller commits. Errors name the field and fix."""
    code = (country or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise BillingInputError("country: use the two-letter ISO code, e.g. DE.")
    value = _rate(rate)
    row = rate_for(code) or TaxRate(country=code)
    row.rate, row.inclusive = value, bool(inclusive)
    row.label, row.note = (label or "").strip()[:20] or "VAT", (note or "").strip()[:300]
    db.session.add(row)
    return row


def _rate(text: str) -> Decimal:
    """A rate written as a percentage (19 or 19.5) or a fraction (0.19)."""
    try:
        value = Decimal((text or "").strip().rstrip("%").replace(",", "."))
    except InvalidOperation:
        value = Decimal(-1)
    if value >= 1:
        value /= 100
    if not 0 <= value <= MAX_RATE or value != value.quantize(Decimal("0.0001")):
        raise BillingInputError("rate: enter a percentage between 0 and 50 with at most two "
                                "decimals, e.g. 19 or 7.7.")
    return value
