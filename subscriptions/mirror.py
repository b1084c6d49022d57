"""Copy Partner Center's view of one subscription onto its local row (the sync's pass, a
storefront write's answer, licences an order added): its seats, status, autorenew, offer,
term dates and the change scheduled for its renewal (R1), a renewal's term and price; the
changes, in words. What is billed of a change is judged before the copy
(subscriptions.seen_changes); the copy stamps the row (subscriptions.mirrored_at).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from catalog.models import Product
from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from persistence import as_utc, db
from subscriptions.mirrored_at import mirror_refundable, mirrored_now
from subscriptions.models import RenewedTerm, Subscription
from subscriptions.rules import PERPETUAL
from subscriptions.seen_at_renewal import renews
from subscriptions.seen_changes import DELETED
from subscriptions.term_prices import (
    buyer_unit_price,
    price_of,
    retail_unit_price,
    term_unit_price,
)

# Partner Center calls a cancelled subscription "deleted".
STATUS = {"deleted": "cancelled"}
WATCHED = (("quantity", "quantity"), ("status", "status"), ("autorenew", "autorenew"))
TERMS, CYCLES = ("P1M", "P1Y", "P3Y"), ("monthly", "annual", "triennial")


def _remote_values(remote: RemoteSubscription) -> dict[str, object]:
    return {"quantity": remote.quantity, "status": STATUS.get(remote.status, remote.status),
            "autorenew": remote.auto_renew_enabled}


def mirror(sub: Subscription, remote: RemoteSubscription,
           listed_at: datetime | None = None) -> list[str]:
    """Copy Partner Center's view onto the local row; answer the changes, in words. From
    a list, the row is stamped with the time the list was asked for (`listed_at`), not the
    mirror's: a change Partner Center made between the two (an upgrade's conversion
    completing) is not in the list, and the next pass judges it as made since."""
    changes = []
    _keep_bought_term(sub, remote)
    values = _remote_values(remote)
    for attr, label in WATCHED:
        if getattr(sub, attr) != values[attr]:
            changes.append(f"{label} {getattr(sub, attr)} → {values[attr]}")
            setattr(sub, attr, values[attr])
    renewed = _renewal(sub, remote, changes)
    _offer(sub, remote, changes)
    _terms(sub, remote, changes)
    if renewed:
        _price_renewed_term(sub, changes)
    if remote.cancellation_allowed_until:
        sub.cancellation_allowed_until = remote.cancellation_allowed_until
    mirror_refundable(sub, remote)
    if listed_at is None:
        mirrored_now(sub)
    else:
        sub.synced_at = listed_at
    return changes


def _renewal(sub: Subscription, remote: RemoteSubscription, changes: list[str]) -> bool:
    """A later commitment end means a new term began where the old one ended (S3 restarts);
    answers whether one did. A subscription with no term never renews: Partner Center
    reports a date far in the future as its commitment end, which the order's own answer
    may not have carried."""
    new_end, old_end = as_utc(remote.term_end), as_utc(sub.term_end)
    if new_end is None:
        return False
    renewed = renews(sub, remote)
    if renewed:
        sub.term_start = old_end
        # Dated as Microsoft dates a term: its first and its last day (inclusive).
        last_day = new_end - timedelta(seconds=1)
        changes.append(f"renewed: new term {old_end:%Y-%m-%d} – {last_day:%Y-%m-%d}")
    sub.term_end = new_end
    return renewed


def _keep_bought_term(sub: Subscription, remote: RemoteSubscription) -> None:
    """B2/R1: a subscription with no order line here (imported from Partner Center) has no
    record of the term it was bought on but the mirror's own term, billing and price, which
    its first renewal overwrites. Kept now, from its purchase day at the price billing has
    charged it, so a seat change or a cycle of that term billed after the renewal is priced
    by the term in force on its day, as an ordered one is by its order line."""
    if sub.order_line_id is not None or sub.renewed_on is not None \
            or not renews(sub, remote):
        return
    price = price_of(sub)  # before the renewal moves its term start, term and billing
    sub.renewed_terms.append(RenewedTerm(
        began_on=as_utc(sub.purchased_at).astimezone(UTC).date(),
        billing_cycle=sub.billing_cycle, term_duration=sub.term_duration,
        product_id=sub.product_id, pc_sku_id=sub.pc_sku_id,
        unit_price=None if price is None else buyer_unit_price(sub, price),
        retail_unit_price=None if price is None else retail_unit_price(sub, price)))


def _price_renewed_term(sub: Subscription, changes: list[str]) -> None:
    """R1/B1: the renewed term (its plan, term and billing as the renewal applied them) is
    billed from its first day at the price the renewal reminder quoted for it, recorded now
    so a later catalog change does not reprice a term already running, and kept with the
    earlier terms so a month billed after a later renewal still finds its own price."""
    sub.renewed_on = as_utc(sub.term_start).astimezone(UTC).date()
    # The row selling on the term's first day, not today's: the sync may see the renewal
    # days late, after a newer row started (catalog/effective.py).
    day = sub.renewed_on
    unit, _ = term_unit_price(sub, sub.term_duration, sub.billing_cycle, day=day)
    if unit is None:  # not sold for that term here: the price it was billed at stays
        changes.append("no catalog price for the renewed term: billed at the previous price")
    else:
        sub.renewed_unit_price = unit
        sub.renewed_retail_unit_price, _ = term_unit_price(
            sub, sub.term_duration, sub.billing_cycle, day=day, retail=True)
    _keep_term(sub)


def _keep_term(sub: Subscription) -> None:
    """The renewed term as billing charges it, beside the earlier ones (one per first day)."""
    term = next((t for t in sub.renewed_terms if t.began_on == sub.renewed_on), None)
    if term is None:
        term = RenewedTerm(began_on=sub.renewed_on)
        sub.renewed_terms.append(term)
    term.billing_cycle, term.term_duration = sub.billing_cycle, sub.term_duration
    # The plan the renewal applied (_offer ran first): a later renewal may change it (B6).
    term.product_id, term.pc_sku_id = sub.product_id, sub.pc_sku_id
    term.unit_price = sub.renewed_unit_price
    term.retail_unit_price = sub.renewed_retail_unit_price


def _offer(sub: Subscription, remote: RemoteSubscription, changes: list[str]) -> None:
    """R1/R4: a renewal that applied another plan moves the row to that plan's catalog
    product (its title and prices follow); a plan the catalog lacks is left as it was."""
    product_id, sku_id = (remote.offer_id.split(":") + [""])[:2]
    if not (product_id and sub.pc_product_id) or sub.family == PERPETUAL or (
            product_id.upper(), sku_id) == (sub.pc_product_id.upper(), sub.pc_sku_id):
        return
    product = db.session.scalars(select(Product).where(
        Product.pc_product_id == product_id)).first()
    if product is None:
        return
    changes.append(f"plan {sub.title} → {product.title}")
    sub.product_id, sub.product, sub.title, sub.family = product.id, product, product.title, \
        product.family
    sub.offer_id, sub.pc_product_id, sub.pc_sku_id = remote.offer_id, product_id, sku_id


def next_term_words(remote: RemoteSubscription) -> dict[str, object] | None:
    """R1: Partner Center's scheduled next-term instructions as the local row keeps them."""
    planned = remote.next_term
    if planned is None:
        return None
    return {"quantity": planned.quantity, "term_duration": planned.term_duration,
            "billing_cycle": planned.billing_cycle, "pc_product_id": planned.product_id,
            "pc_sku_id": planned.sku_id, "availability_id": planned.availability_id}


