"""Add-licenses lines: provisioning finds the subscription itself, then sets its seats once.

Checkout plans "add licenses" from what it saw: our mirror, or Partner Center's list. That
list already shows a subscription another order has just bought and not yet mirrored (the
provisioning race, #19), so a line may name a subscription we hold no row for. Provisioning
therefore finds each line's target itself:
- the line's local subscription, when it is in Partner Center;
- otherwise the subscription the line names in Partner Center or, failing that, the
  customer's subscription there of the same product and SKU, billing cycle, term and
  partner of record, not ended or suspended (the lowest id, as checkout's plan picks). It
  is mirrored once: as the subscription of the order line that bought it when one of our
  orders did, else adopted by the import's matching rules (subscriptions.matching);
- no such subscription yet, or one still pending (the order buying it is in flight): the
  line waits (NotReady), retried with backoff, and needs a person only once the retry
  budget is spent. It never buys a new subscription instead.
A line also waits while an earlier order still running adds licenses to the same
subscription: two counts computed from the same starting point would lose one increase.

The seat count is absolute, computed once and stored before the PATCH. The PATCH's
MS-RequestId is derived from stored values (the order's correlation id, the line, the
count, how often the order stopped for attention), so a re-run after a crash sends the same
request, which Partner Center answers from memory instead of applying it again: the
increase is neither doubled nor, if someone changed the seats meanwhile, undone.
"""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select

from catalog.price_words import counted
from connectors.partner_center.client import PartnerCenterClient
from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from connectors.partner_center.errors import PartnerCenterError
from orders.models import Order, OrderLine, OrderStatus
from persistence import db
from provisioning import results
from provisioning.attention import ADMIN_RETRY, NeedsAttention
from provisioning.steps import Checkpoint
from subscriptions.errors import SubscriptionRefused
from subscriptions.matching import ProductIndex, Unmatched, adopt, owners_of
from subscriptions.mirror import mirror as copy_remote
from subscriptions.mirror import next_term_words
from subscriptions.mirrored_at import mirror_refundable, mirrored_now
from subscriptions.models import Subscription
from subscriptions.scheduled import scheduled_words
from subscriptions.seen_changes import seen_seat_change
from subscriptions.services import note_removed_schedule
from subscriptions.write_answer import mirror_read

ENDED = frozenset({"deleted", "cancelled", "expired", "disabled"})
TAKES_LICENSES = ("active", "pending")  # pending: it will, once its order completes
RUNNING = (OrderStatus.SUBMITTED, OrderStatus.PROVISIONING)


class NotReady(Exception):
    """The line cannot add its licenses yet; retried with backoff, then needs a person."""

    def __init__(self, reason: str, next_step: str) -> None:
        super().__init__(reason)
        self.reason, self.next_step = reason, next_step

    def give_up(self, attempts: int) -> NeedsAttention:
        """What the attention queue shows once the retry budget is spent."""
        return NeedsAttention(f"{self.reason} Still so after {attempts} attempts.",
                              self.next_step)


def add_licenses(order: Order, line: OrderLine, client: PartnerCenterClient,
                 checkpoint: Checkpoint) -> None:
    """Raise the line's subscription to an absolute seat count computed once and stored."""
    subscription = target(order, line, client, checkpoint)
    if line.target_quantity is None:
        _after_earlier_orders(order, line, subscription)
        current = client.get_subscription(order.pc_customer_id,
                                          subscription.pc_subscription_id,
                                          correlation_id=order.correlation_id)
        # B2: seats changed in Partner Center itself since the last sync pass (15 there,
        # 10 here) are recorded as the sync would, from their day, before this line counts
        # from them: "15 to 17" alone left the portal's 5 never charged.
        _seen_there(order, line, subscription, current, client)
        line.target_quantity = current.quantity + line.quantity
        db.session.commit()
    request_id = request_id_for(order, line)
    scheduled = scheduled_words(subscription)
    updated = _set_seats(order, line, subscription, client, request_id)
    checkpoint("add_licenses")
    _record_added(order, line, subscription, updated, request_id, scheduled)
    db.session.commit()


def _seen_there(order: Order, line: OrderLine, subscription: Subscription,
                current: RemoteSubscription, client: PartnerCenterClient) -> None:
    """What Partner Center changed itself, recorded as billed first (mirror_read). Seats
    gone whose transitions it does not answer may be an upgrade's: the line waits for the
    answer, retried with backoff, rather than count from seats judged as removed."""
    try:
        mirror_read(subscription, current, client)
    except SubscriptionRefused as refused:
        raise NotReady(f"{_adds(line)} a subscription Partner Center shows with fewer "
                       "licenses than last seen, and it did not say whether an upgrade "
                       "moved them.", "Check Partner Center's service health and the "
                       "subscription's upgrades in its portal, " + ADMIN_RETRY) from refused


