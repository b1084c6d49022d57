"""Check and place orders: every rule runs; an order exists only when none refuses.

place_order follows lock → re-read → validate inside one transaction: Partner Center facts
are gathered first (no external call inside the transaction), then the customer's row —
and every row on the same tenant — is locked so two racing checkouts are serialised, the
database facts are read again, every rule runs, and the order, its lines and its
provisioning job are inserted and committed once. A replayed idempotency key returns the
order it first created. When the buyer's quote (orders/quote.py) is given, a price that
changed since the review refuses the order with the rules' problems (B1).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from sqlalchemy import Select, Update, bindparam, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from accounts.models import Customer
from checkout import reference
from checkout.context import CheckoutContext, FixUrls
from checkout.fetch import RemoteFacts
from checkout.plan import LinePlan
from checkout.problems import CheckoutRefused, Problem
from checkout.rules import (
    k01_billing_address,
    k02_postal_code,
    k03_tax_id,
    k04_delegated_admin,
    k11_tenant_ownership,
    run_rules,
)
from orders import cart as carts
from orders import line_units, snapshot
from orders import quote as quotes
from orders.facts import build_context, record_context
from orders.inserts import insert_order
from orders.models import Cart, CartLine, Order
from persistence import db
from persistence.money import charge_amount

log = logging.getLogger(__name__)


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different order."""

    def __init__(self, order: Order):
        super().__init__(f"idempotency key already used for order {order.number}")
        self.order = order


def check_order(cart: Cart, remote: RemoteFacts, today: date, urls: FixUrls) -> list[Problem]:
    """The dry run: every problem of every line, nothing written."""
    return dry_run(cart, remote, today, urls)[0]


def dry_run(cart: Cart, remote: RemoteFacts, today: date,
            urls: FixUrls) -> tuple[list[Problem], tuple[LinePlan, ...]]:
    """The dry run's problems and C4's plan of each line, which its review is priced by
    (orders/line_units.py): a line that adds licences costs the held subscription's price.
    The lines first move to the price-list rows that sell today."""
    ref = reference.current()
    carts.follow_selling_rows(cart, today)
    ctx = build_context(cart, remote, ref, today, urls)
    return _problems(cart, ctx), ctx.plans


# The checks of the customer record itself: every checkout for the customer would report
# these, whatever the cart holds, so they are shown where the record is kept.
RECORD_CHECKS = (k01_billing_address.check, k02_postal_code.check, k03_tax_id.check,
                 k04_delegated_admin.check_record, k11_tenant_ownership.check)


def record_problems(customer: Customer, today: date, urls: FixUrls) -> list[Problem]:
    """K1-K3, K4's tenant details and K11's proof of control on the customer as saved,
    before anything is in a cart (no Partner Center call: the record's facts decide)."""
    ctx = record_context(customer, reference.current(), today, urls)
    return [problem for check in RECORD_CHECKS for problem in check(ctx)]


def _problems(cart: Cart, ctx: CheckoutContext) -> list[Problem]:
    if not cart.lines:
        return [Problem("C2", "C2.empty_cart", "The cart is empty: add a plan from the shop.",
                        "lines")]
    return run_rules(ctx)


def fingerprint(cart: Cart, quote: quotes.Quote | None = None) -> str:
    """What was asked, so a replayed key with a different request is detected: the cart,
    and the prices the buyer stated (B1), which are part of what it asked for."""
    lines = [(line.price_id, line.quantity, line.add_to_subscription_id)
             + ((line.custom_term_end.isoformat(),) if line.custom_term_end else ())
             + ((line.reservation_scope or "", (line.azure_subscription_id or "").lower())
                if line.reservation_scope or line.azure_subscription_id else ())
             for line in cart.lines]  # R6, K12: such lines differ; others hash as before
    asked: dict = {"customer": cart.customer_id, "lines": sorted(lines)}
    if quote is not None:  # a request without one hashes as before
        asked["quote"] = _stated(quote)
    return hashlib.sha256(json.dumps(asked).encode()).hexdigest()


def _stated(quote: quotes.Quote) -> dict:
    """The quote's amounts by value: 37.5 and 37.5000 state the same price."""
    amount = lambda value: None if value is None else format(value.normalize(), "f")  # noqa: E731
    return {"lines": None if quote.lines is None else
            [[price_id, amount(unit)] for price_id, unit in quote.lines],
            "totals": {key: amount(value) for key, value in sorted(quote.totals.items())}}


