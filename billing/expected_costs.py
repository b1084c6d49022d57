"""B6: what Microsoft should bill per unit for one of our charges, at the provider's cost.

A charge of the term bought through our order line is expected at that line's catalog
price (the row it was sold at). A charge of a renewed term, or of a subscription with no
order line, is expected at the price-list row Microsoft renewed (or sold) that term at:
the row of the plan (product and SKU), term and billing frequency the term had, in the
buyer's market (C7) and the charge's currency, selling on the term's first day, in the
tier of its licences (catalog/effective.py). Microsoft renews at the price list of the
renewal's day and keeps that price for the term (common-billing-scenarios-onetime-
recurring); a renewal may apply another plan, term or billing (R1/R4), and a later one
another again, so the plan is the one the subscription held from that term's renewal
(subscriptions.models.RenewedTerm), not the one it holds today.

The term's first day is the latest renewal our own ledger charged on or before the charge
(`renew` charges: one grouped query per run, a second only for a credit of an earlier
period), or the mirror's current term's first day when the charge lies in it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select

from accounts.models import Customer
from billing.models import Charge, ChargeType
from billing.periods import parse_month
from catalog import effective
from catalog.models import Price, Sku
from catalog.queries import buyer_market
from persistence import as_utc, db
from subscriptions.models import RenewedTerm, Subscription


@dataclass(frozen=True)
class Plan:
    """What a term was sold as: the catalog product, its SKU ("" when unknown: any of the
    product's), the term and the billing frequency."""

    product_id: int
    pc_sku_id: str
    term_duration: str
    billing_cycle: str


class Renewals:
    """The renewals our ledger charged (`renew` charges' first days) of the subscriptions
    a month's reconciliation reads charges of, and the terms the sync recorded for them
    (their plans)."""

    def __init__(self, month: str, reconciled: ColumnElement[bool] | None = None) -> None:
        """`reconciled`: which charges the month's reconciliation reads, if more than the
        month's own (billing.late_billed)."""
        last = parse_month(month)[1]
        charged = select(Charge.subscription_id).where(
            Charge.billing_month == month if reconciled is None else reconciled)
        # .all(): a Result has keys() (its columns), which dict() would take for a mapping's.
        self._latest: dict[int, date] = dict(db.session.execute(
            select(Charge.subscription_id, func.max(Charge.period_start))
            .where(Charge.charge_type == ChargeType.RENEW, Charge.period_start <= last,
                   Charge.subscription_id.in_(charged))
            .group_by(Charge.subscription_id)).all())
        self._terms: dict[int, list[RenewedTerm]] = defaultdict(list)
        for term in db.session.scalars(select(RenewedTerm).where(
                RenewedTerm.subscription_id.in_(charged))
                .order_by(RenewedTerm.subscription_id, RenewedTerm.began_on)):
            self._terms[term.subscription_id].append(term)

    def before(self, subscription_id: int, day: date) -> date | None:
        """The first day of the latest renewal charged on or before `day`."""
        latest = self._latest.get(subscription_id)
        if latest is None or latest <= day:
            return latest
        return db.session.scalar(select(func.max(Charge.period_start)).where(
            Charge.subscription_id == subscription_id, Charge.charge_type == ChargeType.RENEW,
            Charge.period_start <= day))

    def plan(self, sub: Subscription, day: date) -> Plan:
        """The plan of the term running on `day`: the latest term the sync recorded by then
        (a later renewal may have moved the subscription since), else the one it holds (no
        renewal recorded: the one it was bought on, or one the sync has yet to see)."""
        term = next((t for t in reversed(self._terms.get(sub.id, ())) if t.began_on <= day),
                    None)
        if term is None:
            return Plan(sub.product_id, sub.pc_sku_id, sub.term_duration, sub.billing_cycle)
        if term.product_id is None:  # recorded before the plan was (migration 0048)
            return Plan(sub.product_id, sub.pc_sku_id, term.term_duration, term.billing_cycle)
        return Plan(term.product_id, term.pc_sku_id or "", term.term_duration,
                    term.billing_cycle)


class Costs:
    """The provider's cost per unit of each charge, as Microsoft bills it (module doc)."""

    def __init__(self, renewals: Renewals) -> None:
        self._renewals = renewals
        self._found: dict[tuple, Decimal | None] = {}

    def of(self, charge: Charge, price_id: int | None) -> Decimal | None:
        sub = db.session.get(Subscription, charge.subscription_id) \
            if charge.subscription_id else None
        renewed = None if sub is None else self._renewals.before(sub.id, charge.period_start)
        if price_id and renewed is None:
            return self._cached(("price", price_id), lambda: _line_cost(price_id))
        if sub is None:
            return None
        day = _term_began(sub, charge, renewed)
        plan = self._renewals.plan(sub, day)
        market = charge.market or _market(sub)
        return self._cached(("plan", plan, market, charge.currency, day, sub.quantity),
                            lambda: _catalog_cost(plan, market, charge.currency, day,
                                                  sub.quantity))

    def _cached(self, ref: tuple, read) -> Decimal | None:
        if ref not in self._found:
            self._found[ref] = read()
        return self._found[ref]


def _market(sub: Subscription) -> str:
    """The buyer's market (C7), for a charge that recorded none."""
    customer = db.session.get(Customer, sub.customer_id)
    return buyer_market(customer.country if customer else None)


def _term_began(sub: Subscription, charge: Charge, renewed: date | None) -> date:
    """The day whose price-list row Microsoft bills the charge at (catalog/effective.py):
    its term's first day, the later of the last renewal our ledger charged by then and the
    mirror's current term's first day if the charge lies in that term; else, neither known,
    the charge's own first day."""
    first, end = _utc_day(sub.term_start), _utc_day(sub.term_end)
    current = first if first is not None and first <= charge.period_start and (
        end is None or charge.period_start < end) else None
    known = [day for day in (renewed, current) if day is not None]
    return max(known) if known else charge.period_start


def _line_cost(price_id: int) -> Decimal | None:
    price = db.session.get(Price, price_id)
    return None if price is None else Decimal(price.unit_price)


def _catalog_cost(plan: Plan, market: str, currency: str, day: date,
                  quantity: int) -> Decimal | None:
    """The cost of the plan in the market and currency on `day`, in the tier of
    `quantity` licences, as Microsoft prices it; else any row of that offer."""
    same = select(Price.unit_price, Price.sku_id, Price.term_duration, Price.billing_cycle,
                  Price.market, Price.currency, Price.tier_min, Price.tier_max,
                  Price.effective_start, Price.effective_end).join(Sku).where(
        Sku.product_id == plan.product_id, Price.term_duration == plan.term_duration,
        Price.billing_cycle == plan.billing_cycle, Price.market == market,
        Price.currency == currency)
    if plan.pc_sku_id:
        same = same.where(Sku.pc_sku_id == plan.pc_sku_id)
    sold = effective.selling(db.session.execute(same.where(
        Price.listed.is_(True), *effective.window_filter(day)).order_by(Price.id)).all(), day)
    if sold:
        cost = effective.tier_or_lowest(sold, quantity).unit_price
    else:
        cost = db.session.scalar(same.order_by(Price.listed.desc(), Price.id).limit(1))
    return None if cost is None else Decimal(cost)


def _utc_day(moment: datetime | None) -> date | None:
    at = as_utc(moment)
    return None if at is None else at.astimezone(UTC).date()
