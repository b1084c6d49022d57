"""What each buyer may see in the shop and what it pays."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import NamedTuple

from sqlalchemy import or_, select

from catalog import effective, version
from catalog.cache import catalog_fact
from catalog.models import CatalogSettings, Price, Product, ResellerMarkup, Sku
from catalog.pricing import reseller_price, tax_label
from catalog.rows import market_prices, price_filter
from persistence import db
from persistence.search import contains

CYCLE_ORDER = {"monthly": 0, "annual": 1, "triennial": 2, "one_time": 3}
TERM_ORDER = {"P1M": 0, "P1Y": 1, "P3Y": 2, "": 3}


class OfferPrice(NamedTuple):
    """One price as one buyer sees it. A tuple: a page not yet cached builds ~120, and a
    frozen dataclass took three times as long to build (#27)."""

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
    # The licence counts the price is for (its tier, catalog/effective.py; None: and up).
    tier_min: int = 1
    tier_max: int | None = None


@dataclass(frozen=True)
class Offer:
    product: Product
    prices: tuple[OfferPrice, ...]


def shop_products(market: str, *, annual_sellable: bool, q: str = "", segment: str = "",
                  family: str = ""):
    """A select() of sellable products: enabled, listed, not discontinued nor at end of
    sale (C3), with a price
    here that sells today (catalog/effective.py)."""
    # Uncorrelated on purpose: computed once, where a correlated EXISTS made SQLite scan the
    # market's prices once per product (34 s for 5,000 products).
    priced = select(Sku.product_id).join(Price, Price.sku_id == Sku.id).where(
        *price_filter(market, annual_sellable, effective.today()))
    query = select(Product).where(Product.enabled.is_(True), Product.listed.is_(True),
                                  Product.discontinued.is_(False), Product.end_of_sale.is_(False),
                                  Product.id.in_(priced))
    return _filtered(query, q=q, segment=segment, family=family).order_by(Product.title)


def _filtered(query, *, q: str = "", segment: str = "", family: str = ""):
    if q:
        query = query.where(or_(contains(Product.title, q), contains(Product.pc_product_id, q)))
    if segment:
        query = query.where(Product.segment == segment)
    if family:
        query = query.where(Product.family == family)
    return query


def offers(products: Sequence, market: str, *, annual_sellable: bool,
           reseller_id: int | None = None) -> list[Offer]:
    """The priced offers of one page of products at the buyer's price, from the market's
    prices and the reseller's markups kept per catalog version (market_prices,
    kept_markups).

    `products` are Product objects or catalog/rows.py's rows (anything with an id)."""
    if not products:
        return []
    versions = version.both(db.session)
    prices = market_prices(db.session, versions, market, [p.id for p in products])
    return offers_from(products, prices, annual_sellable=annual_sellable,
                       reseller_id=reseller_id,
                       markups=kept_markups(versions.catalog, reseller_id))


def offers_from(products: Sequence, prices: Mapping[int, Sequence], *, annual_sellable: bool,
                reseller_id: int | None, markups: Mapping) -> list[Offer]:
    """The priced offers of one page of products from a market's precomputed prices
    (catalog/rows.py's market_prices): what `offers` gives, with no query (#27)."""
    reseller = reseller_id is not None
    return [Offer(p, tuple(sorted(
        (_offer_price(price, markups, reseller=reseller) for price in prices.get(p.id, ())
         if annual_sellable or price.billing_cycle != "annual"), key=_price_order)))
        for p in products]


def _price_order(price: OfferPrice):
    return price.sku_title, TERM_ORDER.get(price.term_duration, 9), \
        CYCLE_ORDER.get(price.billing_cycle, 9), price.tier_min


def applied_markup(markups: Mapping, product_id: int) -> Decimal | None:
    """The reseller's markup on this product: its own, else the reseller's default (None:
    no markup, the buyer pays the sell price)."""
    return markups.get(product_id, markups.get(None))


def buyer_price(price, product_id: int, markups: dict) -> Decimal:
    """What the buyer pays per licence: cost + its markup (reseller), else the sell price.

    `price` is a Price or a row with its unit_price, sell_price and currency."""
    markup = applied_markup(markups, product_id)
    return (reseller_price(price.unit_price, markup, price.currency) if markup is not None
            else price.sell_price)


def _offer_price(price, markups: dict, *, reseller: bool) -> OfferPrice:
    return OfferPrice(price.id, price.sku_title, price.term_duration, price.billing_cycle,
                      price.currency, buyer_price(price, price.product_id, markups),
                      tax_label(price.market), price.market,
                      price.sell_price if reseller else None, price.tier_min, price.tier_max)


def markups_for(reseller_id: int | None) -> dict[int | None, Decimal]:
    """A reseller's markups by product id (None = its default for every product)."""
    if reseller_id is None:
        return {}
    rows = db.session.scalars(select(ResellerMarkup).filter_by(reseller_id=reseller_id))
    return {m.product_id: m.markup_percent for m in rows}


def kept_markups(catalog_version: int, reseller_id: int | None) -> Mapping[int | None, Decimal]:
    """markups_for, read once per worker and catalog version (the shop's offers and the
    checkout's reference data share it)."""
    if reseller_id is None:
        return MappingProxyType({})
    return catalog_fact(catalog_version, ("markups", reseller_id),
                        lambda: MappingProxyType(markups_for(reseller_id)))


def buyer_market(country: str | None) -> str:
    """C7: the market a customer buys in: its country's, whether or not the catalog has
    prices there (a customer of a market without them buys nothing until the provider
    imports that market's list: another market's prices would be charged in a currency and
    at a price Microsoft does not bill the provider). The provider's default market only
    for browsing with no customer chosen."""
    if country:
        return country.upper()
    return CatalogSettings.current().default_market


def priced_markets() -> set[str]:
    """The markets with at least one listed price row (C7: customers elsewhere buy nothing)."""
    return set(db.session.scalars(select(Price.market).where(Price.listed.is_(True))
                                  .distinct()))


def market_priced(market: str) -> bool:
    """Whether any price row is listed in the market (C7: else its customers buy nothing)."""
    return db.session.scalar(
        select(Price.id).where(Price.market == market, Price.listed.is_(True)).limit(1)
    ) is not None
