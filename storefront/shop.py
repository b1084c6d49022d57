"""The shop: what a reseller (for one of its customers) or a direct customer can buy."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from types import MappingProxyType

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from accounts.models import Customer, Role
from accounts.scoping import visible_customers
from catalog import price_words as words
from catalog import queries, rows, version
from catalog.cache import catalog_fact
from catalog.models import SEGMENTS, CatalogSettings
from catalog.pricing import buyer_locale, format_money, tax_label
from persistence import db
from storefront.catalog_forms import FAMILY_LABELS
from storefront.listing_cache import CUSTOMER_HOLE, cached_listing
from storefront.pagination import page_number
from storefront.security import customer_for, roles_required

bp = Blueprint("shop", __name__)
buyers_only = roles_required(Role.RESELLER_USER, Role.CUSTOMER_USER)
PER_PAGE = 20


@bp.route("/shop")
@buyers_only
def index():
    catalog_version = version.current(db.session)  # first, before any catalog read
    customer = _buyer_customer()
    country = customer.country if customer else None
    market = catalog_fact(catalog_version, ("market", country),
                          lambda: queries.buyer_market(country))
    annual = catalog_fact(catalog_version, ("annual",),
                          lambda: CatalogSettings.current().annual_sellable)
    filters = {name: request.args.get(name, "").strip() for name in ("q", "segment", "family")}
    customers = _reseller_customers()
    listing = _offers_listing(catalog_version, customer, market, annual, filters,
                              bool(customers))
    return render_template(
        "shop/index.html", listing=listing, customer=customer, market=market,
        customers=customers, filters=filters, families=FAMILY_LABELS, segments=SEGMENTS,
        annual=annual, tax_label=tax_label(market))


def _offers_listing(catalog_version: int, customer: Customer | None, market: str,
                    annual: bool, filters: dict, choosing: bool):
    """One page of priced offers; cached under everything besides the catalog it shows."""
    locale = buyer_locale(customer.language if customer else None,
                          customer.country if customer else None,
                          current_app.config["DEFAULT_LOCALE"])
    qualified = customer.approved_segments() if customer else frozenset()
    reseller_id = current_user.reseller_id  # whose markups price the offers
    key = (market, annual, locale, tuple(filters.items()), page_number(), reseller_id,
           customer is not None, choosing, tuple(sorted(qualified)))

    def context() -> dict:
        # From the market's precomputed rows (catalog/rows.py), not a scan of its prices.
        sellable = rows.shop_rows(db.session, catalog_version, market, annual_sellable=annual)
        page = rows.page_of(rows.matching(sellable, **filters), page_number(), PER_PAGE)
        # The markups under the same key as checkout's reference data: read once per version.
        markups = catalog_fact(catalog_version, ("markups", reseller_id),
                               lambda: MappingProxyType(queries.markups_for(reseller_id)))
        found = queries.offers(page.items, market, annual_sellable=annual,
                               reseller_id=reseller_id, markups=markups)
        return {"page": page, "offers": [(offer, _shown(offer.prices, locale))
                                         for offer in found],
                "buyer": CUSTOMER_HOLE if customer else None, "customers": choosing,
                "filters": filters,
                "families": FAMILY_LABELS,
                "qualified": qualified}

    holes = {CUSTOMER_HOLE: str(customer.id)} if customer else None
    return cached_listing("shop/_offers.html", key, context, catalog_version, holes)


@dataclass(frozen=True, slots=True)
class ShownPrice:
    """One price row as the shop prints it: every word and amount already formatted, so a
    page not yet cached costs no formatting call per price in the template (#27)."""

    price_id: int
    sku_title: str
    term: str
    cycle: str
    amount: str
    unit: str  # "per license per month"
    tax_label: str
    retail: str = ""  # the rest only for a reseller (its cost stays with it)
    margin: str = ""
    margin_percent: str = ""


def _shown(prices: tuple[queries.OfferPrice, ...], locale: str) -> tuple[ShownPrice, ...]:
    shown = []
    for p in prices:
        money = partial(format_money, currency=p.currency, locale=locale)
        extra = {}
        if (m := p.margin) is not None:
            extra = {"retail": money(m.retail), "margin": money(m.amount),
                     "margin_percent": "" if m.percent is None else str(m.percent)}
        shown.append(ShownPrice(p.price_id, p.sku_title, words.term_words(p.term_duration),
                                words.frequency_words(p.billing_cycle), money(p.amount),
                                words.unit_words(p.billing_cycle), p.tax_label, **extra))
    return tuple(shown)


def _buyer_customer() -> Customer | None:
    """The customer being shopped for: a direct customer's own company, or the reseller's pick."""
    # Its qualifications (K7 badges) come in the same query.
    with_qualifications = joinedload(Customer.qualifications)
    if current_user.is_customer:
        return customer_for(current_user, current_user.customer_id, with_qualifications)
    chosen = request.args.get("customer", type=int)
    return customer_for(current_user, chosen, with_qualifications) if chosen else None


def _reseller_customers() -> list[Customer]:
    if not current_user.is_reseller:
        return []
    return db.session.scalars(visible_customers(current_user).order_by(Customer.company_name)).all()
