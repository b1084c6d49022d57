"""B2/B3: licences and cancellations changed in Partner Center itself, billed as the shop's.

The hourly sync (subscriptions.sync) mirrors what someone changed directly in Partner
Center. Billing charges only the history's seat changes and cancellations (billing.charges:
`add:<event id>`, `remove:<event id>`, `cancel:sub:<id>`), so the sync writes the same
events the storefront writes for its own changes, judged on the row before the mirror
copies Partner Center's answer onto it:

- seats added: charged from the day Partner Center added them (B2); that day is the new
  tranche's refund window opening (refundableQuantity.details[].allowedUntilDateTime less
  168 hours), else the sync's time;
- seats removed while they were still refundable: credited for the rest of the cycle (B3);
  removed after: no credit, and the seats removed stay billed to the term's last day, on
  top of those held (`KEPT`: billing.billed reads it for the cycles until then);
- a cancellation while the window was open: credited the quote the cancel page would have
  shown (S3/S6, B3); after it, not credited: the term stays billed to its end;
- seats an upgrade made in Partner Center moved out (R4: a transition whose Conversion
  completed since the row was last seen, from GET .../transitions, read for any change
  of the count or a cancellation): not a removal but the storefront's upgrade, an "upgrade"
  event billed as Microsoft's conversion (`convert`) from the day it completed to the end
  of the running charge cycle (subscriptions.upgrades writes the same on the source). Only
  the rest of a decrease, if any, is judged as removed; a subscription every seat of which
  was upgraded is not a cancellation;
- seats such an upgrade moved into a subscription held (its source's record, seen in this
  pass or an earlier one, names it: subscriptions.moved_in): the conversion's target side,
  an "upgrade" event billed as `convert` on that row's own cycle, not seats added; only
  the rest of an increase is judged as added.

A removal or cancellation happened after the mirror last saw the row (`synced_at`) and no
later than the sync sees it. Partner Center refuses a decrease beyond the seats still
refundable (800090, 900214) and a cancellation after its window (900213), so each is judged
by the windows as mirrored when the row was last seen, not by the sync's clock, which may
come after the window closed on a change made inside it; and it is dated no later than
the window's close, the last moment it can have been made. Billing charges a change dated
in a month it already charged by the month the sync saw it in (`seen_at`).

Each event is written in the same commit as the mirrored row, so a change is seen, and
charged, once: a pass killed before its commit leaves both for the next pass.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from connectors.partner_center.transition_types import Transition
from persistence import as_utc, db
from subscriptions import rules
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.quotes import buyer_money, cancellation_quote, facts

DELETED = "deleted"  # Partner Center's word for cancelled
NO_SEATS = (rules.PERPETUAL, rules.AZURE_PLAN)
KEPT = "quantity_kept"  # seats removed after their window, billed until the term ends


@dataclass(frozen=True)
class Seen:
    """One billable change the sync saw: when it took effect, its history kind and words,
    and what billing needs to charge it (the event's data)."""

    at: datetime
    kind: str
    note: str
    data: dict = field(default_factory=dict)


def billable(sub: Subscription, remote: RemoteSubscription, now: datetime, *,
             renews: bool, transitions: Sequence[Transition] = (),
             moved_in: Sequence[SubscriptionEvent] = ()) -> list[Seen]:
    """The billable changes Partner Center shows against the local row (not yet mirrored).
    A renewal's new count is its new term's, charged by the renewal's own cycle (R1): the
    sync asks subscriptions.seen_at_renewal what else a renewal seen late hides.
    `transitions` are the row's in Partner Center, read when `may_have_moved` says so;
    `moved_in`: the sources' records of upgrades there into this row (R4, oldest first)."""
    if sub.status == "cancelled" or sub.pc_subscription_id != remote.id:
        return []
    if remote.status == DELETED:
        moved = upgraded(sub, transitions, sub.quantity, now)
        return moved if _seats(moved) == sub.quantity else cancelled(sub, now)
    if renews or remote.quantity == sub.quantity or sub.family in NO_SEATS:
        return []
    # R4 first: seats an upgrade moved out or in are its conversion, not removed or added.
    most = sub.quantity - remote.quantity if remote.quantity < sub.quantity else sub.quantity
    moved = upgraded(sub, transitions, most, now)
    moved += received(sub.quantity - _seats(moved), remote.quantity, moved_in, now)
    held = sub.quantity - _seats(moved)
    if remote.quantity > held:
        return moved + added(sub, remote, now, before=held)
    return moved + (removed(sub, remote.quantity, now, before=held)
                    if held > remote.quantity else [])


def may_have_moved(sub: Subscription, remote: RemoteSubscription) -> bool:
    """R4: whether seats may have moved by an upgrade made in Partner Center, so the row's
    transitions must be read (one GET): a cancellation, or any change of a seat-based row's
    count (seats added and upgraded between two passes may show a net increase; a renewal
    seen late may hide an upgrade made before it, subscriptions.seen_at_renewal)."""
    if sub.status == "cancelled" or sub.pc_subscription_id != remote.id \
            or sub.family in NO_SEATS:
        return False
    return remote.status == DELETED or remote.quantity != sub.quantity


def moved_out_since_seen(sub: Subscription, transitions: Sequence[Transition]) -> bool:
    """R4: whether a conversion out of the row completed since the mirror last saw it (the
    sync mirrors such sources before the rows their seats moved into)."""
    since = as_utc(sub.synced_at)
    return any(since is None or t.converted_at > since for t in _moved_out(sub, transitions))


def received(before: int, after: int, moved_in: Sequence[SubscriptionEvent],
             now: datetime) -> list[Seen]:
    """R4: seats upgrades made in Partner Center moved into a subscription held, as the
    storefront's upgrade into one records its target (subscriptions.upgrades): its seats
    before and after, from the source, dated when the conversion completed, billed as
    Microsoft's conversion on its own cycle (`convert`), not as seats added (B2); at most
    the increase `before` → `after`. `from_event` names the source's record it answers."""
    seen = []
    for upgrade in moved_in:
        seats = min(upgrade.data["before"] - upgrade.data["after"], after - before)
        if seats <= 0:
            break
        source, at = upgrade.subscription, as_utc(upgrade.at)
        seen.append(Seen(at, "upgrade", f"{seats} licences moved here from {source.title} "
                         f"(subscription {source.id}) by an upgrade in Partner Center "
                         f"({at:%Y-%m-%d %H:%M} UTC); {before} → {before + seats} here: "
                         "billed as Microsoft's conversion (R4, B2).",
                         {"from": source.id, "from_event": upgrade.id, "before": before,
                          "after": before + seats, **seen_mark(now)}))
        before += seats
    return seen


def upgraded(sub: Subscription, transitions: Sequence[Transition], most: int,
             now: datetime) -> list[Seen]:
    """R4: one "upgrade" per Conversion that moved seats out of the row since the mirror
    last saw it, dated when it completed, at most `most` seats in all (the decrease)."""
    return conversions(sub.quantity, moves_since(sub, transitions, as_utc(sub.synced_at), now),
                       most, now)


def moves_since(sub: Subscription, transitions: Sequence[Transition], since: datetime | None,
                until: datetime) -> list[Transition]:
    """R4: the Conversions out of the row the storefront did not make that completed after
    `since` (None: ever) and by `until`, oldest first."""
    moves = _not_recorded(sub, sorted(_moved_out(sub, transitions),
                                      key=lambda t: t.converted_at))
    return [m for m in moves if (since is None or m.converted_at > since)
            and m.converted_at <= until]


def conversions(before: int, moves: Sequence[Transition], most: int,
                now: datetime) -> list[Seen]:
    """R4: one "upgrade" per move, dated when it completed, from `before` seats down, at
    most `most` seats in all."""
    seen, held = [], before
    for moved in moves:
        seats = min(moved.quantity, most - (before - held))
        if seats <= 0:
            break
        seen.append(_upgrade(held, held - seats, moved, moved.converted_at, now))
        held -= seats
    return seen


def _moved_out(sub: Subscription, transitions: Sequence[Transition]) -> list[Transition]:
    """Completed conversions out of this row (the docs' sample names no source: the
    history is of the subscription asked for)."""
    return [t for t in transitions if t.converted_at is not None and t.quantity > 0
            and t.from_subscription_id in ("", sub.pc_subscription_id)]


def _not_recorded(sub: Subscription, moves: list[Transition]) -> list[Transition]:
    """The moves the storefront did not make: its upgrade page records each on the row
    ("upgrade", `to` the receiving row) when it asks, and Partner Center may complete the
    Conversion after the mirror read the row, so the history would show it again as an
    upgrade made there. Each recorded move, by receiving row and seats, takes one. Nor
    those a pass billed already (by receiving subscription and start): a pass reads the
    transitions after its list and may bill one completed in between, which the next pass,
    its row stamped with the list's time (subscriptions.mirror), sees as made since."""
    recorded = [(e.data.get("to"), e.data.get("before", 0) - e.data.get("after", 0))
                for e in sub.events if e.kind == "upgrade" and "seen_at" not in e.data]
    seen = {(e.data.get("to_subscription"), e.data.get("started")) for e in sub.events
            if e.kind == "upgrade" and "seen_at" in e.data}
    left = []
    for moved in moves:
        shop = (_local_id(moved.to_subscription_id), moved.quantity)
        if (moved.to_subscription_id, _started(moved).isoformat()) in seen:
            continue
        if shop[0] is not None and shop in recorded:
            recorded.remove(shop)
        else:
            left.append(moved)
    return left


def _upgrade(before: int, after: int, moved: Transition, at: datetime,
             now: datetime) -> Seen:
    """As subscriptions.upgrades records the source side: its seats before and after,
    billed as Microsoft's conversion, and the receiving row ("to": billing ends a source
    left without seats on that day) if the mirror has it yet, and its Partner Center id.
    `awaits` it until that row's record answers this one (subscriptions.moved_in), with
    the moment the transition started (a row made after it was made by it)."""
    return Seen(at, "upgrade", f"{before - after} licences upgraded in Partner Center to "
                f"{moved.to_catalog_item_id} ({at:%Y-%m-%d %H:%M} UTC); {before} → {after} "
                "here: billed as Microsoft's conversion to the end of the billing period "
                "(R4, B2).", {"to": _local_id(moved.to_subscription_id), "before": before,
                              "after": after, "to_subscription": moved.to_subscription_id,
                              "awaits": moved.to_subscription_id,
                              "started": _started(moved).isoformat(), **seen_mark(now)})


def _started(moved: Transition) -> datetime:
    """When the transition began: its Conversion's start, else its completion."""
    return next((e.at for e in moved.events if (e.name, e.status) == ("Conversion", "Started")
                 and e.at is not None), moved.converted_at)


def _local_id(pc_subscription_id: str) -> int | None:
    """The local row of a Partner Center subscription, if the mirror has one."""
    if not pc_subscription_id:
        return None
    return db.session.scalar(select(Subscription.id).where(
        Subscription.pc_subscription_id == pc_subscription_id))


def _seats(moved: list[Seen]) -> int:
    """The seats these upgrades moved out."""
    return sum(m.data["before"] - m.data["after"] for m in moved)


def added(sub: Subscription, remote: RemoteSubscription, now: datetime, *,
          before: int | None = None) -> list[Seen]:
    """B2: one seat change per tranche Partner Center added since the last sync, dated when
    it added it; the whole increase at the sync's time when the tranches do not tell.
    `before`: the count after the upgrades seen with it (the row's by default)."""
    before = sub.quantity if before is None else before
    tranches = _new_tranches(sub, remote, remote.quantity - before)
    if not tranches:
        return [seat_change(before, remote.quantity, now, now)]
    seen = []
    for seats, opened in tranches:
        seen.append(seat_change(before, before + seats, min(opened, now), now))
        before += seats
    return seen


def _new_tranches(sub: Subscription, remote: RemoteSubscription,
                  increase: int) -> list[tuple[int, datetime]]:
    """The refundable tranches not mirrored before, newest first, that make up exactly the
    increase, oldest first with the moment each was added; none when they do not."""
    known = {(int(s["quantity"]), s["until"]) for s in json.loads(sub.refundable or "[]")}
    fresh = sorted(((s.quantity, s.allowed_until) for s in remote.refundable or ()
                    if s.allowed_until is not None
                    and (s.quantity, s.allowed_until.isoformat()) not in known),
                   key=lambda tranche: tranche[1], reverse=True)
    taken, total = [], 0
    for seats, until in fresh:
        if total >= increase:
            break
        taken.append((seats, as_utc(until) - rules.CANCEL_WINDOW))
        total += seats
    return list(reversed(taken)) if total == increase else []


def seen_seat_change(sub: Subscription, before: int, after: int, since: datetime | None
                     ) -> SubscriptionEvent | None:
    """The sync's record of seats changed from `before` to `after`, seen in Partner Center
    since `since` (None: ever), when the change was the storefront's own and the sync came
    first: an order's licences when its job stopped between its PATCH and recording them
    (provisioning.licenses claims it), a seat change whose request was still recording it
    (subscriptions.services.change_quantity)."""
    return next((event for event in reversed(sub.events)
                 if event.kind == "quantity" and event.data.get("seen_in") == "partner_center"
                 and event.data.get("before") == before and event.data.get("after") == after
                 and (since is None
                      or datetime.fromisoformat(event.data["seen_at"]) >= as_utc(since))),
                None)


def removed(sub: Subscription, after: int, now: datetime, *,
            before: int | None = None) -> list[Seen]:
    """B3/S2: seats removed within what the mirror last showed refundable are credited from
    the sync's time, or the close of the windows they were taken from if earlier (Partner
    Center gives no date for a removal); a decrease beyond it was not, and is KEPT.
    `before`: the count left after the upgrades seen with it (the row's by default)."""
    before = sub.quantity if before is None else before
    allowed = rules.removable(facts(sub), last_seen(sub, now))
    seats = before - after
    if allowed.seats is None:  # not reported yet: the term's window (S2)
        return [seat_change(before, after, min(now, allowed.until), now)]
    if seats <= allowed.seats:
        return [seat_change(before, after, min(now, _closes(allowed, seats)), now)]
    return _kept(sub, before, after, now)


def last_seen(sub: Subscription, now: datetime) -> datetime:
    """When the mirror last saw the row as it was (a change Partner Center made since is
    judged by its windows then); the sync's time for a row it has never mirrored."""
    return as_utc(sub.synced_at) or now


def _closes(allowed: rules.Removal, seats: int) -> datetime:
    """The last moment Partner Center could take `seats`: it takes the newest tranches
    first, so the decrease was made before the soonest-closing window it reached."""
    taken = 0
    for tranche, until in reversed(allowed.windows):
        taken += tranche
        if taken >= seats:
            return until
    return allowed.windows[0][1]


def _kept(sub: Subscription, before: int, after: int, now: datetime) -> list[Seen]:
    """Removed after their window: not credited, and billed to the term's last day on top
    of the seats held (billing.billed reads KEPT), as Microsoft bills a term's licences."""
    end = as_utc(sub.term_end)
    if end is None:
        return []
    last_day = (end - timedelta(seconds=1)).astimezone(UTC).date()
    return [Seen(now, KEPT, f"Licences changed in Partner Center from {before} to "
                 f"{after} ({now:%Y-%m-%d %H:%M} UTC), after their 7 days: not credited; "
                 f"the {before - after} removed stay billed to the term's end on "
                 f"{last_day:%Y-%m-%d} (S2, B3).", {"before": before, "after": after,
                               "billed_until": last_day.isoformat()})]


def seat_change(before: int, after: int, at: datetime, now: datetime) -> Seen:
    """B2/B3: seats added or removed (within their 7 days) in Partner Center, as billed."""
    what = (f"the {after - before} added are charged from {at:%Y-%m-%d} to the end of "
            "the billing period (B2)" if after > before else
            f"the {before - after} removed within their 7 days are credited for the rest "
            "of the billing period (B3)")
    # An addition's day is its tranche's own; a removal's only the latest it can have been.
    when = f"{at:%Y-%m-%d %H:%M} UTC" if after > before else _when(at, now)
    return Seen(at, "quantity", f"Licences changed in Partner Center from {before} to "
                f"{after} ({when}): {what}.",
                {"before": before, "after": after, **seen_mark(now)})


def seen_mark(now: datetime) -> dict:
    """Marks an event the sync saw, and when: billing charges one dated in a month it
    charged already by the month it was seen in (billing.charges)."""
    return {"seen_in": "partner_center", "seen_at": now.astimezone(UTC).isoformat()}


def _when(at: datetime, now: datetime) -> str:
    """When the change was made, in words: by the window's close when seen after it."""
    if at >= now:
        return f"{at:%Y-%m-%d %H:%M} UTC"
    return f"by {at:%Y-%m-%d %H:%M} UTC, seen {now:%Y-%m-%d %H:%M} UTC"


def cancelled(sub: Subscription, now: datetime) -> list[Seen]:
    """S3/S6, B3: cancelled while its window was open when the row was last seen: credited
    as the cancel page quotes it, at the sync's time or the window's last moment if
    earlier (Partner Center gives no date for a cancellation); else not credited, the term
    billed to its end (S3), and only the history says so."""
    if rules.check_cancel_window(facts(sub), last_seen(sub, now)) is not None:
        return []
    quote = cancellation_quote(sub, now)
    # The window's last moment: its close is already outside it (S3's 168 hours).
    at = min(now, quote.closes - timedelta(seconds=1))
    if at < now:
        quote = cancellation_quote(sub, at)
    return [Seen(at, "cancel", _cancel_note(sub, quote, at, now),
                 {**quote.as_data(), **seen_mark(now)})]


def _cancel_note(sub: Subscription, quote, at: datetime, now: datetime) -> str:
    """As the storefront's cancellation says it: a reseller's end customer reads the retail
    refund its reseller credits, never the reseller's price (B1)."""
    kind = "credit" if sub.family == rules.PERPETUAL else "refund"
    if sub.reseller_id is None:
        stated = f"{kind} {buyer_money(sub, quote.amount, quote.currency)}"
    else:
        retail = cancellation_quote(sub, at, retail=True)
        stated = (f"the customer's {kind} at retail "
                  f"{buyer_money(sub, retail.amount, retail.currency)}")
    return f"Cancelled in Partner Center ({_when(at, now)}); {stated} (S3, B3)."
