"""RMB amounts: Decimal, two decimal places (fen), rounded half up as invoices are written."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round an amount to fen, half up; floats are refused because they cannot hold fen exactly."""
    if isinstance(value, float):
        raise TypeError("pass RMB amounts as Decimal, int or str, not float")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def format_rmb(value: Decimal) -> str:
    """Format an amount for messages, e.g. 'RMB 50,000.00'."""
    return f"RMB {to_money(value):,.2f}"


def net_of_tax(with_tax: Decimal, subtotal: Decimal, total: Decimal) -> Decimal:
    """The part of an invoice's amount `with_tax` that is net of tax: in the proportion of the
    invoice's subtotal to its total, rounded once, like every figure here (e.g. 1,050.00 of
    a 1,000.00 + 6% invoice is 990.57, whose VAT of 59.43 makes the 1,050.00 again)."""
    if total <= ZERO:
        return ZERO
    return to_money(with_tax * subtotal / total)
