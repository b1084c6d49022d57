"""Home pages: one dashboard per role."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from accounts.models import Customer, MpaStatus, Reseller, Role
from accounts.scoping import visible_customers
from billing import revenue
from catalog.pricing import format_money
from checkout.fetch import refresh_reseller_standing
from connectors.partner_center.app_client import get_client
from orders import dashboard
from orders.models import Order
from persistence import as_utc, db
from storefront.charts import daily_bars
from storefront.local_times import viewer_zone
from storefront.order_views import visible_orders
from storefront.security import roles_required

bp = Blueprint("main", __name__)
CHART_DAYS = 30


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


def _money():
    """Amounts in the storefront's locale (a dashboard sums many customers' currencies)."""
    locale = current_app.config.get("DEFAULT_LOCALE") or "en_US"
    return lambda amount, currency: format_money(amount, currency, locale)


def _today() -> tuple[datetime, date]:
    """Now, and today's date in the viewer's time zone."""
    now = datetime.now(UTC)
    return now, now.astimezone(viewer_zone()).date()


def _viewer_day(moment: datetime) -> date:
    return as_utc(moment).astimezone(viewer_zone()).date()


def _admin_home():
    now, today = _today()
    midnight = datetime.combine(today, time(), tzinfo=viewer_zone())
    attention_count, attention = dashboard.needing_attention(None)
    stats = {
        "resellers": _count(select(Reseller)),
        "customers": _count(select(Customer).where(Customer.reseller_id.is_not(None))),
        "direct_customers": _count(select(Customer).where(Customer.reseller_id.is_(None))),
    }
    chart = daily_bars(dashboard.orders_per_day(today - timedelta(days=CHART_DAYS - 1), today,
                                                _viewer_day), ("order", "orders"))
    return render_template(
        "main/admin_home.html", stats=stats, attention=attention,
        attention_count=attention_count, today_orders=dashboard.orders_since(midnight),
        revenue_today=revenue.charged_on(today), revenue_month=revenue.charged_in_month(today),
        ending=dashboard.ending_subscriptions(now), enrollments=dashboard.ending_enrollments(today),
        chart=chart, today=today, money=_money())


def _reseller_home():
    now, _ = _today()
    visible = visible_customers(current_user)
    scope = visible.with_only_columns(Customer.id)
    customers = db.session.scalars(visible.order_by(Customer.created_at.desc()).limit(5)).all()
    orders = visible_orders(current_user)
    recent = db.session.scalars(orders.options(selectinload(Order.customer))
                                .order_by(Order.created_at.desc(), Order.id.desc())
                                .limit(5)).all()
    troubled, attention = dashboard.needing_attention(scope, limit=5)
    renewals = dashboard.renewals(scope, now)
    return render_template(
        "main/reseller_home.html", customers=customers, total=_count(visible),
        reseller=current_user.reseller, recent=recent, troubled=troubled, attention=attention,
        active=dashboard.active_count(scope), mrr=dashboard.monthly_recurring(scope),
        renewals=renewals, renewal_counts=dashboard.renewal_counts(renewals),
        closing=dashboard.cancel_windows_closing(scope, now), now=now, money=_money())


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
    check_with_microsoft(current_user.reseller, STANDING,
                         "Partner Center did not answer; try again in a few minutes.")
    return redirect(url_for("main.home"))


def check_with_microsoft(reseller: Reseller, said: Mapping[str, str], no_answer: str) -> None:
    """K9 on demand (the reseller's dashboard, the admin's reseller page): ask Partner
    Center now and flash its answer in `said`'s words ({name}: the reseller's), or
    `no_answer` when it did not answer (the standing kept is then its last answer)."""
    answered = refresh_reseller_standing(get_client(), reseller, datetime.now(UTC), force=True)
    message = said.get(reseller.mpa_status) if answered else None
    flash((message or no_answer).format(name=reseller.company_name),
          "success" if message and reseller.mpa_status == MpaStatus.VERIFIED else "error")


@bp.route("/healthz")
def healthz():
    """Liveness: the process answers requests. It touches nothing else on purpose: a
    database or broker outage is /readyz's to report (operations/health.py); failing
    liveness for it would only make the process manager restart healthy processes."""
    return {"status": "ok"}