class Placed(NamedTuple):
    order: Order
    replayed: bool  # an earlier request with the same idempotency key placed it


def place_order(cart: Cart, user, remote: RemoteFacts, today: date, urls: FixUrls, *,
                idempotency_key: str, enqueue: Callable[[int], None],
                quote: quotes.Quote | None = None) -> Placed:
    """Lock, re-read, validate, insert, commit once; then hand the order to the workers.

    The order points to the MCA record the rules checked under the lock (K5); with a
    quote, it is placed only at the prices the buyer was shown (B1)."""
    ref = reference.current()  # may seed (and commit): before the order's transaction
    try:
        order = _insert_order(cart, user, remote, ref, today, urls, idempotency_key, quote)
        _commit_keeping_loaded()
    except (_Replayed, IntegrityError):  # the key's order, or a double submit's that won it
        db.session.rollback()
        return Placed(_replay(idempotency_key, cart, quote) or _raise_lost(idempotency_key),
                      True)
    except CheckoutRefused:
        db.session.rollback()
        raise
    _hand_over(order.id, enqueue)
    return Placed(order, replayed=False)


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the request holds: the order, its lines, history and
    job were written whole by this transaction (no column is computed by the database),
    so reading them back for the buyer's answer would return exactly what is in memory."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


@cache  # built once, on first use when every model is mapped (see checkout/build.py)
def _by_key() -> Select:
    return select(Order).where(Order.idempotency_key == bindparam("key"))


def _replay(key: str, cart: Cart, quote: quotes.Quote | None) -> Order | None:
    order = db.session.scalar(_by_key(), {"key": key})
    if order is not None and cart.lines and order.fingerprint != fingerprint(cart, quote):
        raise IdempotencyConflict(order)
    return order


def _raise_lost(key: str):
    raise RuntimeError(f"order with idempotency key {key} vanished")


class _Replayed(Exception):
    """The idempotency key placed an order already: the caller answers with that order."""


def _insert_order(cart, user, remote, ref, today, urls, key, quote) -> Order:
    # Held until the rules have run: opening the transaction may expire the customer (on
    # SQLite, when one was open already), which lets go of customer.reseller, and the
    # identity map keeps only rows something references, so the reseller would otherwise
    # be read a second time.
    reseller = cart.customer.reseller  # noqa: F841
    lock_tenant(cart.customer)
    _reread_cart(cart)
    # #27: the replay check rides with the rules' reads, one round trip under the lock; a
    # replay is answered before any rule runs, so the first order (pending now) cannot
    # make K6 refuse its own replay.
    rows = snapshot.read(cart.customer, key)
    if rows.replay_of is not None:
        raise _Replayed
    carts.follow_selling_rows(cart, today)  # the price-list rows that sell today
    ctx = build_context(cart, remote, ref, today, urls, rows)
    # B1/C4: each line's unit price as the order records it and as the quote check
    # compares it, and the subscription it adds licences to, from one lookup
    priced = line_units.priced(cart, ctx.plans, ref.markups(cart.customer.reseller_id))
    problems = _problems(cart, ctx) + quotes.check(quote, cart, user, priced,
                                                   urls.billing_choice)
    if problems:
        raise CheckoutRefused(problems, ctx.plans)
    order = _new_order(cart, user, ctx, key, priced, fingerprint(cart, quote))
    cart.lines.clear()
    return order