def look_up(order: Order, line: OrderLine, client: PartnerCenterClient) -> int:
    """The seats Partner Center shows now on the subscription of a line whose stored count
    may have been sent, changing nothing there (an admin's close asks this,
    provisioning.closing). At the stored count the increase went through: the line is
    recorded as `add_licenses` records it (the caller commits). Any other count: nothing
    is recorded; the caller judges it against the count the line started from."""
    subscription = line.target_subscription  # found and stored before the count was
    scheduled = scheduled_words(subscription)
    remote = client.get_subscription(order.pc_customer_id, subscription.pc_subscription_id,
                                     correlation_id=order.correlation_id)
    if remote.quantity == line.target_quantity:
        # Which of the re-sent requests Partner Center applied is not known: no request id.
        _record_added(order, line, subscription, remote, "", scheduled)
    return remote.quantity


def _record_added(order: Order, line: OrderLine, subscription: Subscription,
                  updated: RemoteSubscription, request_id: str, scheduled: str | None
                  ) -> None:
    """The line's licences are on the subscription: its seats, the history billing charges
    (B2) and the line provisioned, all in the caller's one commit, so a re-run after a
    crash writes them only once."""
    subscription.quantity = updated.quantity
    # S2: the added licences may be removed for their own 7 days, which the reduction page
    # reads from the mirror: taken from this answer, not an hour later from the sync.
    mirror_refundable(subscription, updated)
    # A sync pass that listed the subscription before this PATCH leaves the row alone
    # (subscriptions.mirrored_at): judged against that list, 15 seats were 5 removed.
    mirrored_now(subscription)
    before = line.target_quantity - line.quantity
    note = (f"{counted(line.quantity, 'license')} added by order {order.number}; "
            f"{updated.quantity} in all.")
    data = {"before": before, "after": updated.quantity, "order_line_id": line.id}
    seen = seen_seat_change(subscription, before, updated.quantity, order.created_at)
    if seen is None:
        subscription.record("licenses_added", note, order.placed_by, request_id=request_id,
                            data=data)
    else:
        # The hourly sync saw these seats in Partner Center first (the job stopped between
        # its PATCH and this commit) and wrote them as a change made there: that event,
        # and any charge billing keyed on its id, becomes the order's, so they bill once.
        seen.kind, seen.note, seen.user, seen.request_id = (
            "licenses_added", note, order.placed_by, request_id)
        seen.data = {**data, "seen_at": seen.data["seen_at"]}
    # A mid-term change makes Partner Center remove the change scheduled for the renewal
    # (R1, create-scheduled-changes): said now, not when the hourly sync sees it gone.
    subscription.next_term = next_term_words(updated)
    note_removed_schedule(subscription, scheduled, order.placed_by, request_id)
    line.pc_subscription_id = subscription.pc_subscription_id
    line.status = "provisioned"


def request_id_for(order: Order, line: OrderLine) -> str:
    """The PATCH's MS-RequestId: the same on every re-run of this count, a new one after
    the order stopped for attention (Partner Center keeps a refused request's answer)."""
    stops = sum(1 for event in order.events if event.status == OrderStatus.NEEDS_ATTENTION)
    name = f"add-licenses/{line.line_number}/{line.target_quantity}/{stops}"
    return str(uuid.uuid5(uuid.UUID(order.correlation_id), name))


def _set_seats(order: Order, line: OrderLine, subscription: Subscription,
               client: PartnerCenterClient, request_id: str) -> RemoteSubscription:
    """Send the stored count; a refusal changed nothing, so a retry after the fix counts
    the seats again."""
    try:
        return client.update_subscription(
            order.pc_customer_id, subscription.pc_subscription_id,
            quantity=line.target_quantity, request_id=request_id,
            correlation_id=order.correlation_id)
    except PartnerCenterError as error:
        if not error.retryable:
            line.target_quantity = None
            db.session.commit()
        raise


def target(order: Order, line: OrderLine, client: PartnerCenterClient,
           checkpoint: Checkpoint) -> Subscription:
    """The local subscription the line adds to, found in Partner Center and mirrored when
    checkout named one we hold no row for."""
    known = line.target_subscription
    if known is not None and known.pc_subscription_id:
        return known
    remote = _find(order, line, client)
    subscription = _mirror(order, remote)
    line.target_subscription, line.pc_subscription_id = subscription, remote.id
    db.session.commit()
    checkpoint("target")
    return subscription


