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


def with_tax(net: Decimal, rate: Decimal) -> Decimal:
    """`net` and its VAT at `rate`, the VAT rounded once, as an invoice rounds its tax
    (commitments.invoices.Invoice; billing.tax.totals, B5)."""
    return net + to_money(net * rate)


def net_paid_for(paid: Decimal, rate: Decimal) -> Decimal:
    """The net of tax that an amount `paid` with VAT pays for: the most net whose amount
    with its VAT (with_tax) `paid` covers, so the payments' share is rounded once, on their
    sum (e.g. 10,000.00 paid at 6% pays for 9,433.96, whose VAT of 566.04 makes it; 10,000.13
    pays for 9,434.08, as 9,434.09 with VAT is 10,000.14)."""
    if paid <= ZERO:
        return ZERO
    net = to_money(paid / (1 + rate))
    while with_tax(net, rate) > paid:
        net -= FEN
    while with_tax(net + FEN, rate) <= paid:
        net += FEN
    return net
