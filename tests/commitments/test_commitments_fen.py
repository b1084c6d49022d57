"""O3, O5, O8, B5: an OSPA invoice paid in part, offset in part and then offset for all that
is left ends at exactly nothing owing, and nothing is credited beyond what it asked for.

Earlier, "offset as much as can be" after a payment of part left a fen that no offset could
clear in about one case in twelve (RMB 20,000.00 + 6% VAT, RMB 10,000.13 paid: the page
asked for RMB 10,565.92 net, RMB 11,199.87 with VAT; the offset credited 10,565.91 and
11,199.86, and the fen left was dunned to suspension). The invoice is driven here as billing
keeps it: its totals and credit notes' (a part's tax by billing.tax.credit_totals), its
payments with VAT, read back by commitments.records.overage_due.invoice_facts.

Then with payments reversed too: after an offset of all that was left, a payment reversed
and one of all but a fen paid instead could pay for as much net as the reversed one, and
the page read the fen owed with VAT as nothing net, which no offset could clear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from billing.tax import Totals, credit_totals, totals
from commitments.notices import InvoiceFacts
from commitments.records.overage_due import invoice_facts

# The VAT rates a partner may set on an OSPA invoice: 6% for cloud services (the default,
# commitments.records.services), China's other rates, the small-taxpayer rate and none.
RATES = tuple(Decimal(r) for r in ("0.06", "0.13", "0.09", "0.03", "0"))
DAY = date(2025, 7, 10)
FEN = Decimal("0.01")


@dataclass
class Invoice:
    """An overage invoice as billing keeps it: issued totals, credit notes, payments."""

    issued: Totals
    rate: Decimal
    notes: list[Totals] = field(default_factory=list)
    payments: list[Decimal] = field(default_factory=list)

    def facts(self) -> InvoiceFacts:
        """What the page and the notices read: the records' own reading of the invoice."""
        invoice = SimpleNamespace(
            subtotal=self.issued.subtotal, total=self.issued.total, tax_rate=self.rate,
            payments=[SimpleNamespace(paid_on=DAY, amount=p) for p in self.payments],
            credit_notes=[SimpleNamespace(issue_date=DAY, subtotal=n.subtotal, tax=n.tax,
                                          total=n.total) for n in self.notes])
        return invoice_facts(SimpleNamespace(invoice=invoice, number="INV-7",
                                             due_on=date(2025, 8, 5)))

    @property
    def owing(self) -> Decimal:
        """The balance, not floored at nothing: below it would be credited beyond it."""
        return (self.issued.total + sum(n.total for n in self.notes) - sum(self.payments))

    def offset(self, amount: Decimal) -> Totals:
        """The credit note of an offset of `amount` (net of tax), as billing.ospa issues it:
        with the total the offset names when it takes all that is left, else taxed by
        billing on what stays uncredited."""
        total = self.facts().offset_total(amount, DAY)
        if total is None:
            note = credit_totals(self.issued, self.notes, -amount, self.rate, False, "CNY")
        else:
            note = Totals(-amount, amount - total, -total)
        self.notes.append(note)
        return note


@st.composite
def invoices(draw) -> Invoice:
    rate = draw(st.sampled_from(RATES))
    subtotal = Decimal(draw(st.integers(1, 10**9))) / 100
    return Invoice(totals(subtotal, rate, False, "CNY"), rate)


# Each step takes a share of what is left (in millionths): a payment of part, with VAT, or
# an offset of part, net of tax. A share that would take it all is skipped.
STEPS = st.lists(st.tuples(st.sampled_from(("pay", "offset")), st.integers(1, 999_999)),
                 min_size=1, max_size=6)


def part(whole: Decimal, share: int) -> Decimal:
    return (whole * share / 1_000_000).quantize(FEN)


def step(invoice: Invoice, kind: str, share: int) -> None:
    facts = invoice.facts()
    net, with_tax = facts.due_net(DAY), facts.due_with_tax(DAY)
    if kind == "pay":
        amount = part(with_tax, share)
        if FEN <= amount < with_tax:
            invoice.payments.append(amount)
        return
    amount = part(net, share)
    if FEN <= amount < net:
        note = invoice.offset(amount)
        assert -note.total <= with_tax  # never credited beyond what was owed
        # the page's "still due" falls by exactly the part offset, net of tax
        assert invoice.facts().due_net(DAY) == net - amount


