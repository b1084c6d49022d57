"""What each buyer may see in the shop and what it pays; admin catalog searches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select

from catalog.margins import Margin, margin
from catalog.models import CatalogSettings, Price, Product, ResellerMarkup, Sku
from catalog.pricing import reseller_price, tax_label
from persistence import db
from persistence.search import contains

CYCLE_ORDER = {"monthly": 0, "annual": 1, "triennial": 2, "one_time": 3}
TERM_ORDER = {"P1M": 0, "P1Y": 1, "P3Y": 2, "": 3}


@dataclass(frozen=True)
class OfferPrice:
    price_id: int
    sku_title: str
    term_duration: str
    billing_cycle: str
    currency: str
    amount: Decimal
    tax_label: str
    market: str = ""
    # What a reseller's end customer pays (only when a reseller is buying): the margin's
    # other side; None for everybody else, so a customer's page has no cost to leak.
    retail: Decimal | None = None

    @property
    def margin(self) -> Margin | None:
        return None if self.retail is None else margin(self.amount, self.retail, self.currency)


@dataclass(frozen=True)
class Offer:
    product: Product
    prices: tuple[OfferPrice, ...]


def _price_filter(market: str, annual_sellable: bool):
    """Listed prices in the market; annual billing only when C1's two switches are on."""
    conditions = [Price.market == market, Price.listed.is_(True)]
    if not annual_sellable:
        conditions.append(Price.billing_cycle != "annual")
    return conditions


def shop_products(market: str, *, annual_sellable: bool, q: str = "", segment: str = "",
                  family: str = ""):
    """A select() of sellable products: enabled, listed, not discontinued, priced here."""
    # Uncorrelated on purpose: computed once, where a correlated EXISTS made SQLite scan the
    # market's prices once per product (34 s for 5,000 products).
    priced = select(Sku.product_id).join(Price, Price.sku_id == Sku.id).where(
        *_price_filter(market, annual_sellable))
    query = select(Product).where(Product.enabled.is_(True), Product.listed.is_(True),
                                  Product.discontinued.is_(False), Product.id.in_(priced))
    return _filtered(query, q=q, segment=segment, family=family).order_by(Product.title)


def _filtered(query, *, q: str = "", segment: str = "", family: str = ""):
    if q:
        query = query.where(or_(contains(Product.title, q), contains(Product.pc_product_id, q)))
    if segment:
        query = query.where(Product.segment == segment)
    if family:
        query = query.where(Product.family == family)
    return query


def offers(products: Sequence[Product], market: str, *, annual_sellable: bool,
           reseller_id: int | None = None) -> list[Offer]:
    """The priced offers of one page of products, in one query, at the buyer's price."""
    if not products:
        return []
    rows = db.session.execute(
        select(Price, Sku).join(Sku).where(Sku.product_id.in_([p.id for p in products]),
                                           *_price_filter(market, annual_sellable))
    ).all()
    markups = markups_for(reseller_id)
    grouped: dict[int, list[OfferPrice]] = defaultdict(list)
    for price, sku in rows:
        grouped[sku.product_id].append(_offer_price(price, sku, markups,
                                                    reseller=reseller_id is not None))
    return [Offer(p, tuple(sorted(grouped[p.id], key=_price_order))) for p in products]


def _price_order(price: OfferPrice):
    return price.sku_title, TERM_ORDER.get(price.term_duration, 9), \
        CYCLE_ORDER.get(price.billing_cycle, 9)


def buyer_price(price: Price, product_id: int, markups: dict) -> Decimal:
    """What the buyer pays per licence: cost + its markup (reseller), else the sell price."""
    markup = markups.get(product_id, markups.get(None))
    return (reseller_price(price.unit_price, markup, price.currency) if markup is not None
            else price.sell_price)


def _offer_price(price: Price, sku: Sku, markups: dict, *, reseller: bool) -> OfferPrice:
    return OfferPrice(price.id, sku.title, price.term_duration, price.billing_cycle,
                      price.currency, buyer_price(price, sku.product_id, markups),
                      tax_label(price.market), price.market,
                      price.sell_price if reseller else None)


def markups_for(reseller_id: int | None) -> dict[int | None, Decimal]:
    """A reseller's markups by product id (None = its default for every product)."""
    if reseller_id is None:
        return {}
    rows = db.session.scalars(select(ResellerMarkup).filter_by(reseller_id=reseller_id))
    return {m.product_id: m.markup_percent for m in rows}


def buyer_market(country: str | None) -> str:
    """The customer's own market when we have prices there, else the provider's default."""
    if country and db.session.scalar(select(Price.id).where(Price.market == country).limit(1)):
        return country
    return CatalogSettings.current().default_market


def admin_products(*, q: str = "", segment: str = "", family: str = "", status: str = ""):
    """A select() for the admin catalog list with its filters."""
    query = _filtered(select(Product), q=q, segment=segment, family=family)
    if status == "enabled":
        query = query.where(Product.enabled.is_(True), Product.discontinued.is_(False))
    elif status == "disabled":
        query = query.where(Product.enabled.is_(False))
    elif status == "discontinued":
        query = query.where(Product.discontinued.is_(True))
    elif status == "unlisted":
        query = query.where(Product.listed.is_(False))
    return query.order_by(Product.title)
