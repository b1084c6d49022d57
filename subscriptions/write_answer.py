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
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from connectors.partner_center import PartnerCenterClient
from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from connectors.partner_center.errors import PartnerCenterError
from connectors.partner_center.transition_types import Transition
from persistence import db
from subscriptions.committed import reread
from subscriptions.mirrored_at import shown_otherwise
from subscriptions.models import Subscription
from subscriptions.moved_in import awaiting
from subscriptions.rules import PERPETUAL
from subscriptions.seen_changes import may_have_moved
from subscriptions.sync import mirror_seen

log = logging.getLogger(__name__)


def mirror_answer(sub: Subscription, remote: RemoteSubscription,
                  client: PartnerCenterClient) -> list[str]:
    """Mirror the write's answer, writing first what Partner Center changed itself as the
    sync would (module doc); answers the changes, in words."""
    return mirror_seen(sub, remote, datetime.now(UTC), _moves(sub, remote, client),
                       awaiting(sub.tenant_id))


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
        mirror_answer(sub, remote, client)
    db.session.commit()


def read_first(sub: Subscription, client: PartnerCenterClient,
               request_id: str | None = None) -> None:
    """S3/R4/B2: a cancellation is quoted, and an upgrade judged, on the seats Partner Center
    holds: 5 added in its portal since the last pass were neither charged nor credited when
    the row's 10 were refunded, or moved "from 10". Read the subscription and write what
    Partner Center changed itself as billed first (mirror_read), before the write is judged.
    Raises Partner Center's error unanswered: the caller refuses, nothing judged on the
    row's seats. Perpetual software is in its order only, its seats fixed (order_sync), and
    a row not in Partner Center yet has nothing to read: both are judged as held."""
    if sub.family == PERPETUAL or not (sub.tenant_id and sub.pc_subscription_id):
        return
    mirror_read(sub, client.get_subscription(sub.tenant_id, sub.pc_subscription_id,
                                             correlation_id=request_id), client)


def _moves(sub: Subscription, remote: RemoteSubscription,
           client: PartnerCenterClient) -> Sequence[Transition]:
    """R4: the row's transitions when its seats changed (seats an upgrade made there moved
    are its conversion, not removed). Partner Center applied the write already, so a read
    it does not answer cannot undo it: the change is judged without them, as seats."""
    if not may_have_moved(sub, remote):
        return ()
    try:
        return client.get_transitions(sub.tenant_id, sub.pc_subscription_id)
    except PartnerCenterError as error:
        log.warning("transitions of subscription %s not read: %s", sub.id, error)
        return ()
