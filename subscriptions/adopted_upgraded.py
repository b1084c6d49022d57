"""R4 with B1: a subscription the hourly sync adopts already deleted in Partner Center
because every seat of it was upgraded there.

Bought in Partner Center and upgraded away entirely before any sync pass saw it (a
transition moved all its seats into a new subscription or one held, and left it "deleted"
without seats), it is not a cancellation: recorded as one (subscriptions.adopted_cancelled),
it was credited for seats the upgrade's target is charged for. It is the upgrade's source,
recorded as the sync records a held row's (subscriptions.seen_changes: one "upgrade" per
completed Conversion out of it, dated when it completed, billed as Microsoft's conversion),
so the target, adopted in the same pass or a later one, links to it and is charged the
conversion once (subscriptions.moved_in).

Only where the storefront bills it from its purchase (subscriptions.held): one bought before
its customer's tenant was linked (K11) was billed elsewhere, its upgrade too, and stays a
found cancellation, which billing charges nothing for (billing.missed_cycles).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from connectors.partner_center.transition_types import Transition
from persistence import as_utc
from subscriptions.held import bought_while_held
from subscriptions.models import Subscription
from subscriptions.seen_changes import DELETED, Seen, conversions, moves_since


def may_be_upgraded_away(remote: RemoteSubscription) -> bool:
    """Whether its transitions must be read (one GET): deleted without a seat left (a
    cancellation keeps its count)."""
    return remote.status == DELETED and remote.quantity == 0


def upgraded_away(sub: Subscription, transitions: Sequence[Transition],
                  now: datetime) -> list[Seen]:
    """The upgrades that moved every seat out of a row just adopted deleted without seats,
    oldest first, from the seats it held down to none; none when nothing moved, or where
    its cycles were billed elsewhere."""
    bought = as_utc(sub.purchased_at).astimezone(UTC).date()
    if sub.quantity or not bought_while_held(sub.customer_id, bought):
        return []
    moves = moves_since(sub, transitions, None, now)  # any: the mirror never saw it
    seats = sum(m.quantity for m in moves)
    return conversions(seats, moves, seats, now) if seats else []
