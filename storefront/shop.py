"""The shop: what a reseller (for one of its customers) or a direct customer can buy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from flask import Blueprint, abort, current_app, request, url_for
from markupsafe import escape

from accounts.scoping import BuyerFacts, buyer_facts, picker_rows
from catalog import effective, queries, rows, version
from catalog import price_words as words
from catalog.cache import ListingCache, carry_over, catalog_fact
from catalog.margins import margin
from catalog.models import SEGMENTS, CatalogSettings, Family
from catalog.pricing import buyer_locale, format_money, tax_label
from persistence import db
from storefront.catalog_forms import FAMILY_LABELS
from storefront.listing_cache import (
    CSRF_HOLE,
    CUSTOMER_HOLE,
    OFFERS,
    Fragment,
    cached_listing,
    listing_page,
)
from storefront.pagination import page_number
from storefront.security import acting_user, buyers_only, within

bp = Blueprint("shop", __name__)
PER_PAGE = 20


@bp.route("/shop")
@buyers_only
def index():
    versions = version.both(db.session)  # first, before any catalog read
    catalog_version = versions.catalog
    customer = _buyer_customer()
    country = customer.country if customer else None
    market = catalog_fact(catalog_version, ("market", country),
                          lambda: queries.buyer_market(country))
    priced = customer is None or catalog_fact(catalog_version, ("market-priced", market),
                                              lambda: queries.market_priced(market))
    annual = catalog_fact(catalog_version, ("annual",),
                          lambda: CatalogSettings.current().annual_sellable)
    filters = {name: request.args.get(name, "").strip() for name in ("q", "segment", "family")}
    customers = _reseller_customers()
    listing = _offers_listing(versions, customer, market, annual, filters, bool(customers))
    return listing_page(
        "shop/index.html", listing, customer=customer, market=market,
        customers=customers, filters=filters, families=FAMILY_LABELS, segments=SEGMENTS,
        annual=annual, tax_label=tax_label(market), priced=priced)


def _offers_listing(versions: version.Versions, customer: BuyerFacts | None, market: str,
                    annual: bool, filters: dict, choosing: bool):
    """One page of priced offers; cached under everything besides the catalog it shows."""
    locale = buyer_locale(customer.language if customer else None,
                          customer.country if customer else None,
                          current_app.config["DEFAULT_LOCALE"])
    # The prices sold today: a row starting or ending moves it with no catalog write.
    day = effective.price_day(db.session, versions.listing)
    qualified = customer.qualified if customer else frozenset()
    reseller_id = acting_user().reseller_id  # whose markups price the offers
    markups = queries.kept_markups(versions.catalog, reseller_id)
    # Markups, not the reseller: every reseller on the same markups (most are on none)
    # shares the listing, as it shares the offer cards.
    key = (market, annual, day, locale, tuple(filters.items()), page_number(),
           reseller_id is not None, _markup_terms(versions.catalog, reseller_id, markups),
           customer is not None, choosing, tuple(sorted(qualified)))

    def context() -> dict:
        # From the market's precomputed rows (catalog/rows.py), not a scan of its prices.
        sellable = rows.shop_rows(db.session, versions.listing, market, annual_sellable=annual,
                                  day=day)
        found = rows.found_in(versions.listing, sellable, ("shop", market, annual, day),
                              **filters)
        page = rows.page_of(found, page_number(), PER_PAGE)
        shown = _OfferView(versions, day, market, annual, locale, reseller_id, markups,
                           bool(customer), qualified)
        return {"page": page, "blocks": shown.blocks(page.items),
                "buyer": CUSTOMER_HOLE if customer else None, "customers": choosing,
                "filters": filters}

    holes = {CUSTOMER_HOLE: str(customer.id)} if customer else None
    return cached_listing("shop/_offers.html", key, context, versions.catalog, holes)


def _markup_terms(catalog_version: int, reseller_id: int | None,
                  markups: Mapping[int | None, Decimal]) -> frozenset:
    """The markups as a key: equal for resellers on the same markups."""
    return catalog_fact(catalog_version, ("markup terms", reseller_id),
                        lambda: frozenset(markups.items()))


@dataclass(frozen=True)
class _OfferView:
    """How one buyer sees offers: market, C1's annual switch, locale, whose markups, whether
    it can add to a cart, and its K7 segments. Each product's offer is rendered once per
    worker, catalog version and price day for every buyer who sees it alike (OFFERS): the
    same market, locale and markup on that product, whichever reseller it is, so a page
    not yet cached renders only offers no page has shown yet (#27)."""

    versions: version.Versions
    day: date  # effective.price_day: which price-list rows sell
    market: str
    annual: bool
    locale: str
    reseller_id: int | None
    markups: Mapping[int | None, Decimal]
    buying: bool
    qualified: frozenset[str]

    def blocks(self, products: Sequence[rows.ProductRow]) -> list[Fragment]:
        cache: ListingCache = current_app.extensions[OFFERS]
        # An edited price outdates its product's cards only (catalog/changes.py).
        carry_over(cache, self.versions.catalog)
        keys = {product.id: self._key(product) for product in products}
        found = {product.id: cache.peek(self.versions.catalog, keys[product.id])
                 for product in products}
        missing = [product for product in products if found[product.id] is None]
        for product, card in zip(missing, self._render(missing), strict=True):
            found[product.id] = cache.put(self.versions.catalog, keys[product.id],
                                          Fragment(card))
        return [found[product.id] for product in products]

    def _key(self, product: rows.ProductRow) -> tuple:
        # The product first (catalog.cache.carry_over); the rest names all else a card
        # shows that a catalog change may alter without recording the product: the markup
        # and C1's switch (catalog/changes.py).
        special = product.segment != "commercial"
        return (product.id, self.market, self.annual, self.day, self.locale,
                self.reseller_id is not None,
                queries.applied_markup(self.markups, product.id), self.buying,
                special and product.segment in self.qualified)

    def _render(self, products: list[rows.ProductRow]) -> list[tuple[bytes, ...]]:
        if not products:
            return []
        found = queries.offers_from(
            products, rows.market_prices(db.session, self.versions, self.market,
                                         [product.id for product in products], self.day),
            annual_sellable=self.annual, reseller_id=self.reseller_id, markups=self.markups)
        form = _add_form(url_for("checkout.add")) if self.buying else None
        return [_offer_card(offer.product, offer.prices, self.locale, form, self.qualified)
                for offer in found]


# The holes of a row's cart form, as a Fragment holds them (storefront/listing_cache.py).
_TOKEN, _CUSTOMER = CSRF_HOLE.encode(), CUSTOMER_HOLE.encode()
_CARD_END = b"</tbody></table></div></section>"


def _add_form(action: str) -> tuple[bytes, bytes, bytes, bytes]:
    """Each row's "Add to cart" form, cut where the response's token, the customer (both
    the cached listing's holes) and the row's price id go."""
    return (f'<form method="post" action="{_escaped(action)}" class="inline-form">'
            '<input type="hidden" name="csrf_token" value="'.encode(),
            b'"><input type="hidden" name="customer" value="',
            b'"><input type="hidden" name="price_id" value="', _quantity_field(1, None))


def _offer_card(product: rows.ProductRow, prices: tuple[queries.OfferPrice, ...], locale: str,
                form: tuple[bytes, ...] | None, qualified: frozenset[str]) -> tuple[bytes, ...]:
    """One product's offer card (heading, K7 badge, family, its price rows), encoded and
    cut at its holes as a listing_cache.Fragment holds it. Built here rather than in a
    template: a page holds ~120 rows of ~15 values each, and Jinja's per-value escaping was
    a third of a page not yet cached (#27). Built as bytes from encoded cells: encoding and
    cutting each ~5 kB card again was ~10 us of it. Every value is escaped; the words
    repeat, so their escaping is cached."""
    reselling = bool(prices) and prices[0].retail is not None
    head = _card_head(product, reselling, qualified)
    azure_plan = product.family == Family.AZURE_PLAN
    starts = [_row_start(price, locale, product.family) for price in prices]
    if form is None:
        return (b"".join([head, *[start + b"</td></tr>" for start in starts], _CARD_END]),)
    before_token, before_customer, before_id, after_id = form
    if azure_plan:  # K12: one per customer, so no quantity to choose
        after_id = _ONE_PLAN
    pieces: list[bytes] = []
    text = head  # the text since the last hole
    for price, start in zip(prices, starts, strict=True):
        pieces += (text + start + before_token, _TOKEN, before_customer, _CUSTOMER)
        text = b'%s%d%s</td></tr>' % (before_id, price.price_id,
                                      # a tiered row's quantity spans its tier (the cart
                                      # moves a line to the tier its quantity falls in)
                                      _quantity_field(price.tier_min, price.tier_max)
                                      if effective.is_tiered(price) and not azure_plan
                                      else after_id)
    pieces.append(text + _CARD_END)
    return tuple(pieces)


def _card_head(product: rows.ProductRow, reselling: bool, qualified: frozenset[str]) -> bytes:
    e = _escaped
    badges = ""
    if (segment := product.segment) != "commercial":
        badges = (f'<span class="badge ok">{e(segment)} · qualified</span>'
                  if segment in qualified else
                  '<span class="badge bad" title="Only customers qualified for this segment '
                  f'can buy it (K7)">{e(segment)} plan · needs qualification</span>')
    family = FAMILY_LABELS.get(product.family, "")
    heads = ('<th class="num">Your cost</th><th class="num">Retail to your customer</th>'
             '<th class="num">Your margin</th>' if reselling else '<th class="num">Price</th>')
    return (f'<section class="card offer"><div class="heading"><h2>{e(product.title)}</h2>'
            f'<span>{badges}<span class="badge">{e(family)}</span></span></div>'
            f'<p class="muted">{e(product.publisher)} · {e(product.pc_product_id)}</p>'
            '<div class="table-scroll"><table class="prices stacks"><thead><tr><th>Plan</th>'
            f'<th>Term</th><th>Billing</th>{heads}<th></th></tr></thead><tbody>').encode()


def _quantity_field(least: int, most: int | None) -> bytes:
    """The end of a row's cart form after its price id: the quantity (starting at the
    least a row sells) and the button."""
    top = b"" if most is None else b' max="%d"' % most
    return (b'"><input type="number" name="quantity" value="%d" min="%d"%s '
            b'aria-label="Quantity"><button type="submit">Add to cart</button></form>'
            % (least, least, top))


# An Azure plan's row: the plan itself costs nothing and is bought once per customer (K12);
# what is billed is its subscriptions' Azure usage, monthly in arrears.
_ONE_PLAN = (b'"><input type="hidden" name="quantity" value="1">'
             b'<button type="submit">Add to cart</button></form>')


def _row_start(p: queries.OfferPrice, locale: str, family: str) -> bytes:
    """One price row up to its form's cell: its words and amounts formatted here, once per
    card (no formatting call per price per request, #27)."""
    if words.free_azure_plan(family, p.amount):
        cells = _azure_plan_cells(p.tax_label, p.retail is not None)
    else:
        cells = _priced_cells(p.term_duration, p.billing_cycle, p.currency, str(p.amount),
                              None if p.retail is None else str(p.retail), p.tax_label,
                              locale)
    tier = (b' <small class="muted" data-testid="tier">%s</small>'
            % effective.tier_words(p).encode() if effective.is_tiered(p) else b"")
    return b'<tr data-price-id="%d"><td>%s%s</td>%s<td>' % (
        p.price_id, _escaped(p.sku_title).encode(), tier, cells)


# A price list repeats a few hundred amounts across thousands of prices, in a few terms:
# a row's cells past its plan's title are kept by what they show, so a page of offers not
# shown before formats only amounts no page has shown yet (#27). The amounts are keyed by
# their exact text (-0 and 12.5 vs 12.50 print differently).
@lru_cache(maxsize=16384)
def _priced_cells(term: str, cycle: str, currency: str, amount: str, retail: str | None,
                  tax: str, locale: str) -> bytes:
    e = _escaped
    unit = e(words.unit_words(cycle))
    # data-label: each cell's column, which a phone shows beside it (the rows stack there).
    price = "Your cost" if retail is not None else "Price"
    cells = (f'<td data-label="Term"><span>{e(words.term_words(term))}</span></td>'
             f'<td data-label="Billing"><span>{e(words.frequency_words(cycle))}</span></td>'
             f'<td class="num" data-label="{price}"><span data-testid="price">'
             f'{_money_html(amount, currency, locale)} '
             f'<small class="muted">{unit} · {e(tax)}</small></span></td>')
    if retail is not None:  # only a reseller's: its cost stays with it
        m = margin(Decimal(amount), Decimal(retail), currency)
        percent = m.percent
        share = "" if percent is None else \
            f' <small class="muted">({e(words.share_words(percent, locale))})</small>'
        cells += (f'<td class="num" data-label="Retail to your customer">'
                  f'<span data-testid="retail">'
                  f'{_money_html(str(m.retail), currency, locale)} '
                  f'<small class="muted">{unit}</small></span></td>'
                  f'<td class="num" data-label="Your margin"><span data-testid="margin">'
                  f'{_money_html(str(m.amount), currency, locale)}{share}</span></td>')
    return cells.encode()


@lru_cache(maxsize=8)
def _azure_plan_cells(tax: str, reselling: bool) -> bytes:
    e = _escaped
    price = "Your cost" if reselling else "Price"
    usage = (f'<td class="num" data-label="{price}"><span data-testid="price">'
             f'{words.AZURE_PLAN_PRICE} <small class="muted">{words.AZURE_PLAN_USAGE} · '
             f'{e(tax)}</small></span></td>')
    cells = (f'<td data-label="Term"><span>{e(words.term_words(""))}</span></td>'
             f'<td data-label="Billing"><span>Azure usage, billed monthly</span></td>{usage}')
    if reselling:
        cells += ('<td class="num" data-label="Retail to your customer">'
                  '<span data-testid="retail"><small class="muted">usage-based</small></span>'
                  '</td><td class="num" data-label="Your margin">'
                  '<span data-testid="margin">—</span></td>')
    return cells.encode()


@lru_cache(maxsize=16384)
def _money_html(amount: str, currency: str, locale: str) -> str:
    return str(escape(format_money(Decimal(amount), currency, locale)))


@lru_cache(maxsize=4096)
def _escaped(text: str) -> str:
    return str(escape(text))


def _buyer_customer() -> BuyerFacts | None:
    """The customer being shopped for: a direct customer's own company, or the reseller's
    pick (404 for a customer it may not see)."""
    user = acting_user()
    chosen = (user.customer_id if user.is_customer
              else request.args.get("customer", type=int))
    if not chosen:
        return None
    buyer = buyer_facts(db.session, user, within(chosen))
    if buyer is None:
        abort(404)
    return buyer


def _reseller_customers() -> list:
    """The "Buying for" choices: plain rows of what the picker prints, not whole customers
    (building entities for them was a tenth of a cached shop page, #27)."""
    user = acting_user()
    return picker_rows(db.session, user) if user.is_reseller else []
