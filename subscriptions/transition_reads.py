"""R4/B1: a subscription's transitions as a sync pass reads them, and the new subscriptions
of a tenant that wait for the next pass when Partner Center does not answer one of them.

The sync reads a row's transitions (GET .../transitions) when its seats may have moved by
an upgrade made in Partner Center: a known row whose count changed or that was cancelled
(subscriptions.seen_changes), a new one deleted without seats (subscriptions.
adopted_upgraded). Unanswered, the row waits for the next pass rather than be judged
without them. The subscription such an upgrade made is new too, and nothing in the list
tells it from a purchase: adopted in the same pass it was billed as one (`new`, a cycle on
its own dates) until a later pass linked it to its source (two passes later for a source
adopted upgraded away: the next pass adopts the source after it has passed the rows it
knows), and a billing run between invoiced the purchase, credited back after (B4).

So a pass in which a transitions read of the tenant went unanswered adopts none of the
tenant's new subscriptions: which of them the upgrade made cannot be told without those
transitions (a purchase may be coterminous with the source as well), and a subscription
adopted a pass late is billed from its purchase all the same (B1, seen_at). The next pass,
answered, adopts source and target together, linked (subscriptions.moved_in): charged the
conversion once, never a purchase. They wait while Partner Center keeps failing, as the
source does; the sync's report says which tenant waited, and for whose transitions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from connectors.partner_center.errors import PartnerCenterError
from connectors.partner_center.transition_types import Transition
from subscriptions.adopted_upgraded import may_be_upgraded_away
from subscriptions.matching import Reasons
from subscriptions.seen_changes import DELETED

log = logging.getLogger(__name__)
# Reads a subscription's transitions in Partner Center, by its id (GET .../transitions).
Transitions = Callable[[str], Sequence[Transition]]
# A new subscription to adopt, with its transitions (read when it may be upgraded away).
NewOne = tuple[RemoteSubscription, Sequence[Transition]]


def read_transitions(pc_subscription_id: str, transitions: Transitions | None
                     ) -> Sequence[Transition] | None:
    """R4: a subscription's transitions (None: not answered, and may be later)."""
    if transitions is None:  # an import's: it has no upgrade records to answer
        return ()
    try:
        return transitions(pc_subscription_id)
    except PartnerCenterError as error:
        if error.retryable:
            log.warning("transitions of subscription %s not read, left for the next pass: "
                        "%s", pc_subscription_id, error)
            return None
        # Asking again will not help (a subscription with no transition history).
        log.warning("transitions of subscription %s not readable: %s", pc_subscription_id,
                    error)
        return ()


def to_adopt(tenant_id: str, new: Sequence[RemoteSubscription],
             transitions: Transitions | None, unanswered: Sequence[str]
             ) -> tuple[list[NewOne], Reasons]:
    """The tenant's new subscriptions to adopt this pass, deleted ones first (an upgrade's
    source names the row its seats moved into), each with its transitions; or none, and
    why they wait, once a transitions read of the pass went unanswered: `unanswered`
    names the known rows' (module doc)."""
    found: list[NewOne] = []
    unanswered = list(unanswered)
    for remote in sorted(new, key=lambda r: r.status != DELETED):
        moves = read_transitions(remote.id, transitions) \
            if may_be_upgraded_away(remote) and not unanswered else ()
        if moves is None:
            unanswered.append(remote.id)
        else:
            found.append((remote, moves))
    waiting = Reasons()
    if new and unanswered:
        waiting.note(f"tenant {tenant_id}: Partner Center did not answer the transitions of "
                     f"subscription {', '.join(unanswered)}, so its subscriptions new here "
                     "are added by the next pass: an upgrade of it may have made one (R4)",
                     len(new))
        log.warning("tenant %s: %d new subscriptions left for the next pass, transitions "
                    "of %s not answered", tenant_id, len(new), ", ".join(unanswered))
        return [], waiting
    return found, waiting
