"""Home pages: one dashboard per role."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from accounts.models import Customer, MpaStatus, Reseller, Role
from accounts.scoping import visible_customers
from checkout.fetch import refresh_reseller_standing
from connectors.partner_center.app_client import get_client
from orders.models import Order
from persistence import db
from storefront.checkout_views import ORDER_FILTERS, visible_orders
from storefront.security import roles_required

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.is_provider_admin:
        return _admin_home()
    if current_user.is_reseller:
        return _reseller_home()
    return redirect(url_for("customers.company"))


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def _admin_home():
    stats = {
        "resellers": _count(select(Reseller)),
        "customers": _count(select(Customer)),
        "direct_customers": _count(select(Customer).where(Customer.reseller_id.is_(None))),
    }
    return render_template("main/admin_home.html", stats=stats)


def _reseller_home():
    customers = db.session.scalars(
        visible_customers(current_user).order_by(Customer.created_at.desc()).limit(5)
    ).all()
    total = _count(visible_customers(current_user))
    orders = visible_orders(current_user)
    recent = db.session.scalars(orders.options(selectinload(Order.customer))
                                .order_by(Order.id.desc()).limit(5)).all()
    troubled = _count(orders.where(Order.status.in_(ORDER_FILTERS["attention"][1])))
    return render_template("main/reseller_home.html", customers=customers, total=total,
                           reseller=current_user.reseller, recent=recent, troubled=troubled)


STANDING = {MpaStatus.VERIFIED: "Microsoft confirms your MPN ID and your acceptance of the "
                                "Microsoft Partner Agreement: you can order.",
            MpaStatus.NOT_ACCEPTED: "Microsoft does not show the Microsoft Partner Agreement as "
                                    "accepted yet. Accept it in Partner Center, then check again.",
            MpaStatus.INVALID_MPN: "Microsoft does not know this MPN ID. Ask the provider to "
                                   "correct it on your reseller record."}


@bp.post("/standing/check")
@roles_required(Role.RESELLER_USER)
def check_standing():
    """K9 on demand: ask Partner Center now, e.g. right after accepting the MPA."""
    reseller = current_user.reseller
    refresh_reseller_standing(get_client(), reseller, datetime.now(UTC), force=True)
    message = STANDING.get(reseller.mpa_status, "Partner Center did not answer; try again "
                                                "in a few minutes.")
    flash(message, "success" if reseller.mpa_status == MpaStatus.VERIFIED else "error")
    return redirect(url_for("main.home"))


@bp.route("/healthz")
def healthz():
    """Liveness for process managers and load balancers: the database answers."""
    db.session.execute(select(1))
    return {"status": "ok"}
