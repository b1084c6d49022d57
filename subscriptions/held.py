"""B1 with K11: whether the storefront held a subscription's customer when it was bought.

A subscription bought once the storefront held its customer is billed here from its
purchase (billing.missed_cycles); one bought before (an import's base, or a tenant its
customer had and linked later, K11) was billed elsewhere until adopted. The adoption of a
subscription already deleted in Partner Center asks it too (subscriptions.adopted_upgraded).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from accounts.models import Customer
from persistence import as_utc, db


def bought_while_held(customer_id: int, purchased_on: date) -> bool:
    """Whether the subscription was bought once the storefront held its customer: created
    here, and its tenant's control shown (K11) where it linked one the customer had."""
    since = db.session.execute(select(Customer.created_at, Customer.tenant_verified_at)
                               .where(Customer.id == customer_id)).one()
    held = max(as_utc(moment) for moment in since if moment is not None)
    return purchased_on >= held.date()