def _terms(sub: Subscription, remote: RemoteSubscription, changes: list[str]) -> None:
    """A renewal may bring another term and billing (R1); the schedule shows until then;
    the suspension reason (R5) is kept only while suspended."""
    if sub.family != PERPETUAL and remote.term_duration in TERMS \
            and remote.billing_cycle in CYCLES:
        for attr, value in (("term_duration", remote.term_duration),
                            ("billing_cycle", remote.billing_cycle)):
            if getattr(sub, attr) != value:
                changes.append(f"{attr.replace('_', ' ')} {getattr(sub, attr)} → {value}")
                setattr(sub, attr, value)
    _schedule(sub, remote, changes)


def _schedule(sub: Subscription, remote: RemoteSubscription, changes: list[str]) -> None:
    """The change scheduled for the renewal (R1), and the suspension reason (R5) kept only
    while suspended."""
    planned = next_term_words(remote)
    if (sub.next_term or None) != planned:
        changes.append("next-term change " + ("scheduled" if planned else "cleared"))
        sub.next_term = planned
    if sub.status != "suspended":
        sub.suspension_reason = ""


def mirror_own_change(sub: Subscription, remote: RemoteSubscription) -> None:
    """What a storefront write that changes no seats changes, as Partner Center answered it:
    autorenew, a suspension or reactivation, the schedule. The seats, a cancellation made
    there, the term and `synced_at` stay as last seen, for the sync's next pass
    (subscriptions.write_answer: seats whose transitions Partner Center did not answer)."""
    sub.autorenew = remote.auto_renew_enabled
    if remote.status != DELETED:
        sub.status = STATUS.get(remote.status, remote.status)
    _schedule(sub, remote, [])
