"""Buying an order's refused lines again is a new purchase: the checkout rules judge it
against what the customer holds now, not what it held when the order was placed.

An admin's "buy the refused lines again" (provisioning.jobs.requeue) may come days later.
Meanwhile the buyer may have bought the same plan in a new order, the reseller may have
lost its standing (K9), the MCA may have changed (K5). So the refused lines are put in a
cart of their own and every rule runs on it (placement's own context: the customer's
subscriptions in Partner Center and ours, other orders still open, K6's limit), as a
checkout would; only this order's refused lines are not counted as on order against
themselves. One more refusal is the retry's own: a line C4 would now plan as extra
licences on a subscription the customer holds (bought since) would, bought again as the
new subscription it was, make a second subscription of the plan (C4.bought_since).

Not every rule runs again: those that judge what the customer may hold and who may sell
it now do (K9 the reseller's standing, K8 its MPN on the line, K7 the segment, C3 a plan
no longer sold, C4 and K6 what is held or on order). The facts of the order itself (the
billing address, tax ID and tenant, K1-K4 and K11; the MCA attested to Partner Center for
this order, K5; its billing and market, C1, C2, C7; its quantities, S2) were judged when it
was placed; when Partner Center refuses one of them, its refusal is what the admin fixed.

`check` locks the customer's rows (placement.lock_tenant) before reading what the rules
judge, and the caller requeues in that same transaction, so a checkout racing the retry
is either seen by it or sees the retried lines on order (K6).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from checkout import reference
from checkout.context import CheckoutContext, FixUrls
from checkout.fetch import RemoteFacts
from checkout.plan import LinePlan
from checkout.problems import Problem
from checkout.rules import (
    c03_discontinued,
    c04_subscription_per_order,
    k06_business_plan_limit,
    k07_specialized_industry,
    k08_partner_of_record,
    k09_reseller_standing,
    run_rules,
)
from orders import cart as carts
from orders import snapshot
from orders.facts import build_context
from orders.models import Cart, CartLine, Order, OrderLine, OrderStatus
from orders.placement import lock_tenant
from persistence import db

RULE = "C4"
RULES = (k09_reseller_standing, k08_partner_of_record, k07_specialized_industry,
         c03_discontinued, c04_subscription_per_order, k06_business_plan_limit)


class RebuyRefused(Exception):
    """The rules refuse buying the lines again; each problem names its line and code."""

    def __init__(self, order: Order, lines: list[OrderLine], found: list[Problem]) -> None:
        said = "; ".join(_said(lines, problem) for problem in found)
        super().__init__(f"The refused lines of order {order.number} are not bought again: "
                         f"{said}")
        self.problems = found


def _said(lines: list[OrderLine], problem: Problem) -> str:
    where = "" if problem.line is None else f"line {lines[problem.line].line_number + 1}: "
    return f"{where}{problem.message} ({problem.code})"


def check(order: Order, pick: Callable[[Order], list[OrderLine]], remote: RemoteFacts,
          today: date, urls: FixUrls) -> None:
    """Lock the customer, then refuse (RebuyRefused) when a rule refuses buying the lines
    `pick` chooses (as they are under the lock) again; the lock is held for the caller's
    commit. Partner Center's `remote` facts are read before: no call is made under it."""
    lock_tenant(order.customer)
    lines = pick(order)
    found = problems(order, lines, remote, today, urls) if lines else []
    if found:
        db.session.rollback()
        raise RebuyRefused(order, lines, found)


def problems(order: Order, lines: list[OrderLine], remote: RemoteFacts, today: date,
             urls: FixUrls) -> list[Problem]:
    """Every rule's problems with buying `lines` of `order` again today; each problem's
    `line` is the index of its line in `lines`."""
    cart = Cart(customer=order.customer, lines=[_cart_line(line) for line in lines])
    carts.follow_selling_rows(cart, today)
    mine = {(order.id, line.line_number) for line in lines}
    rows = snapshot.read(order.customer)
    rows = rows._replace(pending=tuple(p for p in rows.pending
                                       if (p.order_id, p.line_number) not in mine))
    ctx = build_context(cart, remote, reference.current(), today, urls, rows)
    return run_rules(ctx, RULES) + [_bought_since(ctx, plan, line)
                             for plan, line in zip(ctx.plans, lines, strict=True)
                             if plan.action != line.action]


def _cart_line(line: OrderLine) -> CartLine:
    """The order line as a cart line of its own (never saved)."""
    return CartLine(price=line.price, quantity=line.quantity,
                    custom_term_end=line.custom_term_end,
                    reservation_scope=line.reservation_scope,
                    azure_subscription_id=line.azure_subscription_id)


def _bought_since(ctx: CheckoutContext, plan: LinePlan, line: OrderLine) -> Problem:
    facts = ctx.lines[plan.line_index]
    return Problem(
        RULE, f"{RULE}.bought_since",
        f"{facts.title} would be a second subscription of the plan: the customer holds one "
        "on the same billing and term now, bought since this order. Close this line, and "
        "add the licences from that subscription's page if the customer still wants them.",
        "add_to_subscription_id", ctx.urls.subscription_url(plan.subscription_id or ""),
        plan.line_index)


def bought_since(order: Order) -> list[Order]:
    """The customer's orders placed after `order` (a later id), except cancelled ones,
    oldest first: what the confirmation of a retry names."""
    query = select(Order).where(Order.customer_id == order.customer_id, Order.id > order.id,
                                Order.status != OrderStatus.CANCELLED).order_by(Order.id)
    return list(db.session.scalars(query))
