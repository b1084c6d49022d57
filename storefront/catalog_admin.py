"""Provider-admin catalog pages: search, flags, prices, sale switch, C1 settings, markups."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from accounts.models import Reseller
from catalog import admin, effective, price_changes, rows, version
from catalog import price_words as words
from catalog.cache import listing_fact
from catalog.models import SOFTWARE_FAMILIES, CatalogSettings, Price, Product, ResellerMarkup, Sku
from catalog.price_changes import Adjustment
from persistence import db
from storefront import catalog_list_state as list_state
from storefront import consequences
from storefront.catalog_forms import (
    FAMILY_LABELS,
    BulkPriceForm,
    MarkupForm,
    ProductForm,
    RetailPriceForm,
    SettingsForm,
)
from storefront.confirmation import unconfirmed
from storefront.forms import options
from storefront.listing_cache import cached_listing, id_url, listing_page
from storefront.pagination import PER_PAGE, page_number
from storefront.security import admin_only
from storefront.templating import site_money

bp = Blueprint("catalog_admin", __name__, url_prefix="/admin/catalog")
PREVIEW_ROWS = 500  # shown of a preview; the fingerprint covers every affected price
UPCOMING_ROWS = 50  # announced prices listed on the catalog page (the count covers all)
# A product's price rows per page: Microsoft prices a plan in ~140 markets × term and
# billing × this and next month's rows, so the table is paged and says which rows it shows.
PRICE_ROWS = 100


@bp.route("")
@admin_only
def index():
    return _catalog_page(list_state.from_query(request.args, page_number()))


def _catalog_page(state: list_state.ListingState, status: int = 200):
    versions = version.both(db.session)  # first, before any catalog read
    filters = state.filters

    def context() -> dict:
        # From the precomputed rows (catalog/rows.py), not a count and a search per view.
        found = rows.found_in(versions.listing, rows.all_products(db.session, versions.listing),
                              ("all",), **filters)
        return {"page": rows.page_of(found, state.page, PER_PAGE), "filters": filters,
                "families": FAMILY_LABELS, "chosen": state.chosen,
                "product_url": id_url("catalog_admin.product", "product_id"),
                "toggle_url": id_url("catalog_admin.toggle", "product_id")}

    # The ticked products are in the key: a refused bulk change shows them ticked again.
    listing = cached_listing("catalog_admin/_products.html",
                             (tuple(filters.items()), state.page, tuple(sorted(state.chosen))),
                             context, versions.catalog)
    # What the price list has announced, kept per worker under the listing version (its
    # rows, dates, cost and ERP change only with imports, which raise it) and price day:
    # an admin's retail or markup edit does not read it again.
    day = effective.price_day(db.session, versions.listing)
    upcoming = listing_fact(versions.listing, ("upcoming prices", day),
                            lambda: effective.upcoming(db.session, limit=UPCOMING_ROWS))
    page = listing_page("catalog_admin/index.html", listing, filters=filters,
                        families=FAMILY_LABELS, upcoming=upcoming, state=state,
                        product_url=id_url("catalog_admin.product", "product_id"))
    page.status_code = status
    return page


class RetailRefusal(NamedTuple):
    """A retail price the page refused: shown again in its row, as typed, with why."""

    price_id: int
    typed: str
    message: str


@bp.route("/<int:product_id>", methods=["GET", "POST"])
@admin_only
def product(product_id: int):
    item = db.session.get(Product, product_id) or abort(404)
    form = ProductForm(obj=item)
    if form.validate_on_submit():
        admin.save_product(item, form.data)
        flash(f"Saved {item.title}.", "success")
        return redirect(url_for("catalog_admin.product", product_id=item.id))
    return _product_page(item, form, request.args.get("market", "").upper(), page_number())


def _product_page(item: Product, form: ProductForm, market: str, page: int,
                  refused: RetailRefusal | None = None):
    prices = db.paginate(_prices(item, market), page=page, per_page=PRICE_ROWS,
                         error_out=False)
    return render_template("catalog_admin/product.html", product=item, form=form,
                           software_families=SOFTWARE_FAMILIES, prices=prices,
                           sold=_when_sold(prices.items), market=market,
                           markets=_markets(item), refused=refused), \
        422 if form.errors or refused else 200


def _prices(item: Product, market: str, *columns):
    """The product's price rows (of one market, when given) in the table's order."""
    query = select(*(columns or (Price,))).join(Sku).where(Sku.product_id == item.id)
    if market:
        query = query.where(Price.market == market)
    return query.order_by(Price.market, Sku.pc_sku_id, Price.term_duration,
                          Price.billing_cycle, Price.currency, Price.tier_min,
                          Price.effective_start, Price.id)


def _page_of(item: Product, market: str, price_id: int) -> int:
    """The page of the product's table (of `market`) that shows this row."""
    ids = list(db.session.scalars(_prices(item, market, Price.id)))
    return ids.index(price_id) // PRICE_ROWS + 1 if price_id in ids else 1


