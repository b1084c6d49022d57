"""B5: a refund as the buyer will be credited it, with its tax, for the page that promises it.

The cancel page quotes the credit net of tax when prices exclude it (the charge ledger's
figure); the buyer is credited that plus its tax. This states both, computed as billing will
issue the credit (billing.corrections): against the invoice it corrects, when an issued
invoice charged it, else at the rate of the country billing taxes the buyer by. So the page
and the credit note agree to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing import tax
from billing.corrections import corrected_invoice
from billing.invoices import notes_of
from billing.models import Invoice
from subscriptions.models import Subscription
from subscriptions.services import price_of


@dataclass(frozen=True)
class Refund:
    """Net, tax and total (positive) of a refund; rate None when the buyer's country has no
    rate set (the total is then the net, and billing cannot invoice it yet either)."""

    net: Decimal
    tax: Decimal
    total: Decimal
    rate: Decimal | None = None
    label: str = ""
    inclusive: bool = False


def tax_country(sub: Subscription) -> str:
    """The country billing taxes this subscription's charges by: its price's market, else
    its customer's country (as billing.billed reads it)."""
    price = sub.order_line.price if sub.order_line is not None else price_of(sub)
    return (price.market if price is not None else "") or (sub.customer.country or "")


def refund_totals(sub: Subscription, day: date, amount: Decimal, currency: str, *,
                  corrects: bool = True) -> Refund:
    """What a refund of `amount` (positive, as quoted) from `day` is credited at, tax
    included. `corrects` False: a refund not credited on our invoice (a reseller's end
    customer, whom its reseller invoices) is taxed on its own at the country's rate."""
    tax.ensure_seeded()  # before the first billing run the seed rates are what it will use
    rate = tax.rate_for(tax_country(sub))
    if rate is None:
        return Refund(amount, Decimal(0), amount)
    invoice = (corrected_invoice(sub.id, day, currency, -amount) if corrects else None)
    if invoice is None:
        money = tax.totals(amount, Decimal(rate.rate), rate.inclusive, currency)
        return Refund(money.subtotal, money.tax, money.total, Decimal(rate.rate), rate.label,
                      rate.inclusive)
    money = tax.credit_totals(_totals(invoice), map(_totals, notes_of(invoice)), -amount,
                              Decimal(invoice.tax_rate), invoice.tax_inclusive, currency)
    return Refund(-money.subtotal, -money.tax, -money.total, Decimal(invoice.tax_rate),
                  invoice.tax_label, invoice.tax_inclusive)


def _totals(document: Invoice) -> tax.Totals:
    return tax.Totals(Decimal(document.subtotal), Decimal(document.tax),
                      Decimal(document.total))
