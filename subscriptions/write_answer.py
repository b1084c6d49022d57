"""S2/B2/B3: a storefront write (autorenew, a suspension, a next-term schedule) mirrors
Partner Center's answer, and that answer may show what someone changed in Partner Center
itself since the hourly sync last saw the row: seats added or removed there, a renewal.

The mirror copies every watched attribute and stamps the row (subscriptions.mirrored_at),
so the next pass found the row as Partner Center shows it and saw no change: five seats
added in Partner Center's portal before a customer switched autorenew here were never
charged, seats removed there never credited. The write judges the answer as the sync
judges its list (subscriptions.sync.mirror_seen: the same events, marked seen, with the
row's transitions read when its seats changed), in the write's own commit; the row then
holds what was billed, so the next pass sees nothing more and each change is billed once.

R4: seats that left the row may be an upgrade made in Partner Center, which only the
row's transitions tell. When Partner Center does not answer for them the write does what
the sync does (subscriptions.transition_reads): the seats wait for the next pass. Judged
without them, seats an upgrade moved were credited as removed (B3). The write copies its
own change (autorenew, a suspension, the next-term schedule) and leaves the seats, the
term and the row's `synced_at` as last seen: stamped now, the next pass would read the
conversion as made before the row was last seen, and the seats as removed after all. A
pass whose list predates the write may then copy that list's autorenew or status over the
write's (not billed; the pass after puts it back). A seat change, judged on Partner
Center's seats (S2, `mirror_read`), is refused as when the read itself is not answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from connectors.partner_center import PartnerCenterClient
from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from connectors.partner_center.transition_types import Transition
from persistence import db
from subscriptions.committed import reread
from subscriptions.errors import SubscriptionRefused
from subscriptions.mirror import mirror_own_change
from subscriptions.mirrored_at import shown_otherwise
from subscriptions.models import Subscription
from subscriptions.moved_in import awaiting
from subscriptions.rules import PERPETUAL, Refusal
from subscriptions.seen_changes import may_have_moved
from subscriptions.sync import mirror_seen
from subscriptions.transition_reads import read_transitions

TRANSITIONS_UNANSWERED = "PC.transitions_unanswered"


def mirror_answer(sub: Subscription, remote: RemoteSubscription,
                  client: PartnerCenterClient) -> list[str]:
    """Mirror the write's answer, writing first what Partner Center changed itself as the
    sync would (module doc); answers the changes, in words. Seats whose transitions
    Partner Center does not answer are left for the sync's next pass (module doc)."""
    return _mirror_judged(sub, remote, _moves(sub, remote, client))


def _mirror_judged(sub: Subscription, remote: RemoteSubscription,
                   moves: Sequence[Transition] | None) -> list[str]:
    """`mirror_answer` with the row's transitions read (`_moves`)."""
    if moves is None:
        mirror_own_change(sub, remote)
        return []
    return mirror_seen(sub, remote, datetime.now(UTC), moves, awaiting(sub.tenant_id))


def mirror_read(sub: Subscription, remote: RemoteSubscription,
                client: PartnerCenterClient) -> None:
    """S2/B2: a seat change is judged on Partner Center's seats, not the row's: 5 added in
    its portal since the last pass made 10 → 12 an addition of 2 (charged from today) where
    Partner Center removed 3 of 15. What it changed itself (`remote`, just read) is written
    as billed first, in its own commit, under the row's lock: a racing request or pass that
    recorded it already is counted, never twice, and it stays written if S2 then refuses."""
    # The seats still removable alone are left to the PATCH, which Partner Center judges
    # itself (its refusal is S2's, subscriptions.services).
    if not shown_otherwise(sub, remote, removable=False):
        return
    reread(sub)
    if shown_otherwise(sub, remote, removable=False):
        moves = _moves(sub, remote, client)
        if moves is None:
            db.session.rollback()
            raise SubscriptionRefused(Refusal(
                "PC", TRANSITIONS_UNANSWERED, "Nothing was changed: licenses left this "
                "subscription in Partner Center, and Partner Center did not say whether an "
                "upgrade moved them, so the count it holds cannot be judged yet. Try again "
                "in a few minutes."))
        _mirror_judged(sub, remote, moves)
    db.session.commit()


def read_first(sub: Subscription, client: PartnerCenterClient,
               request_id: str | None = None) -> None:
    """S2/S3/R4/B2: a seat change and an upgrade are judged, and a cancellation quoted, on
    the seats Partner Center holds: 5 added in its portal since the last pass were neither
    charged nor credited when the row's 10 were refunded, or moved "from 10". Read the
    subscription and write what Partner Center changed itself as billed first
    (mirror_read), before the write is judged.
    Raises Partner Center's error unanswered: the caller refuses, nothing judged on the
    row's seats. Perpetual software is in its order only, its seats fixed (order_sync), and
    a row not in Partner Center yet has nothing to read: both are judged as held."""
    if sub.family == PERPETUAL or not (sub.tenant_id and sub.pc_subscription_id):
        return
    mirror_read(sub, client.get_subscription(sub.tenant_id, sub.pc_subscription_id,
                                             correlation_id=request_id), client)


def _moves(sub: Subscription, remote: RemoteSubscription,
           client: PartnerCenterClient) -> Sequence[Transition] | None:
    """R4: the row's transitions when its seats changed (seats an upgrade made there moved
    are its conversion, not removed); None when Partner Center did not answer and may
    later, as for the sync (subscriptions.transition_reads)."""
    if not may_have_moved(sub, remote):
        return ()
    return read_transitions(sub.pc_subscription_id,
                            lambda pc_id: client.get_transitions(sub.tenant_id, pc_id))
