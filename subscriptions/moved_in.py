"""R4: the subscription seats an upgrade made in Partner Center moved into, billed as the
storefront's upgrade bills its target (subscriptions.upgrades), each move exactly once.

The sync records each upgrade on its source (subscriptions.seen_changes: an "upgrade"
event, `to_subscription` the receiving subscription's Partner Center id) and the record
`awaits` that subscription's own until the mirror reaches it, in that pass or a later one:

- a subscription the upgrade made (Partner Center lets seats move into an existing one only
  past its cancellation window, eligibility error 2, so one bought less than 7 days before
  the transition started was made by it), adopted now or adopted earlier as a purchase of
  its own: coterminous with its source, its first charge the conversion of the seats it
  received to the end of the source's running cycle, its later cycles on the source's
  dates; a later upgrade into it adds its seats as into one held;
- a subscription held: its seats before and after, Microsoft's conversion on its own cycle
  (subscriptions.seen_changes.received), in place of seats added.

Answering a record links both ways ("to" on the source, "from"/"from_event" on the target)
and ends the wait; a target the mirror already billed otherwise also ends it, so a move is
never billed twice.

The target's record is seen (`seen_at`) when the pass that links it runs, not when its
source's was: billing charges a change dated in a month it charged already by the month
it was seen in (billing.charges), and a run may have charged the upgrade's month in full
between the pass that saw the source's side and the one that reached the target; dated as
the source's, the target's conversion would fall in no run's month.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import select

from persistence import as_utc, db
from subscriptions.conversions import Conversion, conversion, running_term
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.rules import CANCEL_WINDOW

Awaiting = dict[str, list[SubscriptionEvent]]


def awaiting(tenant_id: str) -> Awaiting:
    """The tenant's upgrade records still awaiting their target, by its Partner Center id,
    oldest first (one query a pass)."""
    found: Awaiting = defaultdict(list)
    for event in db.session.scalars(
            select(SubscriptionEvent).join(Subscription)
            .where(Subscription.tenant_id == tenant_id, SubscriptionEvent.kind == "upgrade",
                   SubscriptionEvent.data["awaits"].as_string().is_not(None))
            .order_by(SubscriptionEvent.at, SubscriptionEvent.id)):
        found[event.data["awaits"]].append(event)
    return found


def moved(upgrade: SubscriptionEvent) -> int:
    """The seats an upgrade record moved out of its source."""
    return upgrade.data["before"] - upgrade.data["after"]


def made_by(target: Subscription, upgrade: SubscriptionEvent) -> bool:
    """Whether the upgrade made `target`: not ordered here, not yet linked as an upgrade's,
    and bought within the cancellation window before the transition started (a subscription
    still in its window cannot take an upgrade's seats, eligibility error 2)."""
    started = datetime.fromisoformat(upgrade.data.get("started") or as_utc(upgrade.at)
                                     .isoformat())
    return target.order_line_id is None and conversion(target) is None \
        and as_utc(target.purchased_at) > started - CANCEL_WINDOW


def link_made(target: Subscription, upgrades: list[SubscriptionEvent], now: datetime
              ) -> None:
    """The target's records of the upgrades that made it and filled it since: the first as
    subscriptions.upgrades records a new target (the source's running term: Conversion),
    the rest as seats moved into one held; both histories name each other. Each is seen
    `now`, by the pass that links it (see the module's docstring)."""
    db.session.flush()  # the ids the links name
    first, before = upgrades[0], 0
    for upgrade in upgrades:
        source, at, seats = upgrade.subscription, as_utc(upgrade.at), moved(upgrade)
        data = {"from": source.id, "from_event": upgrade.id, "before": before,
                "after": before + seats, "seen_in": upgrade.data["seen_in"],
                "seen_at": now.astimezone(UTC).isoformat()}
        if upgrade is first:  # coterminous: its cycles count from the source's term
            data |= Conversion(at.date(), *running_term(source, at.date())).as_data()
        target.record("upgrade", f"{seats} licences moved here from {source.title} "
                                 f"(subscription {source.id}) by an upgrade in Partner "
                                 "Center (R4).", data=data).at = at
        before += seats
    settle(target, upgrades)


def settle(target: Subscription, upgrades: list[SubscriptionEvent]) -> None:
    """The sources' records answered: each names its target and waits no more."""
    db.session.flush()  # the target's id, when just adopted
    for upgrade in upgrades:
        upgrade.data = {**{k: v for k, v in upgrade.data.items() if k != "awaits"},
                        "to": target.id}