def assert_reads_owing(invoice: Invoice) -> None:
    """While anything is owed, the page asks for it net of tax too, and never for more
    than the invoice still bills net of tax."""
    facts = invoice.facts()
    billed = invoice.issued.subtotal + sum(n.subtotal for n in invoice.notes)
    assert facts.due_with_tax(DAY) == invoice.owing > 0
    assert FEN <= facts.due_net(DAY) <= billed


def clear(invoice: Invoice) -> None:
    """"Offset as much as can be": the page's ask, taken as it promised it, net of tax and
    with VAT, leaves nothing owing and nothing credited beyond it."""
    facts = invoice.facts()
    promised = (facts.due_net(DAY), facts.due_with_tax(DAY))
    note = invoice.offset(promised[0])
    assert (-note.subtotal, -note.total) == promised
    assert invoice.owing == 0
    assert (invoice.facts().due_net(DAY), invoice.facts().due_with_tax(DAY)) == (0, 0)


def assert_credited_within_it(invoice: Invoice) -> None:
    credited = -sum(n.subtotal for n in invoice.notes)
    taxed = -sum(n.tax for n in invoice.notes)
    assert 0 <= credited <= invoice.issued.subtotal
    assert all(n.tax <= 0 for n in invoice.notes) and taxed <= invoice.issued.tax


@given(invoices(), STEPS)
def test_o8_b5_payments_and_offsets_of_part_then_offsetting_all_left_clear_it_to_the_fen(
        invoice, steps):
    for kind, share in steps:
        step(invoice, kind, share)
        assert_reads_owing(invoice)
    clear(invoice)
    assert_credited_within_it(invoice)


SHARE = st.integers(1, 999_999)


@st.composite
def rounds(draw) -> list[tuple[str, int]]:
    """Rounds of a payment or an offset of part, perhaps the offset of all that is left,
    a payment reversed (part of what was paid, or all of it), then a payment of part or of
    all but a fen."""
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        steps.append((draw(st.sampled_from(("pay", "offset"))), draw(SHARE)))
        if draw(st.booleans()):
            steps.append(("clear", 1))
        steps.append((draw(st.sampled_from(("reverse", "reverse all"))), draw(SHARE)))
        steps.append((draw(st.sampled_from(("pay", "pay all but a fen"))), draw(SHARE)))
    return steps


def mixed_step(invoice: Invoice, kind: str, share: int) -> None:
    paid, owing = sum(invoice.payments, start=Decimal(0)), invoice.owing
    if kind.startswith("reverse"):
        amount = paid if kind == "reverse all" else part(paid, share)
        if FEN <= amount <= paid:  # billing takes back at most what was paid
            invoice.payments.append(-amount)
    elif kind == "pay all but a fen" and owing - FEN >= FEN:
        invoice.payments.append(owing - FEN)
    elif kind == "clear" and owing > 0:
        clear(invoice)
    elif kind in ("pay", "offset") and owing > 0:
        step(invoice, kind, share)


def assert_reads_what_is_owed(invoice: Invoice) -> None:
    """Whatever is owed with VAT, the page asks for net of tax too: at least the fen an
    offset can take, at most what the invoice still bills net; nothing once nothing is."""
    facts = invoice.facts()
    billed = invoice.issued.subtotal + sum(n.subtotal for n in invoice.notes)
    assert facts.due_with_tax(DAY) == invoice.owing >= 0
    if invoice.owing:
        assert FEN <= facts.due_net(DAY) <= billed
    else:
        assert facts.due_net(DAY) == 0


# 100.00 + 6% VAT: 42.49 paid (share 400,802) pays for 40.08 net, as 42.48 does; the rest
# offset, the 42.49 reversed and 42.48 paid left a fen with VAT that the page read as
# nothing net, so no offset could clear it.
@example(Invoice(totals(Decimal("100.00"), Decimal("0.06"), False, "CNY"), Decimal("0.06")),
         [("pay", 400_802), ("clear", 1), ("reverse all", 1), ("pay all but a fen", 1)])
@settings(max_examples=400)
@given(invoices(), rounds())
def test_o8_b5_after_reversals_and_payments_of_all_but_a_fen_an_offset_clears_what_is_owed(
        invoice, steps):
    for kind, share in steps:
        mixed_step(invoice, kind, share)
        assert_reads_what_is_owed(invoice)
    if invoice.owing:
        clear(invoice)
    assert_credited_within_it(invoice)
