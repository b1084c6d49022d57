"""Import a parsed price list: idempotent upserts of products, SKUs and prices, one commit.

Rows absent from a new file are kept but marked no longer listed, so past orders still
point at their prices and the shop stops offering them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update

from catalog.families import classify, is_not_cancellable
from catalog.models import Price, Product, Sku
from catalog.price_list import PriceRow
from storefront.extensions import db

PRICE_FIELDS = ("unit_price", "erp_price", "tier_max", "effective_start", "effective_end")
BATCH = 5000


@dataclass
class ImportSummary:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    no_longer_listed: int = 0
    products_added: int = 0
    skus_added: int = 0
    changes: list[str] = field(default_factory=list)


def import_rows(rows: Sequence[PriceRow], progress: Callable[[int], None] | None = None
                ) -> ImportSummary:
    """Upsert every row and mark unlisted prices; commits once, or not at all on error."""
    summary = ImportSummary()
    try:
        sku_ids = _upsert_catalog(rows, summary)
        _upsert_prices(rows, sku_ids, summary, progress or (lambda n: None))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


def _upsert_catalog(rows: Sequence[PriceRow], summary: ImportSummary) -> dict[tuple, int]:
    """Products and SKUs by Partner Center id; returns (product id, sku id) → SKU row id."""
    products = {p.pc_product_id: p for p in db.session.scalars(select(Product))}
    skus = {(s.product.pc_product_id, s.pc_sku_id): s
            for s in db.session.scalars(select(Sku).join(Product))}
    # One row per SKU is enough to name products and SKUs; the rest only carry prices.
    for row in {(r.product_id, r.sku_id): r for r in rows}.values():
        product = products.get(row.product_id)
        if product is None:
            product = products[row.product_id] = _new_product(row)
            summary.products_added += 1
        _refresh_product(product, row)
        if (row.product_id, row.sku_id) not in skus:
            sku = Sku(product=product, pc_sku_id=row.sku_id, title=row.sku_title)
            db.session.add(sku)  # SQLAlchemy 2 no longer cascades through the backref
            skus[(row.product_id, row.sku_id)] = sku
            summary.skus_added += 1
        sku = skus[(row.product_id, row.sku_id)]
        sku.title, sku.description = row.sku_title, row.sku_description
        sku.unit_of_measure = row.unit_of_measure
    db.session.flush()
    return {key: sku.id for key, sku in skus.items()}


def _new_product(row: PriceRow) -> Product:
    product = Product(pc_product_id=row.product_id, title=row.product_title,
                      family=classify(row.product_title, row.publisher, row.tags,
                                      row.billing_cycle),
                      segment=row.segment, cancellable=not is_not_cancellable(row.publisher))
    db.session.add(product)
    return product


def _refresh_product(product: Product, row: PriceRow) -> None:
    """Names and listing come from Microsoft; family and sale flags stay the admin's."""
    product.title, product.listed = row.product_title, True
    product.publisher = row.publisher or product.publisher
    if "endofsale" in row.tags.lower().replace(" ", ""):
        product.discontinued = True


def _price_values(row: PriceRow) -> dict:
    return {name: getattr(row, name) for name in PRICE_FIELDS}


def _existing_prices() -> dict[tuple, tuple]:
    columns = (Price.id, Price.sku_id, Price.term_duration, Price.billing_cycle, Price.market,
               Price.currency, Price.tier_min, Price.listed,
               *(getattr(Price, name) for name in PRICE_FIELDS))
    found = {}
    for r in db.session.execute(select(*columns)):
        found[tuple(r[1:7])] = (r[0], r[7], dict(zip(PRICE_FIELDS, r[8:], strict=True)))
    return found


def _upsert_prices(rows, sku_ids, summary: ImportSummary, progress) -> None:
    existing, inserts, updates, seen = _existing_prices(), [], [], set()
    for index, row in enumerate(rows, 1):
        sku_id = sku_ids[(row.product_id, row.sku_id)]
        key = (sku_id, row.term_duration, row.billing_cycle, row.market, row.currency,
               row.tier_min)
        seen.add(key)
        values = _price_values(row)
        if key not in existing:
            inserts.append({"sku_id": sku_id, "term_duration": row.term_duration,
                            "billing_cycle": row.billing_cycle, "market": row.market,
                            "currency": row.currency, "tier_min": row.tier_min,
                            "listed": True, **values})
            summary.added += 1
        else:
            _compare(existing[key], values, row, updates, summary)
        if index % 1000 == 0:
            progress(1000)
    progress(len(rows) % 1000)
    gone = [{"id": pid, "listed": False} for key, (pid, listed, _) in existing.items()
            if listed and key not in seen]
    summary.no_longer_listed = len(gone)
    _write(inserts, updates + gone)


def _compare(found: tuple, values: dict, row: PriceRow, updates: list, summary) -> None:
    price_id, listed, old = found
    if old == values and listed:
        summary.unchanged += 1
        return
    updates.append({"id": price_id, "listed": True, **values})
    summary.changed += 1
    if old["unit_price"] != values["unit_price"]:
        summary.changes.append(f"line {row.line}: {row.product_title} {row.sku_title} "
                               f"{row.term_duration} {row.billing_cycle} {row.market}: "
                               f"{old['unit_price']} → {values['unit_price']}")


def _write(inserts: list[dict], updates: list[dict]) -> None:
    # Core executemany: the ORM's bulk path costs several times more per row here.
    for start in range(0, len(inserts), BATCH):
        db.session.execute(insert(Price.__table__), inserts[start:start + BATCH])
    for start in range(0, len(updates), BATCH):
        db.session.execute(update(Price), updates[start:start + BATCH])
