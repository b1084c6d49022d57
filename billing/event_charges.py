"""B2/B3: the charges of seat changes, cancellations, conversions and approved refunds, made
in a month or seen by the sync in it (their sources: billing.charges)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select

from billing.billed import Billed, billed_subscriptions, charge_cycle, term_on
from billing.billed_history import SEAT_CHANGES, cancellation_days, midnight, utc_day
from billing.charge_rows import COLUMNS, charge_row
from billing.cycle_charges import cycles_of
from billing.made_by_upgrade import charged_as_a_purchase
from billing.missed_cycles import ADOPTED, billed_from_purchase, missed_months
from billing.models import Charge, ChargeType
from billing.periods import month_of
from persistence import as_utc, db
from persistence.money import charge_amount
from subscriptions.adopted_cancelled import FOUND
from subscriptions.conversions import conversion_of
from subscriptions.models import SubscriptionEvent
from subscriptions.support_models import SUPPORT_REFUND


def month_event_charges(first: date, last: date) -> Iterator[tuple]:
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
        for row in cycles_of(sub, first, until):
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
        yield charge_row(sub, f"{source}:refund", kind, label, -before, effective,
                      -charge_amount(effective, before, sub.currency), day, end, month=month)
    if after:
        yield charge_row(sub, f"{source}:charge", kind, label, after, effective,
                      charge_amount(effective, after, sub.currency), day, end, month=month)


def _cancellation(sub: Billed, quote: dict, day: date, month: str) -> tuple:
    """The credit the cancel page promised, as the cancellation stored it (S3, S6), billed
    in the month of the cancellation (or, seen late in Partner Center, of its seeing)."""
    start = date.fromisoformat(quote["period_start"])
    return charge_row(sub, f"cancel:sub:{sub.id}", ChargeType.CANCEL, f"Cancelled: {sub.title}",
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
    return charge_row(sub, source, kind, description, -cycle.quantity,
                   cycle.effective_unit_price, -cycle.amount, cycle.period_start,
                   cycle.period_end, unit_price=cycle.unit_price, currency=cycle.currency,
                   month=month)


def _support_refund(sub: Billed, approved: dict, day: date, month: str) -> tuple:
    """The refund a support request's approval granted (B3): a credit of exactly the amount
    approved, for the period it gives back, so an issued invoice gets a credit note naming
    it (billing.corrections); passed on at that amount on a reseller's re-invoice."""
    amount = Decimal(approved["amount"])
    start, end = _charged_period(sub.id, day)
    row = charge_row(sub, f"support:{approved['request']}", ChargeType.CUSTOMER_CREDIT,
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
