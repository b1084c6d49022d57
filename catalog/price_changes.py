"""Price changes shown before they are saved: retail price edits (one price or many at
once) and reseller markups.

Policy:
- Every change is previewed first: each affected price with its old and new amount and
  the difference, at the buyer's price (the one rounding rule, persistence/money.py).
- A save applies exactly what was previewed. The preview's fingerprint (a hash of every
  affected price with its old and new amount) travels with the Save; the save computes
  the changes again from the database and refuses with `StalePreview` when they differ
  (a price list import, another admin's edit or markup in between), rather than apply
  something nobody saw.
- Retail prices never go below zero: a cut larger than the price stops at zero.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from catalog.models import Price, Product, ResellerMarkup, Sku
from catalog.queries import buyer_price, markups_for
from persistence import db
from persistence.locks import locked
from persistence.money import round_money

KINDS = ("percent", "fixed", "set", "clear")


class StalePreview(Exception):
    """The prices changed since the preview: nothing was saved."""

    def __init__(self) -> None:
        super().__init__("These prices changed after the preview was made (another change "
                         "was saved in between), so nothing was saved. Check the new "
                         "preview below and save again.")


@dataclass(frozen=True)
class PriceChange:
    price: Price
    old: Decimal
    new: Decimal

    @property
    def difference(self) -> Decimal:
        return self.new - self.old


@dataclass(frozen=True)
class Adjustment:
    """A change to retail prices: +/- a percentage, +/- a fixed amount, a new price, or
    clear (back to Microsoft's ERP price)."""

    kind: str
    value: Decimal | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if self.kind != "clear" and self.value is None:
            raise ValueError(f"a {self.kind} change needs a value")

    def retail(self, price: Price) -> Decimal | None:
        """The retail price to store (None: no own price, Microsoft's ERP applies)."""
        if self.kind == "clear":
            return None
        if self.kind == "set":
            return round_money(self.value, price.currency)
        old = Decimal(price.sell_price)
        new = old * (1 + self.value / 100) if self.kind == "percent" else old + self.value
        return max(round_money(new, price.currency), Decimal(0))


def fingerprint(changes: Sequence[PriceChange]) -> str:
    """A short hash of what a preview showed: every price id with its old and new amount."""
    text = "\n".join(f"{c.price.id}:{c.old}:{c.new}" for c in sorted(
        changes, key=lambda c: c.price.id))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def check_fresh(changes: Sequence[PriceChange], previewed: str) -> None:
    """Refuse when the changes now differ from the ones previewed."""
    if fingerprint(changes) != previewed:
        raise StalePreview()


# -- retail prices ---------------------------------------------------------------------

def prices_of(product_ids: Sequence[int], market: str = "") -> list[Price]:
    """The listed prices of these products (in one market when given), in a stable order."""
    query = (select(Price).join(Sku).join(Product)
             .where(Sku.product_id.in_(product_ids), Price.listed.is_(True))
             .options(joinedload(Price.sku).joinedload(Sku.product)))
    if market:
        query = query.where(Price.market == market.upper())
    return list(db.session.scalars(query.order_by(*_offer_order())))


def _offer_order() -> tuple:
    """Product, SKU, market, term and billing; an offer's rows by start (undated first)."""
    return (Product.title, Sku.pc_sku_id, Price.market, Price.term_duration,
            Price.billing_cycle, Price.effective_start.asc().nulls_first(), Price.id)


def retail_changes(prices: Sequence[Price], adjustment: Adjustment) -> list[PriceChange]:
    """What direct customers (and resellers' end customers) would pay, before and after."""
    changes = []
    for price in prices:
        stored = adjustment.retail(price)
        new = stored if stored is not None else Decimal(price.erp_price)
        changes.append(PriceChange(price, Decimal(price.sell_price), new))
    return changes


def save_retail(prices: Sequence[Price], adjustment: Adjustment, previewed: str
                ) -> list[PriceChange]:
    """Apply a previewed retail change to every price; commits once, or refuses if stale."""
    prices = _locked(prices)
    changes = retail_changes(prices, adjustment)
    check_fresh(changes, previewed)
    for price in prices:
        price.retail_price = adjustment.retail(price)
    db.session.commit()
    return changes


def _locked(prices: Sequence[Price]) -> list[Price]:
    """The same prices re-read under a lock (persistence.locks), so no import or other
    save slips in between the freshness check and the commit."""
    query = (select(Price).where(Price.id.in_([p.id for p in prices])).order_by(Price.id)
             .with_for_update(of=Price).execution_options(populate_existing=True))
    return list(locked(query).scalars())


# -- reseller markups ------------------------------------------------------------------

def markup_changes(reseller_id: int, product_id: int | None, percent: Decimal, *,
                   lock: bool = False) -> list[PriceChange]:
    """What the reseller would pay for each listed price the markup reaches: one product,
    or (product None) every product without a markup of its own. `lock` holds those price
    rows until the commit (the save)."""
    current = markups_for(reseller_id)
    wanted = {**current, product_id: Decimal(percent)}
    query = (select(Price).join(Sku).join(Product).where(Price.listed.is_(True))
             .options(joinedload(Price.sku).joinedload(Sku.product)))
    if product_id is not None:
        query = query.where(Sku.product_id == product_id)
    else:
        own = [pid for pid in current if pid is not None]
        query = query.where(Sku.product_id.not_in(own))
    if lock:
        query = query.with_for_update(of=Price).execution_options(populate_existing=True)
    query = query.order_by(*_offer_order())
    prices = (locked(query) if lock else db.session.execute(query)).scalars()
    return [PriceChange(p, Decimal(buyer_price(p, p.sku.product_id, current)),
                        Decimal(buyer_price(p, p.sku.product_id, wanted))) for p in prices]


def save_markup(reseller_id: int, product_id: int | None, percent: Decimal,
                previewed: str) -> ResellerMarkup:
    """Set a previewed markup; commits once, or refuses if the prices changed meanwhile."""
    check_fresh(markup_changes(reseller_id, product_id, percent, lock=True), previewed)
    row = next(iter(_markups_of(reseller_id, product_id)), None)
    if row is None:  # one row per reseller and product (a unique constraint)
        row = ResellerMarkup(reseller_id=reseller_id, product_id=product_id)
        db.session.add(row)
    row.markup_percent = percent
    db.session.commit()
    return row


def remove_markup(reseller_id: int, product_id: int | None) -> bool:
    """Remove a reseller's markup (product None: its default), so it pays the default or
    the retail price again; commits once. Through the session, as a save is, so the
    catalog version rises with it and shop pages reprice at once. False: there was none."""
    rows = _markups_of(reseller_id, product_id)
    for row in rows:  # NULLs are never equal, so the unique constraint allows two defaults
        db.session.delete(row)
    db.session.commit()
    return bool(rows)


def _markups_of(reseller_id: int, product_id: int | None) -> list[ResellerMarkup]:
    return list(db.session.scalars(select(ResellerMarkup).filter_by(
        reseller_id=reseller_id, product_id=product_id).order_by(ResellerMarkup.id)))
