"""O3, O6, O8, B5: what is left of a partner's invoice paid or credited in part, with VAT and
net of tax, by one rounding rule, so nothing is ever left that no offset can clear.

An OSPA invoice (a commitment order's or a month's overage) bills a net amount and its VAT,
rounded once (commitments.money.with_tax). The customer pays it with VAT, in parts; an
offset (O3) credits it net of tax by a credit note, whose VAT billing takes off on what stays
uncredited (billing.tax.credit_totals). What is left of it:

- with VAT: its total less the credit notes' totals and the payments, exactly;
- net of tax: what it still bills net (its subtotal less the credit notes' nets) less what
  the payments paid for (commitments.money.net_paid_for: rounded once, on their sum).

Rounding what is left with VAT back to a net amount, as this once did, made the page ask for
a fen more or less than the credit notes could take: about one payment of part in twelve
left a fen owing that no offset could clear, and the dunning went on for it. Here a credit
note of part lowers what the page asks by exactly that part, and the offset of all that is
left takes exactly what the page asked, net of tax and with VAT, its VAT the difference,
never rounded again (offset_total): the invoice then reads paid, to the fen.

Payments need not pay for net of tax in fen steps: after an offset of all that was left, a
payment reversed and one of all but a fen paid instead can pay for as much net as the
reversed one did (10,000.12 at 6% pays for 9,434.08, as 10,000.13 does), leaving a fen with
VAT and nothing net. So while anything is owed, what is left net is at least a fen, the
least an offset can take, and the offset of it takes the balance: no fen is left that no
offset can clear. Only once credit notes took all the invoice billed net (one-fen
reversals and offsets, over and over) can VAT be left with nothing net: a payment clears it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from commitments.money import FEN, ZERO, net_paid_for


@dataclass(frozen=True)
class InvoiceFacts:
    """One of the partner's invoices (O6): its number, the last day of its payment term, what
    it bills net of tax and with VAT at `tax_rate`, the payments made on it with VAT (a
    reversal negative) and the credit notes (an offset's, O3) that took part of it off, each
    on its day, as (day, net, with VAT). The one reckoning of what is still due (O8)."""

    number: str
    due_on: date
    subtotal: Decimal
    total: Decimal
    taken: tuple[tuple[date, Decimal], ...] = ()
    credited: tuple[tuple[date, Decimal, Decimal], ...] = ()
    tax_rate: Decimal = field(kw_only=True)

    def paid(self, day: date) -> Decimal:
        """What the payments made by `day` came to, with VAT."""
        return sum((amount for on, amount in self.taken if on <= day), start=ZERO)

    def billed(self, day: date) -> tuple[Decimal, Decimal]:
        """What the invoice still bills on `day` once credit notes took their part: net of
        tax and with VAT."""
        notes = [(net, total) for on, net, total in self.credited if on <= day]
        return (self.subtotal - sum((net for net, _ in notes), start=ZERO),
                self.total - sum((total for _, total in notes), start=ZERO))

    def due_with_tax(self, day: date) -> Decimal:
        """The invoice's balance on `day`: what the customer is asked to pay."""
        return max(self.billed(day)[1] - self.paid(day), ZERO)

    def due_net(self, day: date) -> Decimal:
        """That balance net of tax: what the invoice still bills net, less what the payments
        paid for; nothing once nothing is owed. While anything is owed, at least the fen an
        offset can take (see the module's docstring), if the invoice still bills it net."""
        if self.due_with_tax(day) <= ZERO:
            return ZERO
        billed = self.billed(day)[0]
        net = billed - net_paid_for(self.paid(day), self.tax_rate)
        return min(max(net, FEN), max(billed, ZERO))

    def offset_total(self, net: Decimal, day: date) -> Decimal | None:
        """What a credit note of `net` takes off with VAT when `net` is all that is left net
        of tax on `day`: the balance itself, so the invoice is left owing nothing. None for
        a credit of part, which billing taxes on what stays uncredited."""
        if net <= ZERO or net != self.due_net(day):
            return None
        return self.due_with_tax(day)
