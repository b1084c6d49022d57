"""B4: who sees which invoices, and corrections by credit note (an issued invoice never
changes: the ORM and database triggers refuse it, billing.models).

A line is credited in full at most once, or in parts (an OSPA overage offset, O3) up to
what it invoiced, and an invoice's credit notes never take off more than it invoiced. A
credit note's line names no line of the invoice (it has no charge), so an earlier credit is
recognised by what it copies: the customer, subscription, charge type and period of the
line it credits, and for a credit of the whole line its unit price and the quantity and
amount reversed too (a part is one unit at its amount: two equal parts are two credits).

A note locks the invoice first, as a payment does (billing.payments), then takes its number
(the series' lock): the order every writer of an invoice keeps, so none waits for another's
lock while holding one it needs. A racing payment or note is counted before the checks.

A note's tax is not rounded on its own lines: it takes the invoice's tax down to what the
lines still uncredited come to (billing.tax.credit_totals, B5), so notes crediting an
invoice line by line, in any order, sum to its tax exactly and never exceed it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, or_, select

from accounts.models import Customer, User
from billing.models import Invoice, InvoiceLine
from billing.numbering import take_number
from billing.parties import invoice_money
from billing.periods import BillingInputError
from billing.tax import Totals, credit_totals
from persistence import db
from persistence.locks import locked
from refusals import Refused


@dataclass(frozen=True)
class CreditProblem:
    """Why a credit note cannot be issued: its rule, a stable code and what to do."""

    rule: str
    code: str
    message: str
    field: str = "lines"


class CreditNoteRefused(Refused):
    """B4: the credit note would credit a line again, or more than the invoice invoiced."""

    default_field = "lines"


def visible_invoices(user: User):
    """A select() of the invoices (and credit notes) this user may see: a provider admin
    all; a reseller's user its reseller's and those its reseller issued (OSPA, O6); a
    customer's user its own company's, when that company buys directly (a reseller's
    customer is invoiced by its reseller, not by us), and its reseller's OSPA invoices."""
    query = select(Invoice)
    if user.is_provider_admin:
        return query
    if user.is_reseller and user.reseller_id:
        # Its own invoices, and the OSPA invoices it issued to its customers (O6).
        return query.where(or_(Invoice.buyer_reseller_id == user.reseller_id,
                               Invoice.issuer == f"reseller:{user.reseller_id}"))
    if user.is_customer and user.customer_id:
        direct = select(Customer.id).where(Customer.id == user.customer_id,
                                           Customer.reseller_id.is_(None))
        from_partner = and_(Invoice.buyer_customer_id == user.customer_id,
                            Invoice.issuer.like("reseller:%"))  # its reseller's OSPA invoices
        return query.where(or_(Invoice.buyer_customer_id.in_(direct), from_partner))
    return query.where(Invoice.id.is_(None))


def issue_credit_note(invoice: Invoice, reason: str, today: date,
                      line_ids: list[int] | None = None) -> Invoice:
    """Correct an issued invoice: a credit note, numbered in its own gap-free series, that
    names the invoice and reverses the chosen lines (all by default) with its tax; commits."""
    note = add_credit_note(invoice, reason, today, line_ids)
    db.session.commit()
    return note


def add_credit_note(invoice: Invoice, reason: str, today: date,
                    line_ids: list[int] | None = None,
                    amount: Decimal | None = None, total: Decimal | None = None) -> Invoice:
    """The credit note of issue_credit_note, added to the session for the caller to commit
    with its own work (the series stays locked until then). With `amount` and one line
    chosen it credits only that much of the line (net of tax): an OSPA overage offset by a
    commitment order credits the part the order funded (O3). With `total` as well, the note
    takes exactly that with tax, at most the invoice's balance: an offset of all an OSPA
    invoice still asks for after payments of part (commitments.invoice_balance)."""
    if invoice.kind != "invoice":
        raise BillingInputError("invoice: only an invoice can be corrected by a credit note.")
    if not (reason or "").strip():
        raise BillingInputError("reason: say why the invoice is corrected.")
    lines = [ln for ln in invoice.lines if line_ids is None or ln.id in set(line_ids)]
    if not lines:
        raise BillingInputError("lines: choose at least one line of the invoice to credit.")
    if amount is not None and (len(lines) != 1 or not 0 < amount <= lines[0].amount):
        raise BillingInputError("amount: credit part of one line, more than 0 and at most "
                                "the line's amount.")
    lock_invoice(invoice)  # the balance below is what racing payments and notes left
    if total is not None and (amount is None or not amount <= total <= invoice.balance_due):
        db.session.rollback()
        raise BillingInputError("total: credit at least the amount and at most the balance.")
    credits = [(ln, _reversed(ln, position, amount))
               for position, ln in enumerate(lines, start=1)]
    number = take_number(invoice.issuer, "credit_note", today)  # locks the series
    earlier = notes_of(invoice)
    problems = _over_credit(invoice, credits, earlier)
    if problems:
        db.session.rollback()  # the number goes back: the series stays gap-free
        raise CreditNoteRefused(problems)
    exact = None if total is None else Totals(-amount, amount - total, -total)
    note = credit_note(invoice, number, reason.strip(), today, [c for _, c in credits],
                       earlier, exact)
    db.session.add(note)
    return note


