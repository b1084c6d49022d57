"""Custom term end dates (co-terming, R6): the end dates Partner Center allows for a new
purchase's first term (custom-term-end-dates).

Each allowed date is either the end of a calendar month or the end date of existing
subscriptions of the customer ("subscriptionAligned", naming them). The date goes into the
cart line's customTermEndDate (cart-resources: "the end date of the first billing term of
the new subscription"); that first term is shortened, and priced pro rata.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from connectors.partner_center import wire

CALENDAR_MONTH = "calendarMonthAligned"
SUBSCRIPTION = "subscriptionAligned"


@dataclass(frozen=True)
class CustomTermEndDate:
    """One allowed end date of a new subscription's first term, and what it aligns with."""

    kind: str  # calendarMonthAligned or subscriptionAligned
    end_date: date
    coterm_subscription_ids: tuple[str, ...] = ()

    @classmethod
    def from_wire(cls, data: Any) -> CustomTermEndDate | None:
        """Parse one item; None when its date is missing or unreadable."""
        moment = wire.timestamp(data, "allowedCustomTermEndDate")
        if moment is None:
            return None
        return cls(wire.text(data, "allowedCustomTermEndDateType"), moment.date(),
                   tuple(str(s) for s in wire.get(data, "cotermSubscriptionIds") or ()))


def wire_date(day: date) -> str:
    """A date as the docs write allowedCustomTermEndDate (midnight, no zone)."""
    return f"{day.isoformat()}T00:00:00"
