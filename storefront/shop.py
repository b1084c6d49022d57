"""The shop: what a reseller (for one of its customers) or a direct customer can buy."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from types import MappingProxyType

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from accounts.models import Role
from accounts.scoping import BuyerFacts, buyer_facts, picker_rows
from catalog import price_words as words
from catalog import queries, rows, version
from catalog.cache import catalog_fact
from catalog.models import SEGMENTS, CatalogSettings
from catalog.pricing import buyer_locale, format_money, tax_label
from persistence import db
from storefront.catalog_forms import FAMILY_LABELS
from storefront.listing_cache import CSRF_HOLE, CUSTOMER_HOLE, cached_listing
from storefront.pagination import page_number
from storefront.security import roles_required, within

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


def _offers_listing(catalog_version: int, customer: BuyerFacts | None, market: str,
                    annual: bool, filters: dict, choosing: bool):
    """One page of priced offers; cached under everything besides the catalog it shows."""
    locale = buyer_locale(customer.language if customer else None,
                          customer.country if customer else None,
                          current_app.config["DEFAULT_LOCALE"])
    qualified = customer.qualified if customer else frozenset()
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
        found = queries.offers_from(
            page.items, rows.market_prices(db.session, catalog_version, market,
                                           [row.id for row in page.items]),
            annual_sellable=annual, reseller_id=reseller_id, markups=markups)
        form = _AddForm(url_for("checkout.add"), CSRF_HOLE, CUSTOMER_HOLE) if customer else None
        return {"page": page, "offers": [(offer, _rows_html(_shown(offer.prices, locale), form))
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
    return tuple([_shown_price(p, locale, str(p.amount), str(p.retail)) for p in prices])


# Keyed by every value of the price and the locale, so it can never show an old amount (a
# changed price is another key); the amounts' text too, as Decimal("-0") == Decimal("0")
# but prints differently. Pages not yet cached share most of their prices.
@lru_cache(maxsize=32768)
def _shown_price(p: queries.OfferPrice, locale: str, *_exact_amounts: str) -> ShownPrice:
    money = partial(format_money, currency=p.currency, locale=locale)
    extra = {}
    if (m := p.margin) is not None:
        percent = m.percent
        extra = {"retail": money(m.retail), "margin": money(m.amount),
                 "margin_percent": "" if percent is None else str(percent)}
    return ShownPrice(p.price_id, p.sku_title, words.term_words(p.term_duration),
                      words.frequency_words(p.billing_cycle), money(p.amount),
                      words.unit_words(p.billing_cycle), p.tax_label, **extra)


@dataclass(frozen=True, slots=True)
class _AddForm:
    """What each row's "Add to cart" form posts; the token and customer are the cached
    listing's holes (storefront/listing_cache.py), filled per response."""

    action: str
    token: str
    customer: str


def _rows_html(shown: tuple[ShownPrice, ...], form: _AddForm | None) -> Markup:
    """An offer's price rows. Built here rather than in the template: a page holds ~120
    rows of ~15 values each, and Jinja's per-value escaping was a third of a page not yet
    cached (#27). Every value is escaped; the words repeat, so their escaping is cached."""
    return Markup("".join([_row_html(p, form) for p in shown]))  # noqa: S704 - escaped below


def _row_html(p: ShownPrice, form: _AddForm | None) -> str:
    e = _escaped
    unit = e(p.unit)
    cells = (f'<td>{e(p.sku_title)}</td><td>{e(p.term)}</td><td>{e(p.cycle)}</td>'
             f'<td class="num" data-testid="price">{e(p.amount)} <small class="muted">{unit}'
             f' · {e(p.tax_label)}</small></td>')
    if p.retail:
        percent = (f' <small class="muted">({e(p.margin_percent)} %)</small>'
                   if p.margin_percent else "")
        cells += (f'<td class="num" data-testid="retail">{e(p.retail)} <small class="muted">'
                  f'{unit}</small></td><td class="num" data-testid="margin">{e(p.margin)}'
                  f'{percent}</td>')
    action = "" if form is None else (
        f'<form method="post" action="{e(form.action)}" class="inline-form">'
        f'<input type="hidden" name="csrf_token" value="{e(form.token)}">'
        f'<input type="hidden" name="customer" value="{e(form.customer)}">'
        f'<input type="hidden" name="price_id" value="{p.price_id:d}">'
        '<input type="number" name="quantity" value="1" min="1" aria-label="Quantity">'
        '<button type="submit">Add to cart</button></form>')
    return f'<tr data-price-id="{p.price_id:d}">{cells}<td>{action}</td></tr>'


@lru_cache(maxsize=4096)
def _escaped(text: str) -> str:
    return str(escape(text))


def _buyer_customer() -> BuyerFacts | None:
    """The customer being shopped for: a direct customer's own company, or the reseller's
    pick (404 for a customer it may not see)."""
    chosen = (current_user.customer_id if current_user.is_customer
              else request.args.get("customer", type=int))
    if not chosen:
        return None
    buyer = buyer_facts(db.session, current_user, within(chosen))
    if buyer is None:
        abort(404)
    return buyer


def _reseller_customers() -> list:
    """The "Buying for" choices: plain rows of what the picker prints, not whole customers
    (building entities for them was a tenth of a cached shop page, #27)."""
    return picker_rows(db.session, current_user) if current_user.is_reseller else []
