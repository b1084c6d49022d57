"""O5 usage per account and subscription: attribution, the customer's periodic notification
choice, and the detailed usage rows the export writes.

Seed 000 (Enterprise Portal): "summary-level visibility of service usage and costs across all
accounts and subscriptions", "periodic usage notifications (daily, weekly, or monthly)" and
"ability to download detailed usage records and view costs at the account and subscription
levels". Usage is attributed to a subscription of one of the enrollment's accounts (the
account follows from it); a suspended or terminated subscription has no service, so no usage
is recorded for it from the day it stopped (O8).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from commitments.accounts import normalise_subscription_id
from commitments.money import to_money
from commitments.notices import UsageFrequency
from commitments.problems import CommitmentRefused, problem
from commitments.records import models
from commitments.records.subscription_states import ACTIVE
from persistence import db

EXPORT_HEADER = ("Date", "Account", "Account owner", "Subscription", "Meter", "Quantity",
                 "Unit price (RMB)", "Charge (RMB, excl. tax)")


def set_usage_frequency(row: models.Enrollment, frequency: UsageFrequency | None) -> None:
    """Store the customer's choice of periodic usage notification; None stops them."""
    row.usage_frequency = frequency.value if frequency else None
    db.session.commit()


def subscriptions_of(row: models.Enrollment) -> list[models.AccountSubscription]:
    """Every subscription of the enrollment's accounts, account by account."""
    return [s for account in row.accounts for s in account.subscriptions]


def find_subscription(row: models.Enrollment, subscription_id: str):
    """The enrollment's subscription with this id in any case (O7), or None. Any text is
    looked for, not only a GUID: a row kept before ids were checked is found by its id."""
    typed = normalise_subscription_id(subscription_id)
    return next((s for s in subscriptions_of(row)
                 if normalise_subscription_id(s.subscription_id) == typed), None)


def check_subscription(row: models.Enrollment, subscription, used_on: date) -> None:
    """Refuse usage for another enrollment's subscription or one stopped on that day (O5, O8)."""
    if subscription is None:
        return
    if subscription not in subscriptions_of(row):
        message = "The subscription is not in one of this enrollment's accounts."
        raise CommitmentRefused([problem("O5", "subscription_not_in_enrollment", message,
                                         "subscription")])
    since = subscription.status_since
    if subscription.status != ACTIVE and (since is None or used_on >= since):
        message = (f"Subscription {subscription.subscription_id} is {subscription.status}"
                   f" since {since}: it has no service, so it has no usage.")
        raise CommitmentRefused([problem("O8", "subscription_not_active", message,
                                         "subscription")])


@dataclass(frozen=True)
class UsageLine:
    """One detailed usage record as exported: where it was used, what and what it cost."""

    used_on: date
    account: str
    owner: str
    subscription: str
    meter: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        """The exact cost, unrounded: totals add these and round once (B5)."""
        return self.quantity * self.unit_price

    @property
    def charge(self) -> Decimal:
        """The cost of this one line as shown and exported, in fen."""
        return to_money(self.amount)

    def cells(self) -> tuple:
        return (self.used_on.isoformat(), self.account, self.owner, self.subscription,
                self.meter, self.quantity, self.unit_price, self.charge)


def usage_lines(
    row: models.Enrollment,
    account: models.EnrollmentAccount | None = None,
    subscription: models.AccountSubscription | None = None,
) -> Iterator[UsageLine]:
    """The enrollment's usage records, or only an account's or a subscription's, by day."""
    for record in row.usage:
        used_in = record.subscription
        if subscription is not None and used_in is not subscription:
            continue
        if account is not None and (used_in is None or used_in.account is not account):
            continue
        owner = used_in.account if used_in is not None else None
        yield UsageLine(record.used_on, owner.name if owner else "", owner.owner if owner else "",
                        used_in.subscription_id if used_in else "", record.meter,
                        record.quantity, record.unit_price)


def lines_total(lines: Iterable[UsageLine]) -> Decimal:
    """What the lines cost together: exact amounts summed, rounded once to fen (B5)."""
    return to_money(sum((line.amount for line in lines), start=Decimal(0)))


def totals_by_subscription(row: models.Enrollment) -> dict[int, Decimal]:
    """What each subscription's usage cost, by AccountSubscription id (O5 summary view)."""
    lines: dict[int, list[UsageLine]] = {}
    for line, record in zip(usage_lines(row), row.usage, strict=True):
        if record.subscription_id is not None:
            lines.setdefault(record.subscription_id, []).append(line)
    return {subscription: lines_total(found) for subscription, found in lines.items()}
