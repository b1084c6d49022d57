"""What provisioning learns back from Partner Center: orders per line, subscriptions, outcome.

Lines are matched to Partner Center orders through the cart's order groups (one order per
group, matched by billing cycle and each line's catalog item, term and quantity, never by
position), so every line knows its order and, once provisioning is done,
its subscription, which is then mirrored locally with the reseller's MPN (K8).
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import select

from accounts.models import Role, User
from catalog.price_words import (
    AZURE_PLAN_PRICE,
    counted,
    free_azure_plan,
    period_words,
    plan_words,
)
from catalog.pricing import buyer_locale, format_money, tax_label
from connectors.partner_center.client import PartnerCenterClient
from connectors.partner_center.commerce_types import Cart, CartLine, CheckoutResult
from connectors.partner_center.commerce_types import Order as PcOrder
from connectors.partner_center.commerce_types import Subscription as PcSubscription
from connectors.partner_center.errors import PartnerCenterError
from notifications import notify
from orders import retail
from orders.models import Order, OrderLine, OrderStatus
from persistence import db
from provisioning.attention import NeedsAttention, meaning, next_step_for
from provisioning.steps import StillProvisioning, checkout_wait
from subscriptions.entitlements import mirror_entitlements
from subscriptions.models import Subscription

log = logging.getLogger(__name__)
SOFTWARE = ("perpetual_software", "software_subscription")


def record_checkout(order: Order, lines: list[OrderLine], cart: Cart,
                    result: CheckoutResult) -> None:
    """Give each line its Partner Center order, or its error (partial success is normal).
    A cart line's id is the index in `lines` of the order line it holds: a cart rebuilt
    for a retry holds only the lines that have no order yet. Lines whose order is not
    known yet (a read-back before Partner Center lists it) stay pending: waited for."""
    groups = _groups(cart)
    unmatched = dict(groups)
    for group, pc_order in _match_orders(cart, groups, result.orders).items():
        for held, _ in _undecided(lines, cart, groups[group]):
            held.pc_order_id, held.status = pc_order.id, "ordered"
        del unmatched[group]
    errors = {e.order_group_id: e for e in result.order_errors}
    for group, indexes in unmatched.items():
        # A group holding a refused cart line is never bought, so its lines are known
        # refused even when the checkout's answer (its orderErrors) was lost.
        refused = next((cart.lines[i].error for i in indexes if cart.lines[i].error), None)
        for held, cart_line in _undecided(lines, cart, indexes):
            _fail_line(held, errors.get(group), cart_line.error or refused)
    db.session.commit()
    if any(lines[cart_line.id].status == "pending" for cart_line in cart.lines):
        raise checkout_wait("The cart was checked out; the orders of some of its lines are "
                            "not listed yet.", cart)


def _undecided(lines: list[OrderLine], cart: Cart, indexes: list[int]
               ) -> list[tuple[OrderLine, CartLine]]:
    """The order lines held by these cart lines whose outcome is still unknown, each with
    its cart line: a line an admin's retry marked for a fresh cart (purchase.RETRYING)
    keeps that mark."""
    held = ((lines[cart.lines[i].id], cart.lines[i]) for i in indexes)
    return [(line, cart_line) for line, cart_line in held if line.status == "pending"]


def _groups(cart: Cart) -> dict[str, list[int]]:
    """The cart's order groups, each with the indexes of its cart lines."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, cart_line in enumerate(cart.lines):
        groups[cart_line.order_group].append(index)
    return groups


def fitting_orders(cart: Cart, pc_orders: tuple[PcOrder, ...]) -> tuple[PcOrder, ...]:
    """The orders whose lines are exactly what one of the cart's buyable order groups asked
    for (billing cycle, catalog item, term, quantity): the only ones its checkout can have
    created. Another order of the same tenant, placed elsewhere, buys something else."""
    wanted = [_group_key(cart, indexes) for indexes in _groups(cart).values()
              if not any(cart.lines[i].error for i in indexes)]
    return tuple(o for o in pc_orders if any(_fits(key, _order_key(o)) for key in wanted))


