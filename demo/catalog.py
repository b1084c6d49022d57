"""The demo catalog: the sandbox's products with a price list for a few markets.

Partner Center's catalog API carries no prices, so the demo builds the price rows an NCE
price-list import would bring, from the same data file the sandbox serves; the importer
then stores them exactly as it stores a real price list. Loaded only into an empty catalog.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from catalog import importer
from catalog.models import CatalogSettings, Product
from catalog.price_list import PriceRow
from connectors.partner_center.sandbox.catalog import LIST_PRICES_USD
from persistence.money import round_money

CATALOG_FILE = (Path(__file__).resolve().parent.parent / "connectors" / "partner_center"
                / "sandbox" / "data" / "catalog.json")
MARKETS = {"US": ("USD", "1"), "PL": ("PLN", "4.00"), "DE": ("EUR", "0.92"),
           "GB": ("GBP", "0.79"), "AU": ("AUD", "1.52"), "BR": ("BRL", "5.40")}
# Microsoft's estimated retail price (ERP) in USD per licence and billing period: the
# sandbox's list prices, so a demo order and the sandbox's cart pricing agree.
ERP_USD = LIST_PRICES_USD
COST_SHARE = Decimal("0.80")  # the provider buys at 80% of ERP in the demo


def load(db) -> int:
    """Import the demo catalog when the catalog is empty; returns the prices added."""
    if db.session.scalar(select(func.count(Product.id))):
        return 0
    products = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))["products"]
    summary = importer.import_rows(list(_rows(products)))
    _apply_catalog_facts(db, products)
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    db.session.commit()
    return summary.added


def _rows(products):
    line = 1
    for product in products:
        sku = product["skus"][0]
        for key, erp in ERP_USD[product["id"]].items():
            term, cycle = key.split("/")
            for market, (currency, rate) in MARKETS.items():
                line += 1
                local = round_money(Decimal(erp) * Decimal(rate), currency)
                yield _row(line, product, sku, term, cycle, market, currency, local)


def _row(line, product, sku, term, cycle, market, currency, erp) -> PriceRow:
    return PriceRow(
        line=line, product_id=product["id"], product_title=product["title"],
        publisher=product.get("publisherName", ""), sku_id=sku["id"], sku_title=sku["title"],
        sku_description=sku.get("description", ""), unit_of_measure="License",
        term_duration=term, billing_cycle=cycle, market=market, currency=currency,
        unit_price=round_money(erp * COST_SHARE, currency), erp_price=erp,
        tier_min=1, tier_max=None, effective_start=None, effective_end=None, tags="",
        segment=product["storefront"]["segment"])


def _apply_catalog_facts(db, products) -> None:
    """What `flask catalog sync` would learn from Partner Center, read from the same data."""
    by_id = {p.pc_product_id: p for p in db.session.scalars(select(Product))}
    for data in products:
        product, hints, sku_data = by_id[data["id"]], data["storefront"], data["skus"][0]
        product.family, product.segment = hints["family"], hints["segment"]
        product.new_subscription_per_order = hints["new_subscription_per_order"]
        product.cancellable = hints["cancellable"]
        product.min_quantity = sku_data.get("minimumQuantity", 1)
        product.max_quantity = sku_data.get("maximumQuantity", 10000)
        availability = sku_data["availabilities"][0]
        # C3 as the sync reads it: Microsoft's end of sale, not the admin's Discontinued.
        product.sync_ended = not availability.get("isPurchasable", True)
        product.follow_sources()
        product.skus[0].availability_id = availability["id"]
