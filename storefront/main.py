"""Home pages: one dashboard per role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from storefront.accounts import Customer, Reseller, visible_customers
from storefront.extensions import db

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
    return render_template("main/reseller_home.html", customers=customers, total=total,
                           reseller=current_user.reseller)


@bp.route("/healthz")
def healthz():
    """Liveness for process managers and load balancers: the database answers."""
    db.session.execute(select(1))
    return {"status": "ok"}