def _match_orders(cart: Cart, groups: dict[str, list[int]],
                  pc_orders: tuple[PcOrder, ...]) -> dict[str, PcOrder]:
    """Each order group's Partner Center order, by what both say was bought: the billing
    cycle and every line's catalog item, term and quantity. The docs define no order of a
    checkout's orders, and two groups can hold the same SKU (monthly and annual, K6), so
    the position or the catalog item alone would swap lines; a tie is not guessed."""
    wanted = {group: _group_key(cart, indexes) for group, indexes in groups.items()}
    matched: dict[str, PcOrder] = {}
    for pc_order in pc_orders:
        fits = [group for group, key in wanted.items() if _fits(key, _order_key(pc_order))]
        rivals = [other for other in pc_orders
                  if any(_fits(wanted[g], _order_key(other)) for g in fits)]
        if len(fits) > 1 or len(rivals) > 1:
            raise _ambiguous(fits, rivals)
        if fits:
            matched[fits[0]] = pc_order
    return matched


Key = tuple[str, tuple[tuple[str, str, int], ...]]


def _cycle(value: str) -> str:
    """A billing cycle as both sides spell it: `one_time` in a cart, `OneTime` in the docs."""
    return value.replace("_", "").lower()


def _group_key(cart: Cart, indexes: list[int]) -> Key:
    """What an order group asked for: its billing cycle(s) and lines in cart order."""
    cycles = ",".join(sorted({_cycle(cart.lines[i].billing_cycle) for i in indexes}))
    return cycles, tuple((cart.lines[i].catalog_item_id, cart.lines[i].term_duration,
                          cart.lines[i].quantity) for i in indexes)


def _order_key(pc_order: PcOrder) -> Key:
    """What a Partner Center order says it bought, comparable with `_group_key`."""
    ordered = sorted(pc_order.lines, key=lambda li: li.line_item_number)
    return _cycle(pc_order.billing_cycle), tuple(
        (li.offer_id, li.term_duration, li.quantity) for li in ordered)


def _fits(wanted: Key, got: Key) -> bool:
    """Whether an order is the one a group asked for; an order line that names no term
    (perpetual software) is judged by its catalog item and quantity."""
    return wanted[0] == got[0] and len(wanted[1]) == len(got[1]) and all(
        offer == got_offer and quantity == got_quantity and (not got_term or term == got_term)
        for (offer, term, quantity), (got_offer, got_term, got_quantity)
        in zip(wanted[1], got[1], strict=True))


def _ambiguous(groups: list[str], pc_orders: list[PcOrder]) -> NeedsAttention:
    """Orders that fit more than one group (or groups that fit several orders)."""
    ids = ", ".join(o.id for o in pc_orders)
    return NeedsAttention(
        f"Partner Center created orders ({ids}) that cannot be told apart: each fits "
        f"{len(groups)} of this order's order groups by billing cycle, product, term and "
        "quantity, so no line was given an order.",
        "An administrator should find in Partner Center which order and subscription belong "
        "to which line before anything else: retrying meets the same tie.")


def _fail_line(line: OrderLine, order_error, line_error) -> None:
    """Mark a line failed with Partner Center's code and its plain meaning, when known."""
    source = order_error or line_error
    if source is None:
        return
    line.status, line.error_code = "failed", str(source.code)
    line.error_description = meaning(line.error_code, source.description)


# Order statuses after which Partner Center creates no subscription: the documented
# `cancelled`, `error` (re-buy) and a rejected purchase-order review.
ENDED = ("cancelled", "error", "poreviewrejected")


