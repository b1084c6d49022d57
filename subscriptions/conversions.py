"""R4: a subscription "Upgrade now" made is coterminous with its source (transitions: "a
partial upgrade creates a subscription coterminous with its source"). Its "upgrade" event
keeps the source's running term, so billing charges it from the upgrade's day to the end of
the source's cycle and then on the source's dates, and a cancellation refunds what that
charged (subscriptions.upgrades records it, and subscriptions.sync for the subscription an
upgrade made in Partner Center itself; billing.billed and services.cancellation_quote read
it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from persistence import as_utc
from persistence.money import first_term_over
from subscriptions.models import Subscription


@dataclass(frozen=True)
class Conversion:
    """The day the upgrade made the subscription, and the first day and co-termed end of
    the source's term whose charge cycles it shares (`first_term_end`: the day that first
    term is over, as billing counts it, persistence.money.first_term_over; R6)."""

    on: date
    anchor: date
    first_term_end: date | None

    def as_data(self) -> dict:
        """What the new subscription's "upgrade" event keeps (its day is the event's)."""
        end = self.first_term_end
        return {"anchor": self.anchor.isoformat(),
                "first_term_end": end.isoformat() if end else None}


def conversion_of(at: datetime, data: dict | None) -> Conversion | None:
    """The conversion an "upgrade" event recorded at `at`, if it made its subscription."""
    if not (data and data.get("anchor")):
        return None
    end = data.get("first_term_end")
    return Conversion(as_utc(at).astimezone(UTC).date(), date.fromisoformat(data["anchor"]),
                      date.fromisoformat(end) if end else None)


def conversion(sub: Subscription) -> Conversion | None:
    """How an upgrade made this subscription, if one did."""
    return next((found for event in sub.events if event.kind == "upgrade"
                 and (found := conversion_of(event.at, event.data))), None)


def running_term(sub: Subscription, day: date) -> tuple[date, date | None]:
    """The first day of the term `sub` runs on `day`, from which its charge cycles count, and
    a co-termed first term's end (R6), as billing counts them (billing.billed): a
    subscription an upgrade creates shares them, so it is charged to the end of the source's
    running cycle and then on the source's dates (R4: coterminous with its source)."""
    if sub.renewed_on is not None and day >= sub.renewed_on:
        return sub.renewed_on, None
    line = sub.order_line
    # The day after the customTermEndDate (its last day), as billing counts it.
    return (as_utc(sub.purchased_at).astimezone(UTC).date(),
            first_term_over(line.custom_term_end) if line else None)
