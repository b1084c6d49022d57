"""O8: suspension disables services, so an enrollment's subscriptions follow its status.

Seed 000: "Once enrollments suspended, all services will be disabled"; dunning ends in
"Agreement or/and Subscription Termination"; "once exceed 90 days' period, all the data will
be de-provisioned ... even with reactivation afterwards". Each subscription of the
enrollment's accounts is therefore suspended with it, terminated with it (or when it expires),
marked deprovisioned when its data goes, and active again on reactivation, with the day each
change happened, so the enrollment and subscription pages show it.
"""

from __future__ import annotations

from datetime import date

from commitments.enrollment import Status
from commitments.records import models

ACTIVE, SUSPENDED, TERMINATED, DEPROVISIONED = "active", "suspended", "terminated", "deprovisioned"
_FOLLOWS = {
    Status.ACTIVE: ACTIVE,
    Status.SUSPENDED: SUSPENDED,
    Status.TERMINATED: TERMINATED,
    Status.EXPIRED: TERMINATED,
}


def subscription_status(row: models.Enrollment) -> str:
    """What the enrollment's subscriptions are while it is in its current status."""
    if row.deprovision_marked_on is not None and row.status != Status.ACTIVE:
        return DEPROVISIONED
    return _FOLLOWS.get(Status(row.status), ACTIVE)


def follow(row: models.Enrollment, on: date | None) -> None:
    """Set every subscription of the enrollment to the status it now implies, dated `on`."""
    target = subscription_status(row)
    for account in row.accounts:
        for subscription in account.subscriptions:
            if subscription.status != target:
                subscription.status, subscription.status_since = target, on
