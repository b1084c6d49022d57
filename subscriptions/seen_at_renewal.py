"""B2/B3 with R1: seat changes made in Partner Center around a renewal that the hourly sync
sees only after it, told from the renewal's own count.

A renewal renews the seats held at the term's end, or the count its schedule set
(scheduledNextTermInstructions.quantity, R1); any mid-term seat change deletes that
schedule (partner-center-api-2.md §4, Scheduled changes). A renewal seen late may therefore
hide a change made before it (billed by Microsoft in the old term, and at the new count for
the renewed cycle) or after it, which reading the whole new count as the renewal's would
bill neither. Partner Center tells them apart in refundableQuantity: the renewal restarts
every seat's 7-day window (renewal runs from 00:00 UTC the day after the term's last day,
up to 24 hours), so the tranche whose window opened then holds the seats the renewal
renewed, and seats added after it are tranches of their own (§4, PATCH).

- renewed with a count neither last seen nor scheduled: a change made before the renewal,
  judged as any change seen (subscriptions.seen_changes: seats added, removed within their
  7 days or after them, moved by an upgrade), on the old term, dated its last moment at
  the latest (the renewal took the change's own tranche, and with it its day);
- seats an upgrade moved out after the renewal (R4: its transition completed since the
  term's end): the new term's conversion. Partner Center shows refundable only seats
  the row still holds, so the renewal's tranche shows the renewal's seats less those
  moved out; the renewal renewed no more than the seats held now and moved, less those
  added since;
- seats removed after the renewal, inside its window: the renewal's tranche shows them
  gone too, and nothing dates a removal, but Partner Center refuses to remove seats past
  their 7 days (800090). Where the old term had no seat left to remove at its end, seats
  short of what the renewal renewed (the seats held, less and plus those upgrades moved
  out and in before it; else the schedule's count) were removed after it: credited in
  the new term (B3) from the sync's time, as any removal seen;
- seats over the renewal's count: added after it, dated by their tranches (B2).

Where the old term still had seats to remove, fewer renewed cannot be told from seats
removed after the renewal, and the decrease is judged as made before it; once the
renewal's window closed Partner Center no longer shows its count, and the sync reads the
whole count as the renewal's, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from connectors.partner_center.transition_types import Transition
from persistence import as_utc
from subscriptions import rules, seen_changes
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.quotes import facts
from subscriptions.rules import CANCEL_WINDOW, SAME_TERM
from subscriptions.seen_changes import DELETED, NO_SEATS, Seen

RENEWAL_RUNS = timedelta(days=1)  # from 00:00 UTC after the term's last day, up to 24 h


def billable(sub: Subscription, remote: RemoteSubscription, now: datetime, *,
             transitions: Sequence[Transition] = (),
             moved_in: Sequence[SubscriptionEvent] = ()) -> list[Seen]:
    """The billable changes Partner Center shows against the local row (not yet mirrored),
    as subscriptions.seen_changes judges them, and those a renewal seen late hides.

    The sync reads a row Partner Center shows otherwise under its lock, as committed, first
    (subscriptions.mirrored_at): the storefront's own seat change may have had Partner
    Center's answer before the sync read it, and be recording it from the same count;
    judged on the row as first read, both credited the five seats removed (B3)."""
    renewing = renews(sub, remote)
    if renewing and remote.status != DELETED and sub.family not in NO_SEATS \
            and sub.status != "cancelled" and sub.pc_subscription_id == remote.id:
        return _across_renewal(sub, remote, now, transitions, moved_in)
    return seen_changes.billable(sub, remote, now, renews=renewing, transitions=transitions,
                                 moved_in=moved_in)


def renews(sub: Subscription, remote: RemoteSubscription) -> bool:
    """Partner Center reports a later term end: a new term began at the old end."""
    new_end, old_end = as_utc(remote.term_end), as_utc(sub.term_end)
    return None not in (new_end, old_end) and new_end - old_end > SAME_TERM and sub.renews


def _across_renewal(sub: Subscription, remote: RemoteSubscription, now: datetime,
                    transitions: Sequence[Transition],
                    moved_in: Sequence[SubscriptionEvent]) -> list[Seen]:
    """Changes made before the renewal and those made after it (module doc)."""
    shown = renewal_count(sub, remote)
    if shown is None:  # its window closed: Partner Center no longer tells (R1)
        return []
    last = as_utc(sub.term_end) - timedelta(seconds=1)  # the old term's last moment
    moves = seen_changes.moves_since(sub, transitions, last, now)
    renewed = _renewed(sub, remote, shown, sum(m.quantity for m in moves))
    expected = _expected(sub, transitions, last, moved_in)
    removed = expected - renewed if renewed < expected and _none_removable(sub, last) else 0
    renewed += removed
    seen = []
    if renewed not in (sub.quantity, (sub.next_term or {}).get("quantity")):
        seen += _before(sub, remote, renewed, now, transitions, moved_in)
    return seen + _in_new_term(sub, remote, now, renewed, moves, removed)


def _renewed(sub: Subscription, remote: RemoteSubscription, shown: int, moved: int) -> int:
    """The renewal's count: its tranche as shown, plus the seats upgrades moved out of it
    since (module doc), at most the seats held now and moved, less those added since."""
    if not moved:
        return shown
    added = sum(s.quantity for s in remote.refundable or () if s.allowed_until is not None
                and as_utc(s.allowed_until) - CANCEL_WINDOW >= as_utc(sub.term_end)
                + RENEWAL_RUNS)
    return min(shown + moved, remote.quantity + moved - added)


def _expected(sub: Subscription, transitions: Sequence[Transition], last: datetime,
              moved_in: Sequence[SubscriptionEvent]) -> int:
    """What the renewal renews when no seat was removed or added before it: the seats held
    less and plus those upgrades moved before it (any such move deletes the schedule),
    else the schedule's count, else the seats held (R1)."""
    out = seen_changes.moves_since(sub, transitions, as_utc(sub.synced_at), last)
    if out or moved_in:
        return sub.quantity - sum(m.quantity for m in out) + sum(
            u.data["before"] - u.data["after"] for u in moved_in)
    return (sub.next_term or {}).get("quantity") or sub.quantity


