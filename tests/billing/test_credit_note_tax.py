"""B4/B5: credit notes take an invoice's tax off to the cent. The invoice's tax is rounded
once on the sum of its lines, so a note's tax is what takes the invoice's down to what its
uncredited lines come to, never its own lines' tax rounded on its own: crediting an invoice
line by line, in any order and any grouping, takes exactly its tax, and never more."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billing.tax import Totals, credit_totals, totals
from persistence.money import minor_unit

CURRENCIES = ("EUR", "JPY", "KWD")  # minor units 0.01, 1 and 0.001


@st.composite
def invoices(draw):
    """An invoice's lines (charges, some negative: cancellation credits), its tax rate (as
    the admin may enter it: at most four places, at most 50 %), whether prices include tax
    (C6), its currency, and the lines grouped into credit notes in a random order."""
    currency = draw(st.sampled_from(CURRENCIES))
    cents = draw(st.lists(st.integers(-20_000, 200_000).filter(bool), min_size=1, max_size=8))
    lines = [Decimal(c) * minor_unit(currency) for c in cents]
    rate = Decimal(draw(st.integers(0, 5000))) / 10_000
    order = draw(st.permutations(range(len(lines))))
    cuts = draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    notes, note = [], []
    for index, cut in zip(order, cuts, strict=True):
        note.append(lines[index])
        if cut:
            notes.append(note)
            note = []
    notes += [note] if note else []
    return lines, rate, draw(st.booleans()), currency, notes


def issued(invoice: Totals, notes_lines, rate, inclusive, currency) -> list[Totals]:
    """The notes as billing.invoices issues them, one after the other."""
    notes: list[Totals] = []
    for lines in notes_lines:
        notes.append(credit_totals(invoice, notes, -sum(lines, Decimal(0)), rate, inclusive,
                                   currency))
    return notes


def summed(notes) -> Totals:
    return Totals(*(sum((getattr(n, f) for n in notes), Decimal(0))
                    for f in ("subtotal", "tax", "total")))


@given(invoices())
def test_b5_credit_notes_crediting_an_invoice_in_full_take_exactly_its_tax(case):
    lines, rate, inclusive, currency, notes_lines = case
    invoice = totals(sum(lines, Decimal(0)), rate, inclusive, currency)
    taken = summed(issued(invoice, notes_lines, rate, inclusive, currency))
    assert (-taken.subtotal, -taken.tax, -taken.total) == (
        invoice.subtotal, invoice.tax, invoice.total)


@given(invoices())
def test_b5_an_invoice_less_its_notes_states_what_its_uncredited_lines_come_to(case):
    lines, rate, inclusive, currency, notes_lines = case
    invoice = totals(sum(lines, Decimal(0)), rate, inclusive, currency)
    notes = issued(invoice, notes_lines, rate, inclusive, currency)
    credited = Decimal(0)
    for count, lines_credited in enumerate(notes_lines, start=1):
        credited += sum(lines_credited, Decimal(0))
        left = summed([invoice, *notes[:count]])
        assert left == totals(sum(lines, Decimal(0)) - credited, rate, inclusive, currency)
        note = notes[count - 1]
        assert note.total == note.subtotal + note.tax  # each note adds up on its own
        assert note.tax == note.tax.quantize(minor_unit(currency))
        # B4 refuses crediting beyond what the invoice invoiced; up to it, the notes never
        # take more tax than the invoice charged
        if 0 <= credited <= sum(lines, Decimal(0)):
            assert 0 <= -summed(notes[:count]).tax <= invoice.tax


def test_b5_two_lines_of_ten_eight_at_19_percent_credited_one_by_one_take_3_83():
    # 20.16 x 19 % = 3.8304 → 3.83 on the invoice; each line alone: 1.9152 → 1.92 (3.84)
    invoice = totals(Decimal("20.16"), Decimal("0.19"), False, "EUR")
    notes = issued(invoice, [[Decimal("10.08")], [Decimal("10.08")]], Decimal("0.19"), False,
                   "EUR")
    assert [n.tax for n in notes] == [Decimal("-1.91"), Decimal("-1.92")]
    assert summed(notes).tax == -invoice.tax == Decimal("-3.83")
