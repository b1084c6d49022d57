"""Carts, orders, their lines and history, and each order's provisioning job (the durable
record the workers act on, written in the same transaction as the order)."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import ColumnElement, and_, exists, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.sql.functions import FunctionElement

from persistence import Money, db, utcnow
from persistence.money import charge_amount


def new_uuid() -> str:
    return str(uuid.uuid4())


class OrderStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    PROVISIONING = "provisioning"
    PROVISIONED = "provisioned"
    PARTIALLY_PROVISIONED = "partially_provisioned"
    NEEDS_ATTENTION = "needs_attention"
    CANCELLED = "cancelled"


OPEN_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.PROVISIONING, OrderStatus.NEEDS_ATTENTION)

# What a stuck order means for the reseller or customer who placed it. The stored next step
# is the provider admin's instruction (provisioning/attention.py: "retry from the attention
# queue"); a buyer can do none of that, so buyers read this instead.
BUYER_NEXT_STEPS = {
    OrderStatus.NEEDS_ATTENTION: "The provider is looking into it; there is nothing for you "
                                 "to do now. You will get an email when the order moves on.",
    OrderStatus.PARTIALLY_PROVISIONED: "The provider is looking into the lines that failed; "
                                       "the lines marked provisioned are ready to use.",
}


def buyer_next_step(status: str, line_statuses) -> str:
    """What the order's status means for its buyer; a partly provisioned order whose lines
    not provisioned were closed (provisioning.closing) has nothing left to look into."""
    if status == OrderStatus.PARTIALLY_PROVISIONED and "failed" not in set(line_statuses):
        return ""
    return BUYER_NEXT_STEPS.get(status, "")


class Cart(db.Model):
    """One buyer's cart for one customer; kept in the database so it survives sign-out."""

    __tablename__ = "carts"
    __table_args__ = (db.UniqueConstraint("user_id", "customer_id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow,
                           onupdate=utcnow)

    customer = db.relationship("Customer")
    lines = db.relationship("CartLine", back_populates="cart", order_by="CartLine.id",
                            cascade="all, delete-orphan")


class CartLine(db.Model):
    __tablename__ = "cart_lines"

    id = db.Column(db.Integer, primary_key=True)
    cart_id = db.Column(db.Integer, db.ForeignKey("carts.id"), nullable=False, index=True)
    price_id = db.Column(db.Integer, db.ForeignKey("prices.id"), nullable=False)
    quantity = db.Column(db.Integer, nullable=False, default=1)
    # "Add licenses" to an existing subscription (C3, C4) instead of a new one.
    add_to_subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"))
    # R6: the first term ends with this subscription's term (customTermEndDate); NULL: the
    # standard term.
    custom_term_end = db.Column(db.Date)
    coterm_subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"))
    # K12: a reservation's scope (shared or single) and the Azure subscription of the
    # customer's Azure plan it applies to; sent as the cart line's provisioningContext.
    reservation_scope = db.Column(db.String(10), nullable=False, default="")
    azure_subscription_id = db.Column(db.String(36), nullable=False, default="")

    cart = db.relationship("Cart", back_populates="lines")
    price = db.relationship("Price")
    add_to_subscription = db.relationship("Subscription",
                                          foreign_keys=[add_to_subscription_id])
    coterm_subscription = db.relationship("Subscription",
                                          foreign_keys=[coterm_subscription_id])


def order_number(order_id: int) -> str:
    return f"ORD-{order_id:06d}"


class OrderNumber(FunctionElement):
    """`order_number` in SQL, so orders can be searched and selected by number."""

    type = db.String()
    inherit_cache = True


@compiles(OrderNumber)
def _number_sqlite(element, compiler, **kw) -> str:
    return f"('ORD-' || printf('%06d', {compiler.process(element.clauses, **kw)}))"


@compiles(OrderNumber, "postgresql")
def _number_postgresql(element, compiler, **kw) -> str:
    digits = f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"
    return f"('ORD-' || lpad({digits}, greatest(6, length({digits})), '0'))"


class Order(db.Model):
    __tablename__ = "orders"

    id = db.Column(db.Integer, primary_key=True)
    # The number derives from the id (`number` below, #27): an INSERT cannot know its own
    # id, so storing the number cost a second UPDATE per order (migration 0035 dropped the
    # column: it held the same text).
    idempotency_key = db.Column(db.String(100), nullable=False, unique=True)
    fingerprint = db.Column(db.String(64), nullable=False, default="")
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False,
                            index=True)
    reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    placed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    status = db.Column(db.String(30), nullable=False, default=OrderStatus.SUBMITTED, index=True)
    status_reason = db.Column(db.Text, nullable=False, default="")
    next_step = db.Column(db.Text, nullable=False, default="")
    currency = db.Column(db.String(3), nullable=False, default="USD")
    total = db.Column(Money(), nullable=False, default=0)
    mca_acceptance_id = db.Column(db.Integer, db.ForeignKey("mca_acceptances.id"))
    # Partner Center bookkeeping: every id is stored before the call that uses it, so a
    # crashed provisioning run resumes with the same MS-RequestId instead of doubling.
    correlation_id = db.Column(db.String(36), nullable=False, default=new_uuid)
    tenant_mode = db.Column(db.String(10), nullable=False, default="new")
    domain_prefix = db.Column(db.String(27), nullable=False, default="")
    pc_customer_id = db.Column(db.String(36), nullable=False, default="")
    pc_customer_request_id = db.Column(db.String(36), nullable=False, default="")
    pc_attestation_request_id = db.Column(db.String(36), nullable=False, default="")
    pc_cart_id = db.Column(db.String(36), nullable=False, default="")
    pc_cart_request_id = db.Column(db.String(36), nullable=False, default="")
    pc_checkout_request_id = db.Column(db.String(36), nullable=False, default="")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow,
                           onupdate=utcnow)

    customer = db.relationship("Customer")
    reseller = db.relationship("Reseller")
    placed_by = db.relationship("User")
    lines = db.relationship("OrderLine", back_populates="order", order_by="OrderLine.line_number",
                            cascade="all, delete-orphan")
    events = db.relationship("OrderEvent", back_populates="order", order_by="OrderEvent.id",
                             cascade="all, delete-orphan")

    @hybrid_property
    def number(self) -> str | None:
        """The order's number as buyers and admins see it: ORD- and the id, six digits."""
        return order_number(self.id) if self.id is not None else None

    @number.inplace.expression
    @classmethod
    def _number_expression(cls) -> ColumnElement[str]:
        return OrderNumber(cls.id)

    @property
    def buyer_next_step(self) -> str:
        """The next step as the buyer reads it: what the status means for them."""
        return buyer_next_step(self.status, (line.status for line in self.lines))

    def record(self, status: str, note: str = "", next_step: str = "") -> None:
        """Move to a status and write it into the order's history."""
        self.status, self.status_reason, self.next_step = status, note, next_step
        self.events.append(OrderEvent(status=status, note=note))