def _none_removable(sub: Subscription, last: datetime) -> bool:
    """Whether the old term had no seat left to remove at its last moment (as the mirror
    last saw its windows): Partner Center refused any decrease then (800090)."""
    return rules.removable(facts(sub), last).seats == 0


def _in_new_term(sub: Subscription, remote: RemoteSubscription, now: datetime,
                 renewed: int, moves: Sequence[Transition], removed: int) -> list[Seen]:
    """The new term's changes from the renewal's count: seats upgraded out (R4), removed
    in the renewal's window (B3), then added (B2). (None moves in: a subscription in its
    window, as a renewed one is while its count is shown, cannot receive an upgrade's
    seats, eligibility error 2.)"""
    seen = seen_changes.conversions(renewed, moves, renewed, now)
    held = renewed - sum(c.data["before"] - c.data["after"] for c in seen)
    if removed:
        seen.append(seen_changes.seat_change(held, held - removed, now, now))
        held -= removed
    if remote.quantity > held:
        seen += seen_changes.added(sub, remote, now, before=held)
    return seen


def renewal_count(sub: Subscription, remote: RemoteSubscription) -> int | None:
    """The seats the renewal renewed, as refundableQuantity shows them while their window is
    open: the tranche opened first once the new term began (the old term's end); None once
    none is shown."""
    began = as_utc(sub.term_end)
    if began is None:
        return None
    opened = sorted((as_utc(s.allowed_until) - CANCEL_WINDOW, s.quantity)
                    for s in remote.refundable or () if s.allowed_until is not None)
    return next((seats for at, seats in opened if began <= at < began + RENEWAL_RUNS), None)


def _before(sub: Subscription, remote: RemoteSubscription, renewed: int, now: datetime,
            transitions: Sequence[Transition],
            moved_in: Sequence[SubscriptionEvent]) -> list[Seen]:
    """The change from the count last seen to the one renewed, judged on the old term as
    Partner Center stood at its last moment (its tranches gone with the renewal)."""
    renewal = as_utc(sub.term_end)
    last = min(now, renewal - timedelta(seconds=1))
    before = replace(remote, quantity=renewed, refundable=())
    return [_seen_now(change, renewal, now) for change in seen_changes.billable(
        sub, before, last, renews=False, transitions=transitions, moved_in=moved_in)]


def _seen_now(change: Seen, renewal: datetime, now: datetime) -> Seen:
    """The change as this pass saw it: billing charges it by the month it was seen in."""
    data = dict(change.data)
    if "seen_at" in data:
        data["seen_at"] = now.astimezone(UTC).isoformat()
    note = (f"{change.note.removesuffix('.')}; made before the renewal on "
            f"{renewal:%Y-%m-%d} (dated by then at the latest), seen "
            f"{now:%Y-%m-%d %H:%M} UTC.")
    return replace(change, note=note, data=data)
