"""B3/B4: a credit for what an issued invoice already charged reaches the buyer as a credit
note naming that invoice, never as a line of a later invoice.

A credit (a cancellation inside its window, licences removed within their 7 days, perpetual
software returned) is a negative charge (B3). While the charge it gives back is uninvoiced,
both land on the month's invoice and net there. Once an issued invoice charged it, that
invoice cannot change (B4): the credit becomes a credit note that corrects it, and the
invoice's balance due falls by the note (billing.models.Invoice.balance_due).

Why a run does not net such a credit into the month's new invoice: the buyer would still
owe the old invoice in full (and see it turn overdue) beside a new one whose negative lines
correct a document they do not name, and a month holding only the credit would issue an
"invoice" with a negative total that counts as paid. So a month with new charges and credits
for earlier invoices is issued as an invoice for the charges plus one credit note per
credit: a cancellation or one seat removal (both halves of Microsoft's pair). One per credit,
not one per corrected invoice, because each credit is one refund the buyer was promised
(the cancel page's): its own note credits exactly it, tax included (billing.refunds quotes
it with the same arithmetic), and its charges, copied onto the note, are never credited
again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, exists, func, or_, select

from billing.invoices import credit_note, notes_of
from billing.models import Charge, ChargeType, Invoice, InvoiceLine
from billing.numbering import take_number
from billing.parties import PROVIDER, buyer_money
from persistence import db
from persistence.locks import locked
from subscriptions.models import Subscription

# The charges that give something back: a cancellation's credit, a seat removal's pair
# (old seats refunded, fewer charged: a credit overall), an upgrade's pair on its source
# (R4: the seats moved out refunded) and a refund approved by support request
# (billing.charges). A seat addition's pair charges more than it refunds, so it is a charge
# and stays on the month's invoice; so does the conversion charged on the subscription the
# seats moved into (its event's charges add up to more than nothing: no credit).
CREDIT_TYPES = (ChargeType.CANCEL, ChargeType.REMOVE_QUANTITY, ChargeType.CONVERT,
                ChargeType.CUSTOMER_CREDIT)
PAIR_HALVES = (":refund", ":charge")
# How often a run's credit note starts again when the invoice it would credit was issued
# after it locked the others (issue_credit); RETRY says it must.
LOCK_ATTEMPTS = 3
RETRY = object()


@dataclass(frozen=True)
class Credit:
    """One credit event's uninvoiced charges: what it gives back (negative, net of tax
    unless prices include it) for one subscription from one day."""

    charges: tuple[Charge, ...]
    amount: Decimal

    @property
    def first(self) -> Charge:
        return self.charges[0]

    @property
    def ids(self) -> list[int]:
        return [c.id for c in self.charges]


def _event(source: str) -> str:
    """The event a charge bills: a seat change's two halves share it."""
    for half in PAIR_HALVES:
        if source.endswith(half):
            return source.removesuffix(half)
    return source


def _uninvoiced():
    return ~exists().where(InvoiceLine.charge_id == Charge.id)


def _is_credit():
    """The condition on charges of the kinds that give something back, for a subscription."""
    # A cycle charge given back whole is a credit too: keyed as the cycle it credits, so
    # Microsoft's reconciliation nets the two (R4: billing.made_by_upgrade).
    given_back = and_(Charge.charge_type.in_(ChargeType.CYCLES), Charge.quantity < 0)
    return and_(or_(Charge.charge_type.in_(CREDIT_TYPES), given_back),
                Charge.subscription_id.is_not(None))


def _credit_charges(owns, month: str) -> list[Charge]:
    return list(db.session.scalars(select(Charge).where(
        owns, Charge.billing_month <= month, _is_credit(), _uninvoiced()).order_by(Charge.id)))


def _credits(charges: list[Charge]) -> list[Credit]:
    """The credits among the charges, one per event, oldest first."""
    events: dict[str, list[Charge]] = defaultdict(list)
    for charge in charges:
        events[_event(charge.source)].append(charge)
    credits = [Credit(tuple(group), sum((c.amount for c in group), Decimal(0)))
               for group in events.values()]
    return [credit for credit in credits if credit.amount < 0]


