"""The shop: what a reseller (for one of its customers) or a direct customer can buy."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from accounts.models import Customer, Role
from accounts.scoping import visible_customers
from catalog import queries, version
from catalog.cache import catalog_fact
from catalog.models import SEGMENTS, CatalogSettings
from catalog.pricing import buyer_locale, format_money, tax_label
from persistence import db
from storefront.catalog_forms import FAMILY_LABELS
from storefront.listing_cache import CUSTOMER_HOLE, cached_listing
from storefront.pagination import page_number, paginate
from storefront.security import customer_for, roles_required

bp = Blueprint("shop", __name__)
buyers_only = roles_required(Role.RESELLER_USER, Role.CUSTOMER_USER)


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
        page = paginate(queries.shop_products(market, annual_sellable=annual, **filters), 20)
        return {"page": page, "offers": queries.offers(page.items, market,
                                                       annual_sellable=annual,
                                                       reseller_id=reseller_id),
                "buyer": CUSTOMER_HOLE if customer else None, "customers": choosing,
                "filters": filters,
                "families": FAMILY_LABELS,
                "qualified": qualified,
                "money": lambda amount, currency: format_money(amount, currency, locale)}

    holes = {CUSTOMER_HOLE: str(customer.id)} if customer else None
    return cached_listing("shop/_offers.html", key, context, catalog_version, holes)


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
