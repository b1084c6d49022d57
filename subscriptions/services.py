"""Subscription management after purchase (S1–S7): rules first, then Partner Center, then history.

Each service checks the pure rules, sends the change through the connector (which re-reads
and PATCHes the full resource, retrying with one MS-RequestId), mirrors the answer, writes a
SubscriptionEvent and commits once. Refusals raise `SubscriptionRefused` with a rule code,
so pages and the REST API show the same reason; Partner Center's own are said in our rules'
words by subscriptions.pc_calls, which makes each call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from catalog import effective
from catalog.models import Price
from connectors.partner_center import PartnerCenterClient
from connectors.partner_center.errors import PartnerCenterError
from persistence import as_utc, db
from subscriptions import rules
from subscriptions.committed import committed, reread
from subscriptions.errors import SubscriptionRefused, refuse
from subscriptions.keys import download_url, reveal_key, revoke_keys
from subscriptions.mirror import mirror
from subscriptions.mirrored_at import mirrored_now
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.order_lines import line_to_cancel
from subscriptions.pc_calls import asked, send
from subscriptions.quotes import (
    Quote,
    buyer_money,
    cancellation_quote,
    facts,
    now_or,
    renewed_unit,
)
from subscriptions.scheduled import scheduled_words
from subscriptions.seen_changes import seen_seat_change
from subscriptions.term_prices import buyer_unit_price, price_of, retail_unit_price
from subscriptions.write_answer import TRANSITIONS_UNANSWERED, read_first

__all__ = ["Promise", "SubscriptionRefused", "cancel", "cancellation_quote", "change_quantity",
           "check_cancel", "check_quantity", "download_url", "note_removed_schedule",
           "read_held", "read_seats", "reveal_key", "set_autorenew"]


def _agent(user) -> bool:
    return bool(getattr(user, "admin_agent", False))


def note_removed_schedule(sub: Subscription, scheduled: str | None, user,
                          request_id: str) -> None:
    """R1: record that Partner Center removed the change scheduled for the renewal (it
    does on any mid-term change: create-scheduled-changes), which `scheduled` named before;
    nothing when none was scheduled or Partner Center still reports it."""
    if scheduled and not sub.next_term:
        sub.record("next_term_removed", f"The change scheduled for the renewal ({scheduled}) "
                   "was removed: Partner Center removes it on a mid-term change.", user,
                   request_id)


def set_autorenew(sub: Subscription, on: bool, user, client: PartnerCenterClient) -> Subscription:
    """S1: switch autorenew; the connector sends the full resource so nothing else changes
    (but switching it off makes Partner Center remove a scheduled change, R1)."""
    refuse(rules.check_autorenew(facts(sub), on))
    scheduled = scheduled_words(sub)
    request_id = send(sub, user, "autorenew", lambda rid: client.update_subscription(
        sub.tenant_id, sub.pc_subscription_id, auto_renew_enabled=on, request_id=rid),
        client=client)
    _refuse_unless_applied(sub, on, user, request_id)
    sub.record("autorenew", f"Autorenew switched {'on' if on else 'off'}.", user, request_id)
    note_removed_schedule(sub, scheduled, user, request_id)
    db.session.commit()
    return sub


def _refuse_unless_applied(sub: Subscription, on: bool, user, request_id: str) -> None:
    """S1: only what Partner Center answered is reported. When its answer (now mirrored)
    still says otherwise, the history keeps that and the buyer is told; never "switched"."""
    if sub.autorenew == on:
        return
    state = "on" if sub.autorenew else "off"
    refusal = rules.check_autorenew(facts(sub), on) or rules.Refusal(
        "S1", "S1.not_applied", f"Partner Center kept autorenew {state}, so nothing changed. "
        "Try again later, or ask your provider why Partner Center did not apply it.")
    sub.record("autorenew_refused", f"Partner Center answered autorenew {state} although "
               f"{'on' if on else 'off'} was asked.", user, request_id)
    db.session.commit()
    raise SubscriptionRefused(refusal)


def check_quantity(sub: Subscription, quantity: int) -> None:
    """Raise why no licence may be added now, before anything is asked or sent (K9: the
    provider deactivated the reseller the customer buys through, or the direct customer)."""
    found = sub.customer.deactivated_buyer
    deactivated = None if found is None else (found[0], found[1].company_name)
    refuse(rules.check_standing(sub.quantity, quantity, deactivated))


def change_quantity(sub: Subscription, quantity: int, user, client: PartnerCenterClient,
                    now: datetime | None = None, *, seats_read: bool = False) -> Subscription:
    """S2: set the license count; fewer only inside the 168-hour window. Partner Center
    removes a change scheduled for the renewal (R1), which the history then says. Judged
    on the seats Partner Center holds (`read_seats`), one more call per seat change;
    `seats_read` when the caller read them in this request already (a page judging the
    change, or its confirmation, on them), so they are not read twice."""
    if not seats_read:
        read_seats(sub, quantity, user, client)
    if sub.quantity == quantity:  # Partner Center holds them already: nothing to send
        return sub
    check_quantity(sub, quantity)
    refuse(rules.check_remove_licenses(facts(sub), sub.quantity, quantity, now_or(now)))
    scheduled, held, last_seen = scheduled_words(sub), sub.quantity, as_utc(sub.synced_at)
    request_id, remote = asked(sub, user, "quantity", lambda rid: client.update_subscription(
        sub.tenant_id, sub.pc_subscription_id, quantity=quantity, request_id=rid))
    before = _seats_now(sub)
    seen = _seen_first(sub, held, before, remote.quantity, last_seen)
    mirror(sub, remote)
    _record_seats(sub, seen, held if seen else before, user, request_id)
    note_removed_schedule(sub, scheduled, user, request_id)
    db.session.commit()
    return sub


def read_seats(sub: Subscription, quantity: int, user, client: PartnerCenterClient) -> None:
    """S2/B2: before a change to `quantity` seats is judged (an increase or a removal, the
    cart's extra licences, its confirmation), read the subscription from Partner Center and
    write what it changed itself as the sync would (subscriptions.write_answer.mirror_read):
    `sub.quantity` is then Partner Center's count. Over the plan's maximum it is refused
    first, whatever the count (nothing is read). Unanswered, the change is refused as a
    PATCH Partner Center did not answer is, never judged on the row's seats (read_held)."""
    refuse(rules.check_most(facts(sub), quantity))
    try:
        read_held(sub, user, client, "quantity")
    except SubscriptionRefused as refused:
        if not isinstance(refused.__cause__, PartnerCenterError):
            raise  # not in Partner Center, or seats it cannot judge yet: its own words
        raise SubscriptionRefused(rules.Refusal(refused.rule, refused.code, (
            "Nothing was changed: a change of licenses is judged on the count Partner "
            "Center holds, and Partner Center did not give it when asked "
            f"({refused.message.rstrip('.')}). Try again in a few minutes."))) from refused


def _seats_now(sub: Subscription) -> int:
    """The seats as committed once a racing change of them has: billing charges or credits
    each change from its `before` (B2, B3), so two requests both recording "from 10 to 5"
    credited ten seats for the five Partner Center removed."""
    return committed(sub, "quantity")


def _seen_first(sub: Subscription, held: int, before: int, after: int,
                since: datetime | None) -> SubscriptionEvent | None:
    """The hourly sync's record of this very change (`held` → `after`, seen since the mirror
    last saw the row as this request found it), when it read Partner Center after our
    PATCH and committed first: the seats committed are then already `after`, and "from 5
    to 5" beside its "Licences changed in Partner Center from 10 to 5" told the customer of
    a change nobody made, and of ours as made elsewhere. Billing credits the sync's record,
    so it becomes ours (as provisioning.licenses takes an order's)."""
    if before != after or after == held:
        return None
    reread(sub, ["events"])  # as committed, the sync's record with them
    return seen_seat_change(sub, held, after, since)


def _record_seats(sub: Subscription, seen: SubscriptionEvent | None, before: int, user,
                  request_id: str) -> None:
    """The history row billing charges or credits from (B2, B3); the sync's record of the
    same change (`seen`), when it came first, becomes it: its id, its day and the day it was
    seen (billing dates a change seen late by it) stay."""
    note = f"Licenses changed from {before} to {sub.quantity}."
    data = {"before": before, "after": sub.quantity}
    if seen is None:
        sub.record("quantity", note, user, request_id, data=data)
        return
    seen.note, seen.user, seen.request_id = note, user, request_id
    seen.data = {**data, "seen_at": seen.data["seen_at"]}


def term_unit_price_now(sub: Subscription) -> Decimal:
    """What one licence costs the buyer in the term running today, as billing charges it:
    from a renewal's first day, the renewed term's price the sync recorded (R1/B1), else
    the price it was bought at. The subscription page, C4's extra licences and the
    recurring revenue all say this."""
    return running_unit_price(sub, price_of(sub))


def running_unit_price(sub: Subscription, price: Price | None, *,
                       retail: bool = False) -> Decimal:
    """term_unit_price_now with the subscription's price (price_of) already looked up;
    with `retail`, what a reseller invoices its end customer."""
    bought = retail_unit_price(sub, price) if retail else buyer_unit_price(sub, price)
    return running_unit(sub, bought, retail=retail)


def running_unit(sub: Subscription, bought, *, retail: bool = False):
    """`bought` (the price it was bought at), unless a renewal has begun the term running
    today: then that term's price as the sync recorded it (R1/B1)."""
    if sub.renewed_on is not None and effective.today() >= sub.renewed_on:
        return renewed_unit(sub, bought, retail)
    return bought


@dataclass(frozen=True)
class Promise:
    """The refund a confirmation page showed, and the moment it was quoted at."""

    quoted_at: datetime
    amount: Decimal
    currency: str


def _keep(promise: Promise, sub: Subscription, now: datetime | None, retail: bool) -> Quote:
    """The quote as of the promised moment, as its viewer was shown it; refused when the
    subscription changed since (licenses removed, say), so the refund applied is never one
    the buyer did not see."""
    quote = cancellation_quote(sub, min(as_utc(promise.quoted_at), now_or(now)), retail=retail)
    if (quote.amount, quote.currency) != (promise.amount, promise.currency):
        raise SubscriptionRefused(rules.Refusal(
            "S3", "S3.quote_changed", "The subscription changed after the refund was shown, "
            "so nothing was cancelled: review the new refund and confirm again."))
    return quote


def check_cancel(sub: Subscription, user, now: datetime | None = None) -> None:
    """Raise the first reason this user may not cancel now (S4, S5, S3/S6)."""
    refuse(rules.check_cancel(facts(sub), _agent(user), now_or(now)))


def cancel(sub: Subscription, user, client: PartnerCenterClient,
           now: datetime | None = None, promise: Promise | None = None, *,
           retail: bool = False) -> Quote:
    """S3–S6: cancel in Partner Center (status deleted, or the order for perpetual software);
    answers the refund as its caller sees it (`retail` for a reseller's end customer, B1).

    With a `promise` (the quote a confirmation page showed), the refund is priced at the
    moment it was quoted, so waiting on the page changes nothing; the window itself is
    judged now, so a promise never outlives it (B5). The cancellation stores the buyer's
    quote, which billing credits; a reseller's end customer is credited the retail one by
    its reseller's re-invoice."""
    check_cancel(sub, user, now)
    _read_first(sub, user, client, now)
    at = min(as_utc(promise.quoted_at), now_or(now)) if promise else now_or(now)
    shown = _keep(promise, sub, now, retail) if promise else cancellation_quote(
        sub, at, retail=retail)
    quote = cancellation_quote(sub, at) if retail else shown
    # The history's line states the retail refund for a reseller's customer (B1): the one
    # shown when that is who cancels, else priced once here.
    stated = shown if retail or sub.reseller_id is None else cancellation_quote(
        sub, at, retail=True)
    if sub.family == rules.PERPETUAL:
        def cancel_order(rid: str) -> None:
            # its own line only: the order may hold the cart's other one_time purchases
            client.cancel_order(sub.tenant_id, sub.pc_order_id,
                                [line_to_cancel(sub, client)], request_id=rid)

        request_id, _ = asked(sub, user, "cancel", cancel_order, needs="pc_order_id")
        if _cancelled_meanwhile(sub):
            return shown
        sub.status, sub.autorenew = "cancelled", False
        mirrored_now(sub)  # Partner Center's answer: a sync's older list leaves it be
        revoke_keys(sub, now_or(now))
    else:
        request_id = send(sub, user, "cancel", lambda rid: client.update_subscription(
            sub.tenant_id, sub.pc_subscription_id, status="deleted", request_id=rid))
    sub.record("cancel", _cancel_note(sub, stated), user, request_id,
               data=quote.as_data())
    db.session.commit()
    return shown


def _read_first(sub: Subscription, user, client: PartnerCenterClient,
                now: datetime | None) -> None:
    """S3/B2: quoted on the seats Partner Center holds (read_held); a cancellation or
    renewal the read recorded is judged again. Perpetual software is cancelled by its order
    line, as held."""
    if sub.family != rules.PERPETUAL:
        read_held(sub, user, client, "cancel")
        check_cancel(sub, user, now)


def read_held(sub: Subscription, user, client: PartnerCenterClient, kind: str) -> None:
    """S2/S3/R4/B2: before a seat change, a cancellation or an upgrade is judged, read the
    subscription and write what Partner Center changed itself as billed first
    (write_answer.read_first). A read it does not answer refuses the `kind` of write as an
    unanswered PATCH does, and so do seats gone whose transitions it does not answer: the
    history says so either way, never judged on the row's seats."""
    try:
        asked(sub, user, kind, lambda rid: read_first(sub, client, rid))
    except SubscriptionRefused as refused:
        if refused.code == TRANSITIONS_UNANSWERED:  # a refused call is in it already
            sub.record(f"{kind}_refused", refused.message, user)
            db.session.commit()
        raise


def _cancelled_meanwhile(sub: Subscription) -> bool:
    """Whether a racing request cancelled the licence while ours was in Partner Center
    (read under its lock, persistence.locks): Partner Center takes an order PATCH of a line
    it cancelled already, so two requests at once both wrote "Cancelled; credit …" into
    the history the customer reads (billing credits it once, by its charge key)."""
    return committed(sub, "status") == "cancelled"


def _cancel_note(sub: Subscription, stated: Quote) -> str:
    """The history's line, which a reseller's end customer reads too: for a reseller's
    customer it states the retail refund the reseller credits, never the reseller's (B1)."""
    kind = "credit" if sub.family == rules.PERPETUAL else "refund"
    if sub.reseller_id is None:
        return f"Cancelled; {kind} {buyer_money(sub, stated.amount, stated.currency)}."
    return (f"Cancelled; the customer's {kind} at retail "
            f"{buyer_money(sub, stated.amount, stated.currency)}.")
