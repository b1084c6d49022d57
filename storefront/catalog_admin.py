"""Provider-admin catalog pages: search, flags, prices, sale switch, C1 settings, markups."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from accounts.models import Reseller, Role
from catalog import admin, queries
from catalog.models import CatalogSettings, Price, Product, ResellerMarkup, Sku
from persistence import db
from storefront import consequences
from storefront.catalog_forms import (
    FAMILY_LABELS,
    MarkupForm,
    ProductForm,
    RetailPriceForm,
    SettingsForm,
)
from storefront.confirmation import unconfirmed
from storefront.forms import options
from storefront.listing_cache import cached_listing
from storefront.pagination import page_number, paginate
from storefront.security import roles_required

bp = Blueprint("catalog_admin", __name__, url_prefix="/admin/catalog")
admin_only = roles_required(Role.PROVIDER_ADMIN)
FILTERS = ("q", "segment", "family", "status")


@bp.route("")
@admin_only
def index():
    filters = {name: request.args.get(name, "").strip() for name in FILTERS}
    listing = cached_listing(
        "catalog_admin/_products.html", (tuple(filters.items()), page_number()),
        lambda: {"page": paginate(queries.admin_products(**filters)), "filters": filters,
                 "families": FAMILY_LABELS})
    return render_template("catalog_admin/index.html", listing=listing, filters=filters,
                           families=FAMILY_LABELS)


@bp.route("/<int:product_id>", methods=["GET", "POST"])
@admin_only
def product(product_id: int):
    item = db.session.get(Product, product_id) or abort(404)
    form = ProductForm(obj=item)
    if form.validate_on_submit():
        admin.save_product(item, form.data)
        flash(f"Saved {item.title}.", "success")
        return redirect(url_for("catalog_admin.product", product_id=item.id))
    market = request.args.get("market", "").upper()
    return render_template("catalog_admin/product.html", product=item, form=form,
                           prices=_prices(item, market), market=market,
                           markets=_markets(item)), 422 if form.errors else 200


def _prices(item: Product, market: str) -> list[Price]:
    query = select(Price).join(Sku).where(Sku.product_id == item.id)
    if market:
        query = query.where(Price.market == market)
    return db.session.scalars(query.order_by(Price.market, Sku.pc_sku_id, Price.term_duration,
                                             Price.billing_cycle).limit(200)).all()


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
    row = db.session.get(Price, price_id) or abort(404)
    form = RetailPriceForm()
    if form.validate_on_submit():
        admin.set_retail_price(row, form.retail_price.data)
        flash("Retail price saved." if row.retail_price is not None
              else "Retail price cleared: Microsoft's ERP price applies.", "success")
    else:
        flash("The retail price must be a number of zero or more.", "error")
    return redirect(url_for("catalog_admin.product", product_id=row.sku.product_id,
                            market=row.market))


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
    if form.validate_on_submit():
        _save_markup(reseller, form)
        return redirect(url_for("catalog_admin.markups", reseller_id=reseller.id))
    rows = db.session.scalars(select(ResellerMarkup).filter_by(reseller_id=reseller.id)).all()
    return render_template("catalog_admin/markups.html", reseller=reseller, form=form,
                           markups=rows), 422 if form.errors else 200


def _save_markup(reseller: Reseller, form: MarkupForm) -> None:
    # The select's empty choice means the reseller's default markup for every product.
    product_id = int(form.product_id.data) if form.product_id.data else None
    admin.save_markup(reseller.id, product_id, form.markup_percent.data)
    flash("Markup saved.", "success")
