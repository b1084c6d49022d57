"""O7: which enrollment accounts hold an Azure subscription, found by its id in any case
(rows kept before ids were stored in lower case may hold capitals; commitments.accounts),
through the index on lower(subscription_id) (migration 0059), not a scan of every one.
Read after commitments.records.locking.lock_subscription, which a racing addition or
conversion of the same id takes too, so that one of them sees the other's row."""

from __future__ import annotations

from sqlalchemy import func, select

from commitments.records import models
from persistence import db


def holders(subscription_id: str, chain: models.Enrollment | None = None) -> dict[int, str]:
    """Enrollment number by account id, for every account holding `subscription_id` (given
    in lower case): a renewal's accounts hold the subscriptions of the enrollment it renews.
    With `chain`, accounts of the enrollment it renews and of its renewals are left out
    (O9: one customer's enrollment carried into the next holds one subscription in both)."""
    held = models.AccountSubscription
    query = (select(held.account_id, models.Enrollment.number)
             .join(models.EnrollmentAccount, models.EnrollmentAccount.id == held.account_id)
             .join(models.Enrollment,
                   models.Enrollment.id == models.EnrollmentAccount.enrollment_id)
             .where(func.lower(held.subscription_id) == subscription_id)
             .order_by(held.id))
    if chain is not None:
        related = {chain.renewal_of_id, *(r.id for r in chain.renewals)} - {None}
        query = query.where(models.Enrollment.id.not_in(related))
    return dict(db.session.execute(query).tuples().all())


def enrolled_in(subscription_id: str) -> str | None:
    """The number of the first enrollment holding `subscription_id`, if any."""
    return next(iter(holders(subscription_id).values()), None)