def await_subscriptions(order: Order, client: PartnerCenterClient) -> None:
    """Read each pending order until Partner Center has created every line's subscription;
    a cancelled or failed order fails its lines instead of being waited for."""
    waiting = [ln for ln in order.lines if ln.status == "ordered" and not ln.pc_subscription_id]
    pending = []
    for pc_order_id in dict.fromkeys(ln.pc_order_id for ln in waiting):
        pc_order = client.get_order(order.pc_customer_id, pc_order_id,
                                    correlation_id=order.correlation_id)
        mine = sorted((ln for ln in order.lines if ln.pc_order_id == pc_order_id),
                      key=lambda ln: ln.line_number)
        if _status(pc_order.status) in ENDED:
            for line in mine:
                _order_ended(line, pc_order)
            continue
        theirs = sorted(pc_order.lines, key=lambda li: li.line_item_number)
        for line, pc_line in zip(mine, theirs, strict=False):
            line.pc_subscription_id = pc_line.subscription_id or ""
        if any(not line.pc_subscription_id for line in mine):
            pending.append(pc_order)
    db.session.commit()
    if pending:
        raise StillProvisioning(
            "Partner Center is still provisioning the order ("
            + ", ".join(f"{o.id}: {o.status or 'no status'}" for o in pending) + ").",
            since=min((o.created for o in pending if o.created), default=None))


def _status(value: str) -> str:
    """An order status compared whatever its spelling (`po_review_rejected`, `Cancelled`)."""
    return value.replace("_", "").replace(" ", "").lower()


def _order_ended(line: OrderLine, pc_order: PcOrder) -> None:
    """Fail a line whose Partner Center order ended without provisioning it."""
    line.status, line.error_code = "failed", ""
    line.error_description = (
        f"Partner Center's order {pc_order.id} ended as '{pc_order.status}' without creating "
        "the subscription; nothing was provisioned for this line")


def mirror_subscriptions(order: Order, client: PartnerCenterClient) -> None:
    """Copy each new subscription into our mirror once (pc_subscription_id is unique)."""
    todo = [ln for ln in order.lines if ln.status == "ordered" and ln.pc_subscription_id]
    for pc_order_id in dict.fromkeys(ln.pc_order_id for ln in todo):
        listed = {s.id: s for s in client.list_subscriptions(
            order.pc_customer_id, order_id=pc_order_id, correlation_id=order.correlation_id)}
        mine = [ln for ln in todo if ln.pc_order_id == pc_order_id]
        numbers = _line_numbers(order, pc_order_id, mine, client)
        for line in mine:
            pc_sub = listed.get(line.pc_subscription_id) or client.get_subscription(
                order.pc_customer_id, line.pc_subscription_id,
                correlation_id=order.correlation_id)
            mirror(order, line, pc_sub, numbers.get(line.pc_subscription_id.lower()))
            line.status = "provisioned"
    db.session.commit()


def _line_numbers(order: Order, pc_order_id: str, lines: list[OrderLine],
                  client: PartnerCenterClient) -> dict[str, int]:
    """S6: software's lineItemNumber in its order by subscription id, read once per order
    holding software: cancelling it by order PATCH names its line alone, as the order may
    hold the cart's other one_time purchases (subscriptions.order_lines)."""
    if not any(ln.family in SOFTWARE for ln in lines):
        return {}
    pc_order = client.get_order(order.pc_customer_id, pc_order_id,
                                correlation_id=order.correlation_id)
    return {li.subscription_id.lower(): li.line_item_number for li in pc_order.lines
            if li.subscription_id}


def mirror(order: Order, line: OrderLine, pc: PcSubscription,
           line_item_number: int | None = None) -> Subscription:
    """The local copy of the subscription `line` bought, inserted unless an earlier run, or
    an add-licenses line of another order (provisioning.licenses), already did; with its
    line of the Partner Center order when known."""
    known = db.session.scalar(select(Subscription).where(
        Subscription.pc_subscription_id == pc.id))
    if known is not None:
        return known
    mirrored = Subscription(
        customer_id=order.customer_id, reseller_id=order.reseller_id,
        product_id=line.product_id, order_line_id=line.id, tenant_id=order.pc_customer_id,
        pc_subscription_id=pc.id, pc_order_id=line.pc_order_id,
        pc_line_item_number=line_item_number, offer_id=pc.offer_id,
        pc_product_id=line.pc_product_id, pc_sku_id=line.pc_sku_id, title=line.title,
        family=line.family, billing_cycle=line.billing_cycle,
        term_duration=line.term_duration, quantity=pc.quantity, status=pc.status or "active",
        autorenew=pc.auto_renew_enabled, partner_id=pc.partner_id or line.partner_of_record,
        purchased_at=pc.created or order.created_at, term_start=pc.created,
        term_end=pc.term_end, cancellation_allowed_until=pc.cancellation_allowed_until)
    db.session.add(mirrored)
    return mirrored