@dataclass(frozen=True)
class Pending:
    """One read of a buyer's uninvoiced credits up to the month, which a run makes once per
    buyer: the credits that correct an issued invoice (a credit note carries each, or the
    run says why it cannot), the ids of the credit charges the month's invoice nets instead,
    and the newest invoice the provider had issued when read."""

    correcting: tuple[Credit, ...]
    netting: tuple[int, ...]
    newest_invoice: int

    def stale(self) -> bool:
        """Whether the provider has issued an invoice since the read (a racing run): a credit
        read as netting may correct it now. Exact under the invoice number's lock, which
        every provider invoice is inserted under, so their ids follow their commits."""
        return _newest_invoice() != self.newest_invoice


def _newest_invoice() -> int:
    return db.session.scalar(select(func.max(Invoice.id)).where(
        Invoice.kind == "invoice", Invoice.issuer == PROVIDER)) or 0


def read_pending(owns, month: str) -> Pending:
    """The buyer's pending credits (`owns`: the condition on its charges), read once."""
    newest = _newest_invoice()  # before the credits: an invoice issued after shows as stale
    charges = _credit_charges(owns, month)
    correcting = tuple(credit for credit in _credits(charges) if _corrects(credit))
    held = {charge.id for credit in correcting for charge in credit.charges}
    return Pending(correcting, tuple(c.id for c in charges if c.id not in held), newest)


def invoices_charging(subscription_id: int, day: date, currency: str) -> list[Invoice]:
    """The issued invoices that charged this subscription for `day` (a line of a charge
    whose period holds it), newest first: what a credit from that day gives back."""
    return list(db.session.scalars(
        select(Invoice).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(Invoice.kind == "invoice", Invoice.issuer == PROVIDER,
               Invoice.currency == currency, InvoiceLine.subscription_id == subscription_id,
               InvoiceLine.charge_id.is_not(None), InvoiceLine.amount > 0,
               InvoiceLine.period_start <= day, InvoiceLine.period_end >= day)
        .distinct().order_by(Invoice.id.desc())))


def _still_creditable(invoice: Invoice) -> Decimal:
    """What the invoice's lines come to, less what its credit notes already took off (the
    bound billing.invoices keeps for every note: never more than it invoiced)."""
    lines = [ln for doc in (invoice, *notes_of(invoice)) for ln in doc.lines]
    return sum((ln.amount for ln in lines), Decimal(0))


def corrected_invoice(subscription_id: int, day: date, currency: str,
                      amount: Decimal) -> Invoice | None:
    """The newest issued invoice that charged what a credit of `amount` (negative) from
    `day` gives back and can still be credited that much; None if none can."""
    for invoice in invoices_charging(subscription_id, day, currency):
        if _still_creditable(invoice) + amount >= 0:
            return invoice
    return None


def on_the_invoice(owns, month: str, pending: Pending | None = None):
    """The condition on the buyer's due charges that the month's invoice holds: every one
    but its credits, and of those only the ones that correct no issued invoice (a credit
    note carries those; read under the number's lock, so a racing run decides the same).
    Judged by `pending`, the run's one read for the buyer, unless the provider has issued an
    invoice since; a credit charged since the read waits for the next run, which judges it."""
    if pending is None or pending.stale():
        pending = read_pending(owns, month)
    return or_(~_is_credit(), Charge.id.in_(pending.netting))


def _corrects(credit: Credit) -> bool:
    first = credit.first
    return bool(invoices_charging(first.subscription_id, first.period_start, first.currency))