def _when_sold(shown: list[Price]) -> dict[int, str]:
    """When each shown row sells: judged among all its offer's rows, since the row that
    replaces one may be on the next page."""
    if not shown:
        return {}
    offers = {effective.offer_key(p) for p in shown}
    siblings = db.session.scalars(select(Price).where(
        Price.sku_id.in_({p.sku_id for p in shown}),
        Price.market.in_({p.market for p in shown}))).all()
    sold = effective.when_sold([p for p in siblings if effective.offer_key(p) in offers])
    return {p.id: sold[p.id] for p in shown}


def _markets(item: Product) -> list[str]:
    query = select(Price.market).join(Sku).where(Sku.product_id == item.id).distinct()
    return sorted(db.session.scalars(query))


@bp.route("/<int:product_id>/toggle", methods=["POST"])
@admin_only
def toggle(product_id: int):
    item = db.session.get(Product, product_id) or abort(404)
    if page := unconfirmed(consequences.stop_selling(item)):
        return page
    for_sale = admin.toggle_for_sale(item)
    flash(f"{item.title} is {'now for sale' if for_sale else 'no longer for sale'}.", "info")
    return redirect(request.referrer if _same_site(request.referrer)
                    else url_for("catalog_admin.index"))


def _same_site(url: str | None) -> bool:
    """A page of ours to return to; not the toggle itself (the confirmation page posts
    from there), which answers only POST."""
    return bool(url) and url.startswith(request.host_url) and not url.endswith("/toggle")


@bp.route("/prices/<int:price_id>", methods=["POST"])
@admin_only
def price(price_id: int):
    """One retail price: previewed first, then saved exactly as previewed."""
    row = db.session.get(Price, price_id) or abort(404)
    page = _page_of(row.sku.product, row.market, row.id)  # the page showing the row
    back = url_for("catalog_admin.product", product_id=row.sku.product_id, market=row.market,
                   **({"page": page} if page > 1 else {}))
    form = RetailPriceForm()
    if not form.validate_on_submit():
        # The product's page again, this row holding what was typed: a redirect lost it.
        item = row.sku.product
        return _product_page(item, ProductForm(formdata=None, obj=item), row.market,
                             page, _retail_refusal(row, form))
    amount = form.retail_price.data
    adjustment = Adjustment("set", amount) if amount is not None else Adjustment("clear")
    return _preview_or_save(
        lambda: price_changes.retail_changes([row], adjustment),
        lambda previewed: price_changes.save_retail([row], adjustment, previewed),
        heading=f"Retail price of {row.sku.title}", back=back,
        saved="Retail price saved." if amount is not None
        else "Retail price cleared: Microsoft's ERP price applies.")


def _retail_refusal(row: Price, form: RetailPriceForm) -> RetailRefusal:
    """The refusal naming the row (plan, term, billing, tier, start, market), the field and
    the fix, e.g. "use a dot for decimals: 13.50"."""
    problem = "; ".join(form.retail_price.errors) or "check the amount and try again"
    tier = f", {effective.tier_words(row)}" if effective.is_tiered(row) else ""
    start = f", from {row.effective_start}" if row.effective_start else ""
    where = (f"{row.sku.title}, {words.term_words(row.term_duration)}, "
             f"{words.frequency_words(row.billing_cycle)}{tier}{start} "
             f"({row.market} {row.currency})")
    return RetailRefusal(row.id, request.form.get("retail_price", ""),
                         f"Retail price of {where}: {problem}.")


@bp.route("/prices/bulk", methods=["POST"])
@admin_only
def bulk_prices():
    """Many retail prices at once: +/- a percentage or an amount on the chosen products."""
    form = BulkPriceForm()
    product_ids = list_state.chosen_products(request.form)
    state = list_state.from_form(request.form)
    back = state.url()  # the list as the admin left it, on Cancel and after the save
    valid = form.validate_on_submit()  # even with nothing ticked: every problem at once
    if not product_ids or not valid:
        return _catalog_page(list_state.refused(state, form, product_ids), status=422)
    prices = price_changes.prices_of(product_ids, form.market.data or "")
    adjustment = Adjustment(form.kind.data, form.value.data)
    return _preview_or_save(
        lambda: price_changes.retail_changes(prices, adjustment),
        lambda previewed: price_changes.save_retail(prices, adjustment, previewed),
        heading="Retail prices of the chosen products", back=back,
        saved=f"{len(prices)} retail price{'s' if len(prices) != 1 else ''} saved.")