def mirror_software_entitlements(order: Order, client: PartnerCenterClient) -> None:
    """S7: after a software purchase, mirror what Partner Center says it entitles to, so a
    provider admin can record its keys against it. A failed read is not a failed order:
    the subscription sync reads entitlements again."""
    if not any(ln.family in SOFTWARE for ln in order.lines if ln.status == "provisioned"):
        return
    try:
        mirror_entitlements(client, order.customer_id, order.pc_customer_id)
    except PartnerCenterError as error:
        db.session.rollback()
        log.warning("entitlements of order %s not read: %s", order.id, error)
        return
    db.session.commit()


def finish(order: Order) -> str:
    """Settle the order's status from its lines and write it into the history."""
    failed = [ln for ln in order.lines if ln.status == "failed"]
    done = len(order.lines) - len(failed)
    if not failed:
        order.record(OrderStatus.PROVISIONED, "The line is active in Partner Center."
                     if done == 1 else f"All {done} lines are active in Partner Center.")
    else:
        reasons = "; ".join(f"line {ln.line_number + 1} ({ln.title}): {ln.error_description}"
                            for ln in failed)
        status = OrderStatus.PARTIALLY_PROVISIONED if done else OrderStatus.NEEDS_ATTENTION
        order.record(status, f"{done} of {counted(len(order.lines), 'line')} provisioned. "
                             f"Not provisioned: {reasons}.", next_step_for(failed[0].error_code))
    notify_outcome(order)
    db.session.commit()
    return order.status


def _summary(order: Order) -> str:
    """What was ordered, for whom, as the order's page shows it to the person who placed it
    (a reseller's customer's own user sees its retail prices, orders/retail.py)."""
    shown_retail = retail.sees_retail(order.placed_by, order.reseller_id)
    locale = buyer_locale(order.customer.language, order.customer.country)
    market = next((line.price.market for line in order.lines if line.price),
                  order.customer.country or "")

    def priced(line: OrderLine) -> str:
        amount = retail.line_amount(line, shown_retail)
        if free_azure_plan(line.family, amount):
            return AZURE_PLAN_PRICE.lower()  # K12: its Azure usage is what is billed
        return (f"{format_money(amount, line.currency, locale)} "
                f"{period_words(line.billing_cycle)}")

    lines = [f"- {line.title} × {line.quantity}: "
             f"{plan_words(line.term_duration, line.billing_cycle, line.family)}, "
             f"{priced(line)}" for line in order.lines]
    return "\n".join([f"Order {order.number} for {order.customer.company_name}, "
                       f"{counted(len(order.lines), 'line')} (amounts {tax_label(market)}):",
                       *lines])


def notify_outcome(order: Order) -> None:
    """Tell the person who ordered how it ended (in-app and by email); admins hear of orders
    that need them. The caller commits."""
    words = {OrderStatus.PROVISIONED: "is provisioned",
             OrderStatus.PARTIALLY_PROVISIONED: "is partly provisioned",
             OrderStatus.NEEDS_ATTENTION: "needs attention"}
    subject = f"Order {order.number} {words.get(order.status, order.status)}"
    body = f"{order.status_reason}\n{order.next_step}".strip()
    notify([order.placed_by], subject, f"{_summary(order)}\n\n{body}",
           f"/orders/{order.id}")
    if order.status != OrderStatus.PROVISIONED:
        admins = select(User).where(User.role == Role.PROVIDER_ADMIN, User.active.is_(True))
        notify(db.session.scalars(admins), subject, body, f"/admin/orders/{order.id}")
