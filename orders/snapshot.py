"""The database facts a checkout judges by, read under the customer's lock in one round trip.

#27: the approved segments (K7), the latest MCA record (K5), the tenant's subscriptions and
the open orders' lines (K6, K8, C3), and whether the idempotency key already placed an
order were five queries, five round trips while every racing checkout of the tenant waits
on the lock. They are one UNION ALL now: each branch is tagged with its kind and padded to
one shape (an id, a number, eight texts), and the rows are sorted back into their kinds
here. Plain rows, never entities: always as committed now, never a copy the request loaded
earlier.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from accounts.models import Customer, CustomerQualification
from agreements import mca
from orders.models import OPEN_STATUSES, Order, OrderLine
from persistence import db
from subscriptions.models import CHECKOUT_FACTS, Subscription

# K6 counts the Business lines of orders not provisioned yet, K12 an Azure plan on order;
# no other pending line matters.
BUSINESS = "office365_business"
ON_ORDER_FAMILIES = (BUSINESS, "azure_plan")
TEXTS = 8  # the widest branch, a subscription, has eight text columns


class Mca(NamedTuple):
    id: int
    agreement_version: str
    acting_as: str


class Local(NamedTuple):
    id: int
    pc_subscription_id: str
    pc_product_id: str
    pc_sku_id: str
    family: str
    billing_cycle: str
    term_duration: str
    status: str
    partner_id: str


class Pending(NamedTuple):
    order_id: int
    line_number: int
    pc_product_id: str
    pc_sku_id: str
    family: str
    billing_cycle: str
    term_duration: str
    partner_of_record: str
    pc_subscription_id: str


class Snapshot(NamedTuple):
    approved: frozenset[str]
    mca: Mca | None
    local: tuple[Local, ...]
    pending: tuple[Pending, ...]
    replay_of: int | None  # the order this idempotency key already placed


def read(customer: Customer, idempotency_key: str | None = None) -> Snapshot:
    """Every database fact of the customer's checkout, in one statement."""
    statements = _statements()
    statement = statements.direct if customer.reseller_id is None else statements.resold
    rows = db.session.execute(statement, {
        "customer_id": customer.id, "reseller_id": customer.reseller_id,
        # an empty tenant id stands for none: it must not match every customer without one
        "tenant_id": customer.tenant_id or None, "key": idempotency_key}).all()
    return _sorted(rows)


def _sorted(rows) -> Snapshot:
    by_kind: dict[str, list] = {"approved": [], "mca": [], "local": [], "pending": [],
                                "replay": []}
    for row in rows:
        by_kind[row.kind].append(row)
    return Snapshot(
        approved=frozenset(row.t0 for row in by_kind["approved"]),
        mca=next((Mca(row.id, row.t0, row.t1) for row in by_kind["mca"]), None),
        local=tuple(Local(row.id, *_texts(row, 8)) for row in by_kind["local"]),
        pending=tuple(Pending(row.id, row.n, *_texts(row, 7)) for row in by_kind["pending"]),
        replay_of=next((row.id for row in by_kind["replay"]), None))


def _texts(row, count: int) -> tuple:
    return tuple(getattr(row, f"t{i}") for i in range(count))


def _branch(kind: str, ident=None, number=None, *texts) -> Select:
    """One branch in the shared shape: kind, id, n, t0 … t7."""
    padding = [cast(null(), String)] * (TEXTS - len(texts))
    return select(
        literal_column(f"'{kind}'", String).label("kind"),
        (cast(null(), Integer) if ident is None else ident).label("id"),
        (cast(null(), Integer) if number is None else number).label("n"),
        *(column.label(f"t{i}") for i, column in enumerate([*texts, *padding])))


class _Statements(NamedTuple):
    direct: CompoundSelect  # the customer's own MCA acceptance
    resold: CompoundSelect  # its reseller's MCA confirmation


@cache  # built on first use, when every model is mapped
def _statements() -> _Statements:
    """Built once with their parameters bound per call (see checkout/build.py on why)."""
    common = (_approved(), _local(), _pending(), _replay())
    accepted = mca.latest_query(bindparam("customer_id"))
    confirmed = mca.latest_query(bindparam("customer_id"), bindparam("reseller_id"))
    return _Statements(direct=union_all(_mca(accepted), *common),
                       resold=union_all(_mca(confirmed), *common))


def _approved() -> Select:
    qualification = CustomerQualification
    return _branch("approved", None, None, qualification.segment).where(
        qualification.customer_id == bindparam("customer_id"),
        qualification.status == "approved")


def _mca(latest: Select) -> Select:
    acceptance = mca.McaAcceptance
    row = latest.with_only_columns(acceptance.id, acceptance.agreement_version,
                                   acceptance.acting_as).subquery()
    return _branch("mca", row.c.id, None, row.c.agreement_version, row.c.acting_as)


def _tenant():
    """This customer and every other local customer on the same Microsoft tenant (K8);
    SQL's NULL = NULL is never true, so without a tenant only the customer matches."""
    return or_(Customer.id == bindparam("customer_id"),
               Customer.tenant_id == bindparam("tenant_id"))


def _local() -> Select:
    # Exactly the columns the customer index carries on PostgreSQL (CHECKOUT_FACTS): a
    # customer with many subscriptions is then read from the index alone.
    s = Subscription
    ident, *texts = (getattr(s, name) for name in CHECKOUT_FACTS)
    return _branch("local", ident, None, *texts).join_from(s, Customer).where(_tenant())


def _pending() -> Select:
    line = OrderLine
    return _branch(
        "pending", line.order_id, line.line_number, line.pc_product_id, line.pc_sku_id,
        line.family, line.billing_cycle, line.term_duration, line.partner_of_record,
        line.pc_subscription_id,
    ).join_from(line, Order).join(Customer, Order.customer_id == Customer.id).where(
        _tenant(), Order.status.in_(OPEN_STATUSES), line.action == "new_subscription",
        or_(line.pc_subscription_id != "", line.family.in_(ON_ORDER_FAMILIES)))


def _replay() -> Select:
    """The order this key placed: found under the lock, so a racing double submit that
    committed first is returned instead of refused by the rules it now affects (K6)."""
    return _branch("replay", Order.id).where(
        Order.idempotency_key == bindparam("key"))
