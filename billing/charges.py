"""B1–B3: the charges one billing month owes, derived from what happened, each exactly once.

Every charge carries a `source`, the unique key of the event it bills, so a run repeated
(or two runs at once) meets the key and adds nothing:

- ``sub:<id>:<YYYY-MM-DD>``: a charge cycle starting that day (B1): ``new`` at purchase,
  ``renew`` at the start of a later term, ``cycleCharge`` for the next month (or year) of
  a term billed more often than once, ``oneTime`` for perpetual software. A cycle of a
  subscription the sync adopted (or linked as an upgrade's target) after a run charged
  its day is charged, under the same key, by the run of the month it was seen in
  (billing.missed_cycles).
- ``add:<event id>:refund|charge``: seats added mid-term (B2), Microsoft's "wipe and
  recreate": the old seat count refunded and the new one charged, from the day of the
  change to the end of the charge cycle.
- ``remove:<event id>:refund|charge``: seats removed within their 7 days (B3), the same
  pair with ``removeQuantity``.
- ``add|remove|convert:<event id>:<YYYY-MM-DD>:refund|charge``: a change made in Partner
  Center before a charge cycle starting that day, which a run charged at the old count
  before the hourly sync saw the change: the same pair for that whole cycle, so the cycle
  is charged at the count Partner Center held (B2/B3).
- ``convert:<event id>:refund|charge``: seats an upgrade moved (R4), Microsoft's conversion
  (``convert``): the same pair on the source (its seats before refunded, those left
  charged) and on the subscription they moved into, to the end of the source's running
  cycle, which the new subscription shares (coterminous with its source); a side with no
  seats has no line. On a new subscription a run charged as a purchase of its own before
  the sync saw the upgrade, ``convert:<event id>:<YYYY-MM-DD>:refund`` gives back whole
  the cycle charged as a purchase starting that day (billing.made_by_upgrade).
- ``cancel:sub:<id>``: the cancellation credit (B3, S3/S6): exactly the quote the page
  showed and the cancellation stored, never recomputed (one the sync adopted already
  cancelled is credited only where its cycles are billed here, subscriptions.
  adopted_cancelled); ``cancel:sub:<id>:<YYYY-MM-DD>``:
  a later cycle a run charged before the sync saw a cancellation made in Partner Center
  before it began, credited whole.
- ``support:<request id>``: a refund the provider approved by support request where online
  cancellation is refused (S3/S5/S6): the amount approved, as a ``customerCredit`` for the
  charge period it gives back (the latest one charged by the day of the approval).

The buyer's price is the unit price on the order line, which is what the storefront showed
the buyer, until a renewal: from its day on, the renewed term's price the sync recorded (the
one the renewal reminder promised, R1/R2), over cycles counted from the renewal. Either is
retail for a direct customer, the provider's price to the reseller (cost plus
its markup) for a reseller's customer; `retail_unit_price` adds the end customer's retail
price to a reseller's charges for its own re-invoicing. Charge types, cycles and proration:
https://learn.microsoft.com/en-us/partner-center/billing/common-billing-scenarios-onetime-recurring
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import and_, func, or_, select

from billing import bulk
from billing.billed import (
    SEAT_CHANGES,
    Billed,
    before_renewal,
    billed_subscriptions,
    cancellation_days,
    charge_cycle,
    midnight,
    renewed_terms,
    term_on,
    utc_day,
)
from billing.bulk import Cycle
from billing.made_by_upgrade import charged_as_a_purchase
from billing.missed_cycles import ADOPTED, billed_from_purchase, missed_months
from billing.models import Charge, ChargeType
from billing.periods import month_of, parse_month
from persistence import as_utc, db, utcnow
from persistence.money import add_months, charge_amount
from subscriptions.adopted_cancelled import FOUND
from subscriptions.conversions import conversion_of
from subscriptions.models import SubscriptionEvent
from subscriptions.support_models import SUPPORT_REFUND

BATCH = 2000
COLUMNS = ("source", "buyer_reseller_id", "customer_id", "subscription_id", "order_line_id",
           "pc_subscription_id", "charge_type", "description", "quantity", "unit_price",
           "retail_unit_price", "effective_unit_price", "amount", "currency", "market",
           "period_start", "period_end", "billing_month", "created_at")


def generate_charges(month: str, today: date) -> int:
    """Add the month's missing charges (in batches, each committed); returns how many.

    Most cycle charges are added by one INSERT … SELECT (billing.bulk); the subscriptions
    whose charge needs more than it knows (seat changes this month, cancellations, a term
    that ends, perpetual software, no order line) are charged row by row below."""
    first, last = parse_month(month)
    before = _count(month)
    bulk.insert_cycle_charges(month, first, min(last, today), cycle_in_month)
    db.session.commit()
    for batch in _batches(_cycle_charges(first, last, today)):
        _insert_missing(batch)
        db.session.commit()
    for batch in _batches(_event_charges(first, min(last, today))):
        _insert_missing(batch)
        db.session.commit()
    return _count(month) - before


def _count(month: str) -> int:
    return db.session.scalar(select(func.count(Charge.id)).where(Charge.billing_month == month))


def _batches(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_missing(rows: list[tuple]) -> None:
    """INSERT … ON CONFLICT (source) DO NOTHING: a charge already there stays as it is.

    Sent to the driver as one executemany with each value passed through its column's own
    bind processing (Money's exact text on SQLite, dates). A month's charges repeat a few
    prices, amounts and days thousands of times, so each distinct value is processed once
    per batch (the memo lives as long as the batch: memory stays flat)."""
    connection = db.session.connection()
    dialect = connection.dialect
    processors = [(i, _memo(process)) for i, name in enumerate(COLUMNS[:-1]) if (
        process := _bind(name, dialect)) is not None]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = (f"INSERT INTO charges ({', '.join(COLUMNS)}) VALUES "  # noqa: S608 - constants
                 f"({', '.join([mark] * len(COLUMNS))}) ON CONFLICT (source) DO NOTHING")
    created = _bind("created_at", dialect)
    now = utcnow()
    now = (created(now) if created else now,)  # the same moment for the whole batch
    params = []
    for row in rows:
        values = list(row)
        for i, process in processors:
            values[i] = process(values[i])
        params.append((*values, *now))
    connection.exec_driver_sql(statement, params)


def _bind(column: str, dialect):
    """The column's bind processing as the ORM applies it: the dialect's own type (Money is
    text on SQLite; the bare TypeDecorator would hand its Numeric impl a float)."""
    type_ = Charge.__table__.c[column].type
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _memo(process):
    """`process` remembering its answer per value (Decimals and dates hash by value)."""
    seen: dict = {}

    def processed(value):
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = process(value)
            return result
        except TypeError:  # unhashable: nothing to remember
            return process(value)

    return processed


# --- charge cycles (B1) --------------------------------------------------------------------

def _cycle_charges(first: date, last: date, today: date) -> Iterator[tuple]:
    """The charge of every cycle starting this month (up to today), one per subscription
    that the bulk INSERT … SELECT (billing.bulk) leaves to this code: its terms as bought
    until its first renewal, then each renewed term as the sync recorded it (R1)."""
    ends = cancellation_days()
    for sub in billed_subscriptions(first, last, ends, where=~bulk.plain(first)):
        yield from _cycles_of(sub, first, min(last, today))


def _cycles_of(sub: Billed, first: date, until: date) -> Iterator[tuple]:
    """The subscription's cycle charges from `first` to `until` (one month)."""
    yield from _bought_terms_charges(before_renewal(sub), first, until)
    for term in renewed_terms(sub):
        yield from _terms_from(term, term.purchased_on, first, until)


def _bought_terms_charges(sub: Billed, first: date, until: date) -> Iterator[tuple]:
    if sub.first_term_end is not None:
        yield from _coterm_charges(sub, first, until)
        return
    cycle = cycle_in_month(sub.purchased_on, sub.months, sub.term_months, sub.perpetual,
                           first, until)
    if cycle is not None and not _not_charged(sub, cycle.start):
        yield _cycle_charge(sub, cycle)


def _coterm_charges(sub: Billed, first: date, until: date) -> Iterator[tuple]:
    """R6: a co-termed subscription's first term runs from the purchase to its custom end,
    charged once at the amount the cart quoted (persistence.money.cycle_on, the same
    proration as shortened_term_amount), its effective unit price the term's prorated one;
    its later terms are whole ones from that end on."""
    end = sub.first_term_end
    if first <= sub.purchased_on <= until and not _not_charged(sub, sub.purchased_on):
        quantity = sub.quantity_on(sub.purchased_on)
        term = charge_cycle(sub, sub.purchased_on)
        yield _charge(sub, f"sub:{sub.id}:{sub.purchased_on.isoformat()}", ChargeType.NEW,
                      sub.title, quantity, term.price, term.amount(quantity, sub.currency),
                      term.start, term.end)
    yield from _terms_from(sub, end, first, until)


def _terms_from(sub: Billed, start: date, first: date, until: date) -> Iterator[tuple]:
    """The cycle this month of whole terms renewed from `start` on (their first is a
    renewal), at the subscription's unit price."""
    cycle = cycle_in_month(start, sub.months, sub.term_months, False, first, until)
    if cycle is None or _not_charged(sub, cycle.start):
        return
    kind = ChargeType.RENEW if cycle.kind == ChargeType.NEW else cycle.kind
    yield _cycle_charge(sub, Cycle(kind, cycle.start, cycle.end))


def cycle_in_month(purchased_on: date, months: int, term_months: int, perpetual: bool,
                   first: date, until: date) -> Cycle | None:
    """The charge cycle of a subscription bought that day that starts in the month of
    `first` no later than `until`, if one does: its kind, first and last day (cycles start
    on the purchase's day of the month, persistence.money)."""
    elapsed = (first.year - purchased_on.year) * 12 + first.month - purchased_on.month
    if elapsed < 0 or elapsed % months or (perpetual and elapsed):
        return None
    start = add_months(purchased_on, elapsed)
    if start > until:
        return None
    if perpetual:
        return Cycle(ChargeType.ONE_TIME, start, start)
    kind = (ChargeType.NEW if elapsed == 0 else ChargeType.RENEW
            if elapsed % term_months == 0 else ChargeType.CYCLE)
    return Cycle(kind, start, add_months(purchased_on, elapsed + months) - timedelta(days=1))


def _not_charged(sub: Billed, start: date) -> bool:
    """A cycle starting after the subscription ended, or (R4) one an upgrade's new
    subscription shares with its source that began by the upgrade's day: the conversion
    charges the rest of it."""
    return (sub.billed_until is not None and start > sub.billed_until) or (
        sub.converted_on is not None and start <= sub.converted_on)


def _cycle_charge(sub: Billed, cycle: Cycle) -> tuple:
    """The charge of one cycle, at the seats it began with."""
    quantity = sub.quantity_on(cycle.start)
    return _charge(sub, f"sub:{sub.id}:{cycle.start.isoformat()}", cycle.kind, sub.title,
                   quantity, sub.unit_price,
                   _full_cycle(sub.unit_price, quantity, sub.currency), cycle.start, cycle.end)


@lru_cache(maxsize=65536)
def _full_cycle(unit_price: Decimal, quantity: int, currency: str) -> Decimal:
    """A full cycle's amount (B5), the same for every subscription of that price and seat
    count: computed once per run of them, not once per subscription."""
    return charge_amount(unit_price, quantity, currency)


# --- seat changes and cancellations (B2, B3) -----------------------------------------------

def _event_charges(first: date, last: date) -> Iterator[tuple]:
    """The charges of seat changes and cancellations made this month, and of those made
    earlier that the hourly sync saw in Partner Center only this month (`_seen_late`),
    all on this month's invoice."""
    end = midnight(last + timedelta(days=1))
    events = db.session.execute(
        select(SubscriptionEvent.id, SubscriptionEvent.subscription_id, SubscriptionEvent.at,
               SubscriptionEvent.kind, SubscriptionEvent.data)
        .where(SubscriptionEvent.kind.in_((*SEAT_CHANGES, "cancel", SUPPORT_REFUND, ADOPTED)),
               SubscriptionEvent.at < end,
               or_(SubscriptionEvent.at >= midnight(first), _seen_late(first, last)))
        .order_by(SubscriptionEvent.id)).all()
    ids = {e.subscription_id for e in events}
    # Their cancellation days: no cycle a catch-up charges begins after one (B1/S3).
    subs = {s.id: s for s in billed_subscriptions(None, None, cancellation_days(ids), ids=ids)}
    for event in events:
        sub = subs.get(event.subscription_id)
        if sub is not None and event.data:
            yield from _event_charge(sub, event, month_of(first))


def event_charges(sub: Billed, event) -> list[tuple]:
    """The charges one history event owes (COLUMNS order, without created_at), as a run
    adds them: none for an event billing does not charge. The subscription page states
    their sum beside the event, so it says what the invoice will (B5)."""
    if sub.id != event.subscription_id or not event.data:
        return []
    return list(_event_charge(sub, event, month_of(utc_day(event.at))))


def _seen_late(first: date, last: date):
    """B2/B3: a change made in Partner Center is dated when it took effect there
    (subscriptions.seen_changes), which may be in a month a run charged before the sync
    saw it; it is charged by the month it was seen in (its data's `seen_at`), so the next
    run bills it, still from its own day. Its charge keys keep it charged once: a run of
    its own month that came after the sync charged it already. (ISO text compares as
    the moments do: seen_at is always written in UTC.)"""
    seen = SubscriptionEvent.data["seen_at"].as_string()
    return and_(SubscriptionEvent.at < midnight(first), seen >= first.isoformat(),
                seen < (last + timedelta(days=1)).isoformat())


def _event_charge(billed: Billed, event, month: str) -> Iterator[tuple]:
    data, day = event.data, utc_day(event.at)
    sub = term_on(billed, day)  # a renewed term's seats are priced at its price (R1)
    if event.kind == ADOPTED:  # an upgrade's target catches up by its conversion (R4)
        if billed.converted_on is None and billed_from_purchase(billed, data):
            yield from _missed_cycles(billed, data, month)
    elif event.kind == "cancel":
        if data.get(FOUND) and not billed_from_purchase(billed, data):
            return  # found cancelled when adopted: billed elsewhere, its credit too
        yield _cancellation(sub, data, day, month)
        for cycle in _charged_before_seen(billed, day, data):
            yield _later_cycle_cancelled(term_on(billed, cycle.period_start), cycle, month)
    elif event.kind == SUPPORT_REFUND:
        yield _support_refund(sub, data, day, month)
    elif data.get("after", 0) != data.get("before", 0) and not sub.perpetual:
        kind, prefix = _seat_change_kind(event.kind, data["before"], data["after"])
        source = f"{prefix}:{event.id}"
        yield from _seat_change(sub, source, kind, data["before"], data["after"], day, month)
        if conversion_of(event.at, data) is not None:  # R4: the upgrade made the subscription
            yield from _purchase_given_back(billed, source, month)
            yield from _missed_cycles(billed, data, month)
            return
        for cycle in _charged_before_seen(billed, day, data):
            start = cycle.period_start
            yield from _seat_change(term_on(billed, start), f"{source}:{start.isoformat()}",
                                    kind, data["before"], data["after"], start, month)


def _missed_cycles(sub: Billed, data: dict, month: str) -> Iterator[tuple]:
    """B1/R4: the cycles runs charged the days of before the sync saw the subscription
    (billing.missed_cycles), each under its own key, billed in `month`."""
    for first, until in missed_months(data.get("seen_at"), sub.purchased_on):
        for row in _cycles_of(sub, first, until):
            yield (*row[:-1], month)


def _charged_before_seen(sub: Billed, day: date, data: dict) -> list[Charge]:
    """B2/B3: the charges of the later cycles a run charged before the hourly sync saw a
    change Partner Center made on `day` (its `seen_at`), oldest first. Each was charged as
    the mirror stood, before the change, so the change is charged for each whole cycle too
    (a seat change's pair from the cycle's first day; a cancellation credits it), once: a
    cycle charged after the sync saw it was charged as the mirror knew it and needs
    nothing."""
    seen = data.get("seen_at")
    if seen is None:  # the storefront's own change: made when recorded, never late
        return []
    seen = datetime.fromisoformat(seen)
    starts, start = [], charge_cycle(sub, day).end + timedelta(days=1)
    while start <= seen.astimezone(UTC).date():
        starts.append(start)
        start = charge_cycle(sub, start).end + timedelta(days=1)
    if not starts:
        return []
    cycles = db.session.scalars(select(Charge).where(
        Charge.source.in_([f"sub:{sub.id}:{s.isoformat()}" for s in starts]))).all()
    return sorted((c for c in cycles if as_utc(c.created_at) < seen),
                  key=lambda c: c.period_start)


def _seat_change_kind(event_kind: str, before: int, after: int) -> tuple[str, str]:
    """The charge type of a seat change and its charges' source prefix."""
    if event_kind == "upgrade":  # R4: Microsoft's conversion, on both subscriptions
        return ChargeType.CONVERT, "convert"
    if after > before:
        return ChargeType.ADD_QUANTITY, "add"
    return ChargeType.REMOVE_QUANTITY, "remove"


def _seat_change(sub: Billed, source: str, kind: str, before: int, after: int,
                 day: date, month: str) -> Iterator[tuple]:
    """Microsoft's pair: the old seats refunded and the new count charged, day → cycle end
    (no line for no seats: an upgrade's new subscription had none before, its emptied
    source has none after), billed in `month`."""
    cycle = charge_cycle(sub, day)
    effective, end = cycle.rest(day), cycle.end
    label = f"{sub.title}: {before} → {after} licenses"
    if kind == ChargeType.CONVERT:
        label += " (upgrade)"
    if before:
        yield _charge(sub, f"{source}:refund", kind, label, -before, effective,
                      -charge_amount(effective, before, sub.currency), day, end, month=month)
    if after:
        yield _charge(sub, f"{source}:charge", kind, label, after, effective,
                      charge_amount(effective, after, sub.currency), day, end, month=month)


def _cancellation(sub: Billed, quote: dict, day: date, month: str) -> tuple:
    """The credit the cancel page promised, as the cancellation stored it (S3, S6), billed
    in the month of the cancellation (or, seen late in Partner Center, of its seeing)."""
    start = date.fromisoformat(quote["period_start"])
    return _charge(sub, f"cancel:sub:{sub.id}", ChargeType.CANCEL, f"Cancelled: {sub.title}",
                   -int(quote["quantity"]), Decimal(quote["effective_unit_price"]),
                   -Decimal(quote["amount"]), start,
                   date.fromisoformat(quote["period_end"]),
                   unit_price=Decimal(quote["unit_price"]), currency=quote["currency"],
                   month=month)


def _later_cycle_cancelled(sub: Billed, cycle: Charge, month: str) -> tuple:
    """S3/B3: a cycle that began after a cancellation made in Partner Center, charged
    before the sync saw it: credited whole, as charged (the cancellation's quote credits
    only the cycle it was made in)."""
    return _given_back(sub, cycle, f"cancel:sub:{sub.id}:{cycle.period_start.isoformat()}",
                       ChargeType.CANCEL, f"Cancelled: {sub.title}", month)


def _purchase_given_back(billed: Billed, source: str, month: str) -> Iterator[tuple]:
    """R4: the cycles a run charged a subscription an upgrade made as a purchase of its own,
    before the sync saw the upgrade, each credited whole as its own type and period
    (billing.made_by_upgrade): the conversion charges its seats instead."""
    for cycle in charged_as_a_purchase(billed):
        start = cycle.period_start
        yield _given_back(term_on(billed, start), cycle, f"{source}:{start.isoformat()}:refund",
                          cycle.charge_type, f"{billed.title}: charged as a purchase before "
                          "its upgrade was seen, billed as the upgrade's (R4)", month)


def _given_back(sub: Billed, cycle: Charge, source: str, kind: str, description: str,
                month: str) -> tuple:
    """A cycle's charge credited whole, as charged (a credit note names its invoice, B4)."""
    return _charge(sub, source, kind, description, -cycle.quantity,
                   cycle.effective_unit_price, -cycle.amount, cycle.period_start,
                   cycle.period_end, unit_price=cycle.unit_price, currency=cycle.currency,
                   month=month)


def _support_refund(sub: Billed, approved: dict, day: date, month: str) -> tuple:
    """The refund a support request's approval granted (B3): a credit of exactly the amount
    approved, for the period it gives back, so an issued invoice gets a credit note naming
    it (billing.corrections); passed on at that amount on a reseller's re-invoice."""
    amount = Decimal(approved["amount"])
    start, end = _charged_period(sub.id, day)
    row = _charge(sub, f"support:{approved['request']}", ChargeType.CUSTOMER_CREDIT,
                  f"Refund by support request {approved['number']}: {sub.title}", -1,
                  amount, -amount, start, end, unit_price=amount,
                  currency=approved["currency"], month=month)
    retail = COLUMNS.index("retail_unit_price")  # none: the approved amount is the amount
    return (*row[:retail], None, *row[retail + 1:])


def _charged_period(subscription_id: int, day: date) -> tuple[date, date]:
    """The latest period charged for the subscription that began by `day` (what a refund
    gives back), else the day alone."""
    found = db.session.execute(
        select(Charge.period_start, Charge.period_end)
        .where(Charge.subscription_id == subscription_id, Charge.amount > 0,
               Charge.period_start <= day)
        .order_by(Charge.period_start.desc(), Charge.id.desc()).limit(1)).first()
    return (found.period_start, found.period_end) if found else (day, day)


def _charge(sub: Billed, source: str, kind: str, description: str, quantity: int,
            effective: Decimal, amount: Decimal, start: date, end: date, *,
            unit_price: Decimal | None = None, currency: str | None = None,
            month: str | None = None) -> tuple:
    """One charge's values in COLUMNS order (created_at is added when inserted)."""
    return (source, sub.reseller_id, sub.customer_id, sub.id, sub.order_line_id,
            sub.pc_subscription_id, kind, description[:300], quantity,
            sub.unit_price if unit_price is None else unit_price, sub.retail_unit_price,
            effective, amount, currency or sub.currency, sub.market, start, end,
            month or month_of(start))