def _preview_or_save(changes: Callable[[], list], save: Callable[[str], object], *,
                     heading: str, back: str, saved: str):
    """Without a fingerprint: the preview of every affected price. With one: the save,
    which refuses (409, with the fresh preview) if the prices changed since."""
    previewed = request.form.get("fingerprint", "")
    if not previewed:
        return _preview(changes(), heading, back)
    try:
        save(previewed)
    except price_changes.StalePreview as stale:
        return _preview(changes(), heading, back, stale=str(stale)), 409
    flash(saved, "success")
    return redirect(back)


def _preview(changes: list, heading: str, back: str, stale: str = ""):
    carry = [(k, v) for k, v in request.form.items(multi=True)
             if k not in ("csrf_token", "fingerprint")]
    return render_template(
        "catalog_admin/preview.html", changes=changes[:PREVIEW_ROWS], count=len(changes),
        changed=sum(1 for c in changes if c.difference), heading=heading, back=back,
        stale=stale, carry=carry, fingerprint=price_changes.fingerprint(changes),
        # An offer's row selling today and next month's list's row look alike otherwise.
        sold=effective.when_sold([c.price for c in changes]),
        money=site_money)


@bp.route("/settings", methods=["GET", "POST"])
@admin_only
def settings():
    current = CatalogSettings.current()
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        admin.save_settings(current, form.data)
        flash("Catalog settings saved.", "success")
        return redirect(url_for("catalog_admin.settings"))
    return render_template("catalog_admin/settings.html", form=form, settings=current), \
        422 if form.errors else 200


@bp.route("/markups/<int:reseller_id>", methods=["GET", "POST"])
@admin_only
def markups(reseller_id: int):
    reseller = db.session.get(Reseller, reseller_id) or abort(404)
    form = MarkupForm()
    products = db.session.scalars(select(Product).order_by(Product.title)).all()
    form.product_id.choices = options([("", "Every product (default)")] +
                                      [(str(p.id), p.title) for p in products])
    back = url_for("catalog_admin.markups", reseller_id=reseller.id)
    if form.validate_on_submit():
        # The select's empty choice means the reseller's default markup for every product.
        product_id = int(form.product_id.data) if form.product_id.data else None
        percent = form.markup_percent.data
        return _preview_or_save(
            lambda: price_changes.markup_changes(reseller.id, product_id, percent),
            lambda previewed: price_changes.save_markup(reseller.id, product_id, percent,
                                                        previewed),
            heading=f"Prices for {reseller.company_name}", back=back, saved="Markup saved.")
    saved = _saved_markups(reseller.id)
    return render_template("catalog_admin/markups.html", reseller=reseller, form=form,
                           markups=saved, default=saved.get("")), 422 if form.errors else 200


@bp.route("/markups/<int:reseller_id>/remove", methods=["POST"])
@admin_only
def remove_markup(reseller_id: int):
    """Remove one markup (form field product_id, empty for the default), once confirmed."""
    reseller = db.session.get(Reseller, reseller_id) or abort(404)
    back = url_for("catalog_admin.markups", reseller_id=reseller.id)
    saved = _saved_markups(reseller.id)
    markup = saved.get(request.form.get("product_id", ""))
    if markup is None:  # removed meanwhile, or a second click: nothing left to do
        flash("That markup is no longer set: nothing was removed.", "info")
        return redirect(back)
    if page := unconfirmed(consequences.remove_markup(markup, saved.get(""))):
        return page
    # Said before the removal, while the row still names its product.
    said = (f"Markup removed: {reseller.company_name} now pays "
            f"{consequences.markup_fallback(markup, saved.get(''))} for "
            f"{consequences.markup_subject(markup)}.")
    price_changes.remove_markup(reseller.id, markup.product_id)
    flash(said, "success")
    return redirect(back)


def _saved_markups(reseller_id: int) -> dict[str, ResellerMarkup]:
    """A reseller's markups by their form value: the product id, "" for the default."""
    rows = db.session.scalars(select(ResellerMarkup).filter_by(reseller_id=reseller_id)
                              .order_by(ResellerMarkup.id))
    return {str(m.product_id or ""): m for m in rows}