class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (db.UniqueConstraint("order_id", "line_number"),)

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False)
    line_number = db.Column(db.Integer, nullable=False)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False)
    price_id = db.Column(db.Integer, db.ForeignKey("prices.id"), nullable=False)
    pc_product_id = db.Column(db.String(40), nullable=False)
    pc_sku_id = db.Column(db.String(20), nullable=False)
    title = db.Column(db.String(300), nullable=False)
    family = db.Column(db.String(30), nullable=False)
    billing_cycle = db.Column(db.String(10), nullable=False)
    term_duration = db.Column(db.String(3), nullable=False, default="")
    quantity = db.Column(db.Integer, nullable=False)
    unit_price = db.Column(Money(), nullable=False)
    currency = db.Column(db.String(3), nullable=False)
    action = db.Column(db.String(20), nullable=False, default="new_subscription")
    # add_licenses: our row of the subscription; empty when checkout chose one Partner
    # Center listed before we mirrored it (pc_subscription_id names it): provisioning then
    # finds and mirrors it itself (provisioning.licenses).
    target_subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"))
    # add_licenses: the absolute seat count to set, computed once before the first PATCH so
    # a re-run sets the same number instead of adding the licenses a second time.
    target_quantity = db.Column(db.Integer)
    partner_of_record = db.Column(db.String(20), nullable=False, default="")  # K8
    # R6: the first term's end date sent as customTermEndDate: its LAST day (inclusive)
    custom_term_end = db.Column(db.Date)
    reservation_scope = db.Column(db.String(10), nullable=False, default="")  # K12
    azure_subscription_id = db.Column(db.String(36), nullable=False, default="")  # K12
    status = db.Column(db.String(20), nullable=False, default="pending", index=True)
    pc_order_id = db.Column(db.String(60), nullable=False, default="")
    pc_subscription_id = db.Column(db.String(60), nullable=False, default="")
    error_code = db.Column(db.String(20), nullable=False, default="")
    error_description = db.Column(db.Text, nullable=False, default="")

    order = db.relationship("Order", back_populates="lines")
    product = db.relationship("Product")
    price = db.relationship("Price")
    target_subscription = db.relationship("Subscription", foreign_keys=[target_subscription_id])

    @property
    def amount(self):
        """The line's amount by the one rule a charge line follows (B5), so the order, the
        cart before it and the invoice after it show the same figure."""
        return charge_amount(self.unit_price, self.quantity, self.currency)


class OrderEvent(db.Model):
    """One transition in an order's history, with its time."""

    __tablename__ = "order_events"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False, index=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    status = db.Column(db.String(30), nullable=False)
    note = db.Column(db.Text, nullable=False, default="")

    order = db.relationship("Order", back_populates="events")


class ProvisioningJob(db.Model):
    """The durable record that an order must be provisioned; a queue message can be lost,
    this row cannot, so the reconciler finds every order whose job is not done."""

    __tablename__ = "provisioning_jobs"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False, unique=True)
    state = db.Column(db.String(20), nullable=False, default="queued", index=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    run_after = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    locked_until = db.Column(db.DateTime(timezone=True))
    last_error = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow,
                           onupdate=utcnow)

    order = db.relationship("Order", backref=db.backref("job", uselist=False))
    # When the job was last queued: at placement, and again by an admin's retry
    # (provisioning.jobs.requeue); the order keeps when it was placed. The queue's oldest
    # job is measured from it (operations.metrics).
    queued_at = db.synonym("created_at")


def needs_a_person() -> ColumnElement[bool]:
    """The orders waiting for an admin: needing attention, or partly provisioned with a line
    that failed (each has a retry or a close on its page; a closed line is not failed). The
    System page, the dashboards, the metric and the admins' queue all count these."""
    failed = exists().where(OrderLine.order_id == Order.id, OrderLine.status == "failed")
    return or_(Order.status == OrderStatus.NEEDS_ATTENTION,
               and_(Order.status == OrderStatus.PARTIALLY_PROVISIONED, failed))
