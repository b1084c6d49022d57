"""R2 renewal reminders: before each term ends, on each lead time the provider set (60, 30
and 7 days by default), the buyer's users get one in-app notification and one email saying
what renews, when and at what price, a scheduled change (R1) included; with autorenew off
the reminder says it will end instead, and what Microsoft does then (R3). The days it names
are Microsoft's (UTC days): the term's last day, or the next term's first, the same for
every recipient and the days the subscription page and Partner Center show.

Each reminder sent is a RenewalReminder row, unique per subscription, term end and lead
time, written in the same commit as its messages: the daily job sends each exactly once,
however often it runs. A day the job missed is caught up with the nearest lead time only
(a buyer seven days out gets the 7-day reminder, not the 60- and 30-day ones too).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from notifications import notify
from persistence import as_utc, db
from subscriptions import renewal_rules
from subscriptions.models import RenewalReminder, RenewalSettings, Subscription
from subscriptions.quotes import buyer_money
from subscriptions.renewals import describe, owners, quote_next_term
from subscriptions.rules import NO_TERM, SAME_TERM

MAX_DAYS, MAX_REMINDERS = 365, 6
DAYS_HELP = ("Reminder days: give whole days between 1 and 365 before the term's end, "
             "separated by commas (e.g. 60,30,7), at most six.")


def parse_days(text: str) -> tuple[int, ...]:
    """The lead times an admin typed ("60, 30, 7"), or ValueError naming the fix."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or len(parts) > MAX_REMINDERS or not all(p.isdigit() for p in parts):
        raise ValueError(DAYS_HELP)
    days = tuple(sorted({int(p) for p in parts}, reverse=True))
    if not all(1 <= d <= MAX_DAYS for d in days):
        raise ValueError(DAYS_HELP)
    return days


def save_days(text: str) -> tuple[int, ...]:
    """Store the lead times; committed."""
    days = parse_days(text)
    RenewalSettings.current().reminder_days = ",".join(str(d) for d in days)
    db.session.commit()
    return days


def lead_due(term_end: datetime, days: tuple[int, ...], now: datetime) -> int | None:
    """The nearest lead time already reached for this term end, or None (none yet, or the
    term has ended)."""
    if now >= term_end:
        return None
    reached = [d for d in days if now >= term_end - timedelta(days=d)]
    return min(reached) if reached else None


def _candidates(now: datetime, horizon: int):
    """Live recurring subscriptions whose term ends within the longest lead time."""
    return db.session.scalars(select(Subscription).where(
        Subscription.status == "active", Subscription.family.not_in(NO_TERM),
        Subscription.term_end > now, Subscription.term_end <= now + timedelta(days=horizon))
        .order_by(Subscription.id))


def _sent(sub: Subscription, term_end: datetime, lead: int) -> bool:
    return db.session.scalar(select(RenewalReminder.id).where(
        RenewalReminder.subscription_id == sub.id,
        RenewalReminder.term_end.between(term_end - SAME_TERM, term_end + SAME_TERM),
        RenewalReminder.days_before == lead)) is not None


def message(sub: Subscription) -> tuple[str, str]:
    """Subject and text of the reminder: what renews, when (the day the next term begins,
    the day after the last), at what price; or, autorenew off, the term's last day."""
    who = f"{sub.title} for {sub.customer.company_name}"
    if not sub.autorenew:
        ends = sub.last_day.isoformat()
        return (f"{sub.title} ends on {ends}",
                f"{who} ends on {ends}: autorenew is off. {renewal_rules.AT_TERM_END}")
    ends = as_utc(sub.term_end).date().isoformat()  # the day after the last, in UTC
    quote = quote_next_term(sub)
    price = (f" at {buyer_money(sub, quote.total, quote.currency)} per billing cycle"
             if quote.total is not None else "")
    planned = " (the change you scheduled)" if sub.next_term else ""
    return (f"{sub.title} renews on {ends}",
            f"{who} renews on {ends} for {describe(quote.change)}{planned}{price}. Change "
            "the licenses, term or billing, or turn autorenew off, before that day.")


def _remind(sub: Subscription, term_end: datetime, lead: int, now: datetime) -> bool:
    """Send one reminder and record it, in one commit; False when another run did."""
    users = owners(sub)
    if users:
        subject, text = message(sub)
        notify(users, subject, text, f"/subscriptions/{sub.id}")
    db.session.add(RenewalReminder(subscription_id=sub.id, term_end=term_end,
                                   days_before=lead, sent_at=now))
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent run recorded it first: its messages stand
        db.session.rollback()
        return False
    return True


def run_daily(now: datetime | None = None) -> int:
    """R2: send the reminders due now; answers how many were sent."""
    at = as_utc(now) or datetime.now(UTC)
    days = RenewalSettings.current().days
    sent = 0
    for sub in list(_candidates(at, max(days))):
        term_end = as_utc(sub.term_end)
        lead = lead_due(term_end, days, at)
        if lead is not None and not _sent(sub, term_end, lead):
            sent += _remind(sub, term_end, lead, at)
    db.session.commit()  # the settings row, when first made
    return sent
