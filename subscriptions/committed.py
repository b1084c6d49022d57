"""A subscription as committed: its row locked until the commit (persistence.locks), then
read again, so a change a racing request committed meanwhile is counted first, and once.

The storefront's own changes read what they record from this way (a seat change's seats
before it, a cancellation, a support request), and so does the hourly sync before it bills
a change it sees on a row (subscriptions.mirrored_at)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from persistence import db
from persistence.locks import locked
from subscriptions.models import Subscription


def committed(sub: Subscription, attribute: str):
    """`sub`'s attribute as committed, read under the subscription's lock, held until the
    commit: a racing request's change of it is counted first."""
    reread(sub, [attribute])
    return getattr(sub, attribute)


def reread(sub: Subscription, attributes: Sequence[str] | None = None) -> None:
    """Lock `sub`'s row until the commit and read `attributes` again (all when None) as
    committed. Nothing is flushed first: the caller has not changed `sub` yet."""
    with db.session.no_autoflush:
        locked(select(Subscription.id).where(Subscription.id == sub.id).with_for_update())
        db.session.refresh(sub, attributes)
