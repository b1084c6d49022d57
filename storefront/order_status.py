"""Live order status: what static/live-status.js polls to update the order page and the
orders list in place, scoped exactly like those pages (someone else's order is a 404 or,
in a list, simply absent)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user

from orders.models import Order
from orders.progress import OrderProgress, for_buyer, is_final, progress_of, status_label
from persistence import as_utc, db, row_id
from storefront.order_views import provisioned_subscriptions, visible_order, visible_orders
from storefront.pagination import PER_PAGE
from storefront.security import buyers_only
from storefront.templating import datetime_format

bp = Blueprint("order_status", __name__)
IDS_HINT = "list the order ids separated by commas, e.g. ?ids=12,15"


@bp.route("/orders/<int:order_id>/status.json")
@buyers_only
def order(order_id: int):
    """The order's status, reason, history and lines, as the order page shows them."""
    found = visible_order(current_user, order_id)
    links = {line_id: url_for("subscriptions.show", subscription_id=subscription_id)
             for line_id, subscription_id in provisioned_subscriptions(found).items()}
    return jsonify(_order_json(for_buyer(progress_of(found)), links))


def _order_json(progress: OrderProgress, subscription_urls: dict[int, str]) -> dict:
    return {
        "id": progress.order_id, "number": progress.number, "status": progress.status,
        "label": progress.label, "final": progress.final, "reason": progress.reason,
        "next_step": progress.next_step,
        "history": [{"at": as_utc(entry.at).isoformat(), "at_text": datetime_format(entry.at),
                     "status": entry.status, "label": entry.label, "note": entry.note}
                    for entry in progress.history],
        "lines": [{"number": line.number, "status": line.status, "error": line.error,
                   "subscription_url": subscription_urls.get(line.line_id)}
                  for line in progress.lines]}


@bp.route("/orders/status.json")
@buyers_only
def orders():
    """The status of the listed orders (one request for a list page's open rows)."""
    ids = _ids(request.args.get("ids", ""))
    if isinstance(ids, str):
        return jsonify(error={"status": 400, "title": "Bad Request", "field": "ids",
                              "detail": ids}), 400
    rows = db.session.execute(visible_orders(current_user).with_only_columns(
        Order.id, Order.status).where(Order.id.in_(ids)).order_by(Order.id)).all()
    return jsonify(orders=[{"id": row.id, "status": row.status,
                            "label": status_label(row.status), "final": is_final(row.status)}
                           for row in rows])


def _ids(text: str) -> list[int] | str:
    """The ?ids= order ids, or what is wrong with them (a message naming the fix)."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        return f"ids is missing: {IDS_HINT}."
    if len(parts) > PER_PAGE:
        return f"ids names {len(parts)} orders; ask for at most {PER_PAGE} (one page) at once."
    ids = [row_id(part) for part in parts]
    if not all(ids):  # None, or 0: no order's id
        return f"ids holds something that is not an order id: {IDS_HINT}."
    return ids