def _find(order: Order, line: OrderLine, client: PartnerCenterClient) -> RemoteSubscription:
    """The Partner Center subscription the line's licenses go to, once it can take them."""
    listed = client.list_subscriptions(order.pc_customer_id,
                                       correlation_id=order.correlation_id)
    named = next((s for s in listed if line.pc_subscription_id
                  and s.id == line.pc_subscription_id
                  and s.status.lower() not in ENDED), None)
    found = named or min((s for s in listed if _same_plan(line, s)), key=lambda s: s.id,
                         default=None)
    if found is None:
        raise _not_shown(order, line)
    if found.status.lower() == "pending":
        raise NotReady(f"{_adds(line)} a subscription Partner Center is still provisioning.",
                       _WAIT_STEP)
    return found


_WAIT_STEP = ("Wait until the order that buys the subscription is provisioned, "
              + ADMIN_RETRY + " Or cancel this order and add the licenses from the "
              "subscription's page.")


def _adds(line: OrderLine) -> str:
    return f"Line {line.line_number + 1} ({line.title}) adds licenses to"


def _not_shown(order: Order, line: OrderLine) -> NotReady:
    """Why the line waits when Partner Center shows no subscription it could extend."""
    buyer = _buying_order(order, line)
    if buyer:
        return NotReady(f"{_adds(line)} a subscription Partner Center does not show yet: "
                        f"order {buyer}, which buys it, is still being provisioned.",
                        _WAIT_STEP)
    return NotReady(f"{_adds(line)} a subscription Partner Center does not show, and no "
                    "order of this storefront is buying it.",
                    "Look the customer's subscriptions up in Partner Center: once the "
                    "subscription is listed, " + ADMIN_RETRY + " Otherwise cancel this order.")


def _same_plan(line: OrderLine, remote: RemoteSubscription) -> bool:
    """The customer's subscription this line would extend: product and SKU (the offer id's
    first two parts), billing cycle, term and partner of record (K8), still usable."""
    product, sku = (remote.offer_id.upper().split(":") + ["", ""])[:2]
    return ((product, sku) == (line.pc_product_id.upper(), line.pc_sku_id.upper())
            and remote.billing_cycle.lower() == line.billing_cycle.lower()
            and remote.term_duration.upper() == (line.term_duration or "").upper()
            and remote.partner_id == line.partner_of_record
            and remote.status.lower() in TAKES_LICENSES)


def _buying_order(order: Order, line: OrderLine) -> str | None:
    """The number of another order of the customer, still running, that buys the plan."""
    return db.session.scalar(
        select(Order.number).join(OrderLine).where(
            Order.customer_id == order.customer_id, Order.id != order.id,
            Order.status.in_(RUNNING), OrderLine.action == "new_subscription",
            OrderLine.pc_product_id == line.pc_product_id,
            OrderLine.pc_sku_id == line.pc_sku_id).order_by(Order.id).limit(1))


def _mirror(order: Order, remote: RemoteSubscription) -> Subscription:
    """Our row of a Partner Center subscription: the one we hold, else the row of the
    order line that bought it, else one adopted as the import adopts."""
    known = db.session.scalar(select(Subscription).filter_by(pc_subscription_id=remote.id))
    if known is not None:
        return known
    bought = db.session.scalar(select(OrderLine).filter_by(
        pc_subscription_id=remote.id, action="new_subscription"))
    if bought is not None:
        return results.mirror(bought.order, bought, remote)
    try:
        adopted = adopt(remote, order.pc_customer_id,
                        owners_of(order.pc_customer_id, first=order.customer_id),
                        ProductIndex.load())
    except Unmatched as why:
        raise NeedsAttention(f"The subscription to add licenses to has no local home: {why}.",
                             "Fix what the reason says, " + ADMIN_RETRY) from why
    copy_remote(adopted, remote)
    return adopted


def _after_earlier_orders(order: Order, line: OrderLine, subscription: Subscription) -> None:
    """Wait while an earlier order still running adds licenses to the same subscription."""
    earlier = db.session.scalar(
        select(Order.number).join(OrderLine).where(
            Order.id < order.id, Order.status.in_(RUNNING),
            OrderLine.action == "add_licenses", OrderLine.status != "provisioned",
            or_(OrderLine.target_subscription_id == subscription.id,
                OrderLine.pc_subscription_id == subscription.pc_subscription_id))
        .order_by(Order.id).limit(1))
    if earlier:
        raise NotReady(f"Line {line.line_number + 1} ({line.title}) waits for order "
                       f"{earlier}, placed earlier, to add its licenses to the same "
                       "subscription first.",
                       f"Let order {earlier} finish, or cancel it, " + ADMIN_RETRY)