def lock_tenant(customer: Customer) -> None:
    """Row locks on the customer and its tenant's other customers, reading them afresh.

    The rows come back from the locking UPDATE itself. What else the rules judge by
    (qualifications, the MCA record, subscriptions, open orders) is read after this as
    plain rows, so it includes every racing checkout that committed first. Catalog rows
    are not re-read: the lock does not guard them, and an admin's change is seen by the
    next checkout (checkout/reference.py).

    SQLite has no row locks: the transaction starts with BEGIN IMMEDIATE, taking the
    database's write lock before anything is read, so a racing checkout waits for ours.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        _begin_immediate()
    # An empty tenant id stands for none: only the customer is locked then, and the
    # statement has no tenant condition (a prepared plan for "id = ? OR tenant_id = ?"
    # must allow for any tenant, and scanned 100k customers on PostgreSQL).
    rows = db.session.execute(_lock(bool(customer.tenant_id)), {
        "locked_id": customer.id, "locked_tenant": customer.tenant_id}).all()
    fresh = next((row for row in rows if row.id == customer.id), None)
    if fresh is not None:
        _refresh(customer, fresh._mapping)


def _refresh(customer: Customer, fresh) -> None:
    """The customer as its locked row has it now. #27: the columns come back as a plain
    row and only what differs from the loaded object is set (as if loaded), instead of
    the ORM rebuilding the whole object; a changed reseller is read again when asked."""
    loaded = inspect(customer).dict
    for key, column in _customer_columns():
        if key not in loaded or loaded[key] != fresh[column]:
            set_committed_value(customer, key, fresh[column])
            if key == "reseller_id":
                db.session.expire(customer, ["reseller"])


@cache  # built once, on first use when every model is mapped
def _customer_columns() -> tuple:
    return tuple((prop.key, prop.columns[0]) for prop in inspect(Customer).column_attrs)


@cache
def _lock(with_tenant: bool) -> Update:
    # (an UPDATE reserves its columns' names for parameters of its SET clause)
    table = Customer.__table__
    locked = table.c.id == bindparam("locked_id")
    if with_tenant:
        locked = or_(locked, table.c.tenant_id == bindparam("locked_tenant"))
    return (update(table).where(locked).values(updated_at=table.c.updated_at)
            .returning(*table.c))


def _begin_immediate() -> None:
    """pysqlite opens a transaction only for a write; one already open (the request wrote
    before checking out) is ended first, which also expires what it loaded."""
    if db.session.connection().connection.dbapi_connection.in_transaction:
        db.session.rollback()
    db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _reread_cart(cart: Cart) -> None:
    """A saved cart's lines as they are now: a second tab may have placed them already."""
    if inspect(cart).persistent:
        lines = db.session.scalars(select(CartLine).filter_by(cart_id=cart.id)
                                   .order_by(CartLine.id)
                                   .execution_options(populate_existing=True)).all()
        set_committed_value(cart, "lines", lines)


def _new_order(cart: Cart, user, ctx: CheckoutContext, key: str,
               priced: list[line_units.LineUnit], asked: str) -> Order:
    customer = cart.customer
    mpn = ctx.partner_of_record or ""
    lines = [_order_line(i, line, plan, mpn, unit)
             for i, (line, plan, unit) in enumerate(zip(cart.lines, ctx.plans, priced,
                                                        strict=True))]
    return insert_order({
        "idempotency_key": key, "fingerprint": asked, "customer_id": customer.id,
        "reseller_id": customer.reseller_id, "placed_by_id": user.id,
        "currency": lines[0]["currency"], "total": sum(_amount(line) for line in lines),
        "mca_acceptance_id": ctx.mca.acceptance_id, "tenant_mode": customer.tenant_mode,
        "domain_prefix": customer.domain_prefix, "pc_customer_id": customer.tenant_id,
    }, lines, "Order placed; it will be provisioned in the background.")


def _amount(line: dict) -> Decimal:
    """A line's amount by the rule OrderLine.amount follows (B5)."""
    return charge_amount(line["unit_price"], line["quantity"], line["currency"])


def _order_line(index, line, plan, mpn, priced: line_units.LineUnit) -> dict:
    """The order line's column values; extra licenses at the held subscription's term price
    billing charges them at (B1, B5, orders/line_units.py), as the review showed."""
    price, sku = line.price, line.price.sku
    adds = plan.action == "add_licenses"
    unit, target = priced.unit, priced.target
    pc_target = plan.subscription_id if adds and not plan.subscription_id.startswith(
        "local:") else ""
    return {
        "line_number": index, "product_id": sku.product_id, "price_id": price.id,
        "pc_product_id": sku.product.pc_product_id, "pc_sku_id": sku.pc_sku_id,
        "title": sku.product.title, "family": sku.product.family,
        "billing_cycle": price.billing_cycle, "term_duration": price.term_duration,
        "quantity": line.quantity, "unit_price": unit, "currency": price.currency,
        "action": plan.action, "target_subscription_id": target,
        "partner_of_record": mpn, "pc_subscription_id": pc_target,
        "custom_term_end": None if adds else line.custom_term_end,
        "reservation_scope": line.reservation_scope or "",  # K12: sent as provisioningContext
        "azure_subscription_id": line.azure_subscription_id or ""}


def _hand_over(order_id: int, enqueue: Callable[[int], None]) -> None:
    """Queue the order; if the queue is down, the job row makes the reconciler find it."""
    try:
        enqueue(order_id)
    except Exception:  # noqa: BLE001 - any broker failure: the durable job row remains
        log.exception("could not queue order %s; the reconciler will pick it up", order_id)