def issue_credit_notes(pending: Pending, today: date) -> tuple[int, list[str]]:
    """Issue a credit note for each of the buyer's credits that corrects an issued invoice,
    each in its own transaction; returns how many were issued and why others were not. A
    credit that corrects none gives back what is not invoiced yet: it nets on the month's
    invoice."""
    issued, problems = 0, []
    for credit in pending.correcting:
        outcome = issue_credit(credit, today)
        if isinstance(outcome, Invoice):
            issued += 1
        elif outcome:
            problems.append(outcome)
    return issued, problems


def issue_credit(credit: Credit, today: date) -> Invoice | str | None:
    """The credit note for one credit, committed: the note, None when a racing run issued
    it, or why it cannot be issued (the credit stays uninvoiced, listed by every run).

    The invoice it credits must be one it locked before its number. One issued since the
    invoices to lock were read (by a racing run, an admin) is picked unlocked: the note's
    INSERT would lock it (its foreign key) after the number, while an admin's note of it
    holds it and waits for the number (a deadlock on PostgreSQL). So the note gives its
    number back and starts again, locking that invoice too, a few times at most."""
    for _attempt in range(LOCK_ATTEMPTS):
        outcome = _try_credit(credit, today, _lock_invoices_charging(credit.first))
        if outcome is not RETRY:
            return outcome
    return (f"{credit.first.description}: invoices that charged it were being issued while "
            "its credit note was; run billing again to issue the note.")


def _try_credit(credit: Credit, today: date, locked_ids: set[int]) -> Invoice | str | None:
    """issue_credit once the invoices in `locked_ids` are locked; RETRY, rolled back, when
    the one to credit is not among them."""
    number = take_number(PROVIDER, "credit_note", today)  # the lock: all that follows is serial
    if db.session.scalar(select(InvoiceLine.id).where(InvoiceLine.charge_id.in_(credit.ids))):
        db.session.rollback()  # the number goes back: the series stays gap-free
        return None
    first = credit.first
    invoice = corrected_invoice(first.subscription_id, first.period_start, first.currency,
                                credit.amount)
    if invoice is None:
        db.session.rollback()
        given = buyer_money(-credit.amount, first.currency, first.buyer_reseller_id,
                            first.customer_id, first.market)
        return (f"{first.description}: its credit of {given} is "
                "more than the invoices that charged it can still be credited; correct them "
                "with a credit note by hand (Billing → Invoices).")
    if invoice.id not in locked_ids:
        db.session.rollback()  # the number goes back, and the invoice is locked next time
        return RETRY
    reason = f"{first.description} (B3): credits what {invoice.number} charged."
    note = credit_note(invoice, number, reason, today, _lines(credit.charges),
                       notes_of(invoice))
    db.session.add(note)
    db.session.commit()
    return note


def _lock_invoices_charging(first: Charge) -> set[int]:
    """Lock the invoices a credit may correct, by id, before the series: the invoice, then
    its number, as every credit note and payment does (billing.invoices), so a note an
    admin writes for one of them never waits for our series while we wait for it. Returns
    their ids."""
    ids = [i.id for i in invoices_charging(first.subscription_id, first.period_start,
                                           first.currency)]
    if ids:
        locked(select(Invoice.id).where(Invoice.id.in_(ids)).order_by(Invoice.id)
               .with_for_update())
    return set(ids)


def _lines(charges: tuple[Charge, ...]) -> list[InvoiceLine]:
    """The credit's charges as the note's lines, each charge's own amount (rounded once,
    B5) and its id, so the charge counts as invoiced and is never credited twice."""
    return [InvoiceLine(
        charge_id=c.id, customer_id=c.customer_id, customer_name=c.customer.company_name,
        subscription_id=c.subscription_id, subscription_label=_label(c),
        description=c.description, charge_type=c.charge_type, period_start=c.period_start,
        period_end=c.period_end, quantity=c.quantity, unit_price=c.unit_price,
        amount=c.amount, position=position) for position, c in enumerate(charges, start=1)]


def _label(charge: Charge) -> str:
    sub = db.session.get(Subscription, charge.subscription_id)
    return (sub.title if sub is not None and sub.title else charge.description)[:300]