def lock_invoice(invoice: Invoice) -> None:
    """Hold the invoice until the commit (persistence.locks), then read its payments and
    credit notes afresh: payments and credit notes of one invoice take turns, each checking
    what the one before committed (never over-paid, never credited twice)."""
    locked(select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
    db.session.refresh(invoice, ["payments", "credit_notes"])


def _line(line: InvoiceLine) -> tuple:
    """What every credit of a line copies of it, whole or in part."""
    return (line.customer_id, line.subscription_id, line.charge_type, line.period_start,
            line.period_end)


def _key(line: InvoiceLine) -> tuple:
    """What identifies a line's credit in full: all it copies of the line."""
    return (*_line(line), line.quantity, line.unit_price, line.amount)


def _whole_credit_key(line: InvoiceLine) -> tuple:
    """The _key of the credit of all of `line`."""
    return (*_line(line), -line.quantity, line.unit_price, -line.amount)


def notes_of(invoice: Invoice) -> list[Invoice]:
    """The credit notes already correcting the invoice, as committed now (a racing note
    committed first is among them: the relationship loaded earlier may not hold it)."""
    return list(db.session.scalars(select(Invoice).where(
        Invoice.corrects_invoice_id == invoice.id, Invoice.kind == "credit_note")
        .order_by(Invoice.id)))


def _over_credit(invoice: Invoice, credits: list[tuple[InvoiceLine, InvoiceLine]],
                 notes: list[Invoice]) -> list[CreditProblem]:
    """B4: the chosen credits refused line by line, and a total credit beyond what the
    invoice's lines invoiced (net of tax)."""
    earlier = [ln for note in notes for ln in note.lines]
    problems, refused = _line_problems(invoice, credits, earlier)
    invoiced = sum((ln.amount for ln in invoice.lines), Decimal(0))
    fresh = [c for ln, c in credits if ln not in refused]  # refused lines are named above
    total = -sum((ln.amount for ln in earlier), Decimal(0)) - sum(
        (c.amount for c in fresh), Decimal(0))
    if total > max(invoiced, Decimal(0)):
        money = invoice_money(invoice)
        problems.append(CreditProblem(
            "B4", "B4.credit_exceeds_invoice",
            f"Credit notes would take {money(total)} (net of tax) off an invoice of "
            f"{money(invoiced)}; credit at most what it invoiced."))
    return problems


def _line_problems(invoice: Invoice, credits: list[tuple[InvoiceLine, InvoiceLine]],
                   earlier: list[InvoiceLine]) -> tuple[list[CreditProblem], list[InvoiceLine]]:
    """B4, line by line: a credit of a whole line an earlier note credited in full already,
    or a credit (whole or part) beyond what is left of its line once the invoice's own
    credits of it and the earlier notes' are taken off; and the lines so refused."""
    whole = Counter(_whole_credit_key(ln) for ln in invoice.lines)
    whole.subtract(_key(ln) for ln in earlier)
    left: defaultdict[tuple, Decimal] = defaultdict(Decimal)
    for ln in (*invoice.lines, *earlier):
        left[_line(ln)] += ln.amount
    problems, refused = [], []
    for line, credit in credits:
        if _key(credit) == _whole_credit_key(line) and whole[_key(credit)] <= 0:
            problems.append(CreditProblem(
                "B4", "B4.line_already_credited",
                f"Line {line.position} ({line.description}) was already credited by an "
                "earlier credit note; choose only lines not yet credited."))
        elif -credit.amount > left[_line(line)]:
            rest = invoice_money(invoice)(max(left[_line(line)], Decimal(0)))
            problems.append(CreditProblem(
                "B4", "B4.credit_exceeds_line",
                f"Line {line.position} ({line.description}) has {rest} (net of tax) left to "
                "credit after the credits already made on it; credit at most that."))
        else:
            whole[_key(credit)] -= 1
            left[_line(line)] += credit.amount
            continue
        refused.append(line)
    return problems, refused


def credit_note(invoice: Invoice, number: str, reason: str, today: date,
                credits: list[InvoiceLine], earlier: list[Invoice],
                money: Totals | None = None) -> Invoice:
    """A credit note of `invoice` holding the credit lines (negative), its tax taken off the
    invoice's as the module says unless its totals are given (`money`); the caller holds
    the series' lock and adds it."""
    amount = sum((ln.amount for ln in credits), Decimal(0))
    # B5: the tax is the invoice's, rounded on what stays uncredited, never per note
    if money is None:
        money = credit_totals(_totals_of(invoice), map(_totals_of, earlier), amount,
                              Decimal(invoice.tax_rate), invoice.tax_inclusive,
                              invoice.currency)
    return Invoice(
        issuer=invoice.issuer, number=number, kind="credit_note", corrects_invoice_id=invoice.id,
        buyer_reseller_id=invoice.buyer_reseller_id,
        buyer_customer_id=invoice.buyer_customer_id, billing_month=invoice.billing_month,
        currency=invoice.currency, issue_date=today, due_date=today, payment_terms_days=0,
        tax_country=invoice.tax_country, tax_label=invoice.tax_label,
        tax_rate=invoice.tax_rate, tax_inclusive=invoice.tax_inclusive,
        subtotal=money.subtotal, tax=money.tax, total=money.total,
        buyer_name=invoice.buyer_name, buyer_address=invoice.buyer_address, note=reason,
        lines=credits)


def _totals_of(document: Invoice) -> Totals:
    return Totals(Decimal(document.subtotal), Decimal(document.tax), Decimal(document.total))


def _reversed(line: InvoiceLine, position: int, amount: Decimal | None = None) -> InvoiceLine:
    """The credit of a line: all of it, or `amount` of it as one unit at that price."""
    quantity, price = (line.quantity, line.unit_price) if amount is None else (1, amount)
    return InvoiceLine(
        customer_id=line.customer_id, customer_name=line.customer_name,
        subscription_id=line.subscription_id, subscription_label=line.subscription_label,
        description=f"Credit for {line.description}"[:300], charge_type=line.charge_type,
        period_start=line.period_start, period_end=line.period_end, quantity=-quantity,
        unit_price=price, amount=-(line.amount if amount is None else amount),
        position=position)
