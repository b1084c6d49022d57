"""R1/R2/B1: the price of a subscription's term, from the catalog: what a renewal reminder
promises for the next term and what billing charges once the renewal began it.

One function prices a term (`term_unit_price`): the buyer's price (the reseller's markup
on cost, or retail) of the plan's listed price in the buyer's market for that term and
billing frequency, or with `retail` the retail price a reseller invoices its end customer.
The reminder quotes it before the renewal (subscriptions.renewals.quote_next_term); the
sync records it when it sees the renewal (subscriptions.sync), so the renewed term is
billed at the price the buyer was promised, not at the first order line's.

Both price the term at the price-list row that sells on the term's first day (the renewal
date, catalog/effective.py), not today's: a price change Microsoft published for a day on
or before the renewal is the price the reminder announces and the renewed term is billed
at, and a sync that sees the renewal days late still records the row of its first day.

`price_of` is the price a subscription's term was bought at: its order line's, or for one
mirrored from Partner Center the catalog row of its term. It lives here, below
subscriptions.services, so the sync can keep an imported subscription's first term at that
price before its first renewal overwrites the term and billing it is read from (B2).
"""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal

from sqlalchemy import select

from catalog import effective
from catalog.models import Price, Product, Sku
from catalog.queries import buyer_market, buyer_price, markups_for
from persistence import as_utc, db
from subscriptions.models import Subscription


def plan_product(plan: str) -> Product | None:
    """The catalog product of a catalog item id (product:sku:availability), if sold here."""
    if not plan:
        return None
    return db.session.scalars(select(Product).where(
        Product.pc_product_id == plan.split(":")[0])).first()


def _product_id(sub: Subscription, plan: str = "") -> int | None:
    """The local product whose prices apply: the scheduled plan's, else this one's."""
    if not plan:
        return sub.product_id
    product = plan_product(plan)
    return product.id if product else None


def listed_prices(sub: Subscription, plan: str = "", day: date | None = None
                  ) -> list[Price]:
    """The plan's (or `plan`'s) listed prices in the buyer's market that sell on `day`
    (today): one row per term and billing, the price list's row of that day
    (catalog/effective.py)."""
    market = buyer_market(sub.customer.country if sub.customer else None)
    day = day or effective.today()
    return effective.selling(db.session.scalars(select(Price).join(Sku).where(
        Sku.product_id == _product_id(sub, plan), Price.market == market,
        Price.listed.is_(True), *effective.window_filter(day)).order_by(Price.id)).all(),
        day)


def term_unit_price(sub: Subscription, term_duration: str, billing_cycle: str,
                    plan: str = "", *, day: date | None = None, retail: bool = False,
                    quantity: int | None = None) -> tuple[Decimal | None, str]:
    """The unit price per licence and charge cycle of a term of this plan (or `plan`) that
    begins on `day` (today) with `quantity` licences (the subscription's), and its
    currency: the buyer's, or with `retail` the end customer's (B1); None and "" when the
    plan is not sold for that term and billing on that day."""
    rows = [p for p in listed_prices(sub, plan, day)
            if (p.term_duration, p.billing_cycle) == (term_duration, billing_cycle)]
    if not rows:
        return None, ""
    price = effective.tier_or_lowest(rows, sub.quantity if quantity is None else quantity)

    unit = Decimal(price.sell_price if retail else buyer_price(
        price, price.sku.product_id, markups_for(sub.reseller_id)))
    return unit, price.currency


def price_of(sub: Subscription) -> Price | None:
    """The price it was bought at (its order line), else (mirrored from Partner Center) the
    plan's row for its term and billing in its buyer's market (C7) that sold on its term's
    first day: Microsoft keeps a term's price, so a row that took over since does not
    reprice it (catalog/effective.py). Else today's row (a term older than the dated rows),
    else, when none sells, any row of them, listed first."""
    if sub.order_line is not None:
        return sub.order_line.price
    market = buyer_market(sub.customer.country if sub.customer else None)
    return (_selling_on(sub, market, _term_day(sub))
            or _selling_on(sub, market, effective.today())
            or db.session.scalar(_same_term(sub).order_by(Price.listed.desc(), Price.id)))


def _term_day(sub: Subscription) -> date:
    start = as_utc(sub.term_start)
    return start.astimezone(UTC).date() if start else effective.today()


def _same_term(sub: Subscription):
    return select(Price).join(Sku).where(
        Sku.product_id == sub.product_id, Price.term_duration == sub.term_duration,
        Price.billing_cycle == sub.billing_cycle)


def _selling_on(sub: Subscription, market: str, day: date) -> Price | None:
    """The plan's listed row for its term and billing sold on `day` in the buyer's market,
    in the tier of its licences: not a row announced for later, one past its end, or one
    a newer row replaced."""
    rows = db.session.scalars(_same_term(sub).where(
        Price.market == market, Price.listed.is_(True), *effective.window_filter(day))
        .order_by(Price.id)).all()
    selling = effective.selling(rows, day)
    return effective.tier_or_lowest(selling, sub.quantity) if selling else None


def buyer_unit_price(sub: Subscription, price: Price | None) -> Decimal:
    """What its buyer pays per license and charge cycle: the price on its order line (what
    the storefront showed), else today's buyer price (the reseller's markup, or retail)."""
    if sub.order_line is not None:
        return Decimal(sub.order_line.unit_price)
    if price is None:
        return Decimal(0)
    return Decimal(buyer_price(price, sub.product_id, markups_for(sub.reseller_id)))


def retail_unit_price(sub: Subscription, price: Price | None) -> Decimal:
    """What a reseller invoices its end customer per license and charge cycle: the retail
    price of the catalog price (the provider's own, else Microsoft's ERP), as billing
    records it on each charge for the reseller's re-invoice (billing/billed.py)."""
    return Decimal(0) if price is None else Decimal(price.sell_price)
