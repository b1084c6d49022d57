"""Renewals: next-term changes (R1), suspend/resume (R5), the renewals calendar and its
reminder setting (R2); the subscription page's renewal panel (R1, R3, S2)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from catalog.price_words import counted
from catalog.pricing import buyer_locale, format_money
from connectors.partner_center.app_client import get_client
from connectors.partner_center.errors import PartnerCenterError
from orders import retail
from persistence import db
from storefront import consequences
from storefront.confirmation import unconfirmed
from storefront.local_times import local_date
from storefront.pagination import paginate
from storefront.security import admin_only, buyers_only
from storefront.subscription_views import refusals_shown, visible_subscriptions
from storefront.tables import csv_download
from subscriptions import reminders, renewal_rules, renewals, upgrades
from subscriptions.errors import SubscriptionRefused
from subscriptions.models import RenewalSettings, Subscription
from subscriptions.rules import NO_TERM
from subscriptions.write_answer import read_first

bp = Blueprint("renewals", __name__)
CSV_HEADER = ("last_day", "customer", "reseller", "subscription", "status", "at_term_end",
              "next_term", "price_per_cycle", "currency")


def _csv_header() -> tuple[str, ...]:
    """The header: the first column is the term's last day as Microsoft dates it (a UTC
    day, as the pages, the subscriptions CSV and the API name it)."""
    return CSV_HEADER


def _subscription(subscription_id: int) -> Subscription:
    """One subscription this user may see, or 404."""
    query = visible_subscriptions(current_user).where(Subscription.id == subscription_id)
    return db.session.scalars(query).first() or abort(404)


def _back(sub: Subscription):
    return redirect(url_for("subscriptions.show", subscription_id=sub.id) + "#renewal")


@bp.app_template_global()
def renewal_panel(sub: Subscription) -> dict:
    """What the renewal panel shows: the next term and its price, the terms sold and what
    Microsoft does at the term's end (R3)."""
    quote = renewals.quote_next_term(sub, retail=retail.sees_retail(current_user,
                                                                    sub.reseller_id))
    locale = buyer_locale(sub.customer.language, sub.customer.country)
    price = format_money(quote.total, quote.currency, locale) if quote.total is not None \
        else None
    # The terms of the plan it renews into: a scheduled upgrade's, not this plan's (R1).
    sold = renewals.sold_terms(sub, quote.change.plan)
    return {"quote": quote, "price": price, "sold": sorted(sold),
            "describe": renewals.describe,
            "at_term_end": renewal_rules.AT_TERM_END,
            "lifecycle_page": renewal_rules.LIFECYCLE_PAGE}


@bp.route("/subscriptions/<int:subscription_id>/next-term", methods=["POST"])
@buyers_only
@refusals_shown
def schedule(subscription_id: int):
    """R1: schedule seats, term and billing for the renewal, keeping a scheduled change of
    plan unless the form names another (dropping it is confirmed first)."""
    sub = _subscription(subscription_id)
    change = renewals.edited(
        sub, request.form.get("quantity", type=int) or 0, request.form.get("term_duration", ""),
        request.form.get("billing_cycle", ""), request.form.get("plan"))
    dropped = renewals.dropped_plan(sub, change)
    if page := unconfirmed(consequences.replace_next_term(sub, dropped, change)):
        return page
    renewals.schedule(sub, change, current_user, get_client())
    flash(_scheduled_words(sub, dropped), "success")
    return _back(sub)


def _scheduled_words(sub: Subscription, dropped) -> str:
    """The flash after scheduling: what the renewal now applies, and what it replaced."""
    now = f"Scheduled for the renewal: {renewals.describe(renewals.next_term(sub))}."
    if dropped is None:
        return now
    return f"{now} The change of plan scheduled before ({renewals.describe(dropped)}) was " \
           "replaced."


@bp.route("/subscriptions/<int:subscription_id>/next-term/withdraw", methods=["POST"])
@buyers_only
@refusals_shown
def withdraw(subscription_id: int):
    """R1: withdraw the scheduled change (confirmed first)."""
    sub = _subscription(subscription_id)
    if page := unconfirmed(consequences.withdraw_next_term(sub)):
        return page
    renewals.withdraw(sub, current_user, get_client())
    flash("The scheduled change was withdrawn: it renews as it is.", "success")
    return _back(sub)


@bp.route("/subscriptions/<int:subscription_id>/suspend", methods=["POST"])
@admin_only
@refusals_shown
def suspend(subscription_id: int):
    """R5: suspend with a reason the buyer reads (confirmed first)."""
    sub = _subscription(subscription_id)
    if page := unconfirmed(consequences.suspend_subscription(sub)):
        return page
    renewals.suspend(sub, request.form.get("reason", ""), current_user, get_client())
    flash(f"{sub.title} is suspended.", "success")
    return _back(sub)


@bp.route("/subscriptions/<int:subscription_id>/resume", methods=["POST"])
@admin_only
@refusals_shown
def resume(subscription_id: int):
    """R5: reactivate a suspended subscription before its term ends."""
    sub = _subscription(subscription_id)
    renewals.resume(sub, current_user, get_client())
    flash(f"{sub.title} is active again.", "success")
    return _back(sub)


@bp.route("/subscriptions/<int:subscription_id>/upgrade", methods=["GET", "POST"])
@buyers_only
@refusals_shown
def upgrade(subscription_id: int):
    """R4: the upgrades Partner Center lists, now (moving licenses is confirmed first) or
    at renewal (an R1 change of plan, withdrawable until then)."""
    sub = _subscription(subscription_id)
    if request.method == "GET":
        return _upgrade_page(sub)
    quantity = request.form.get("quantity", type=int) or 0
    if request.form.get("when") == "renewal":
        upgrades.upgrade_at_renewal(sub, request.form.get("to", ""), quantity, current_user,
                                    get_client())
        flash(f"Scheduled for the renewal: {renewals.describe(renewals.next_term(sub))}.",
              "success")
        return _back(sub)
    if page := unconfirmed(consequences.upgrade(sub, quantity)):
        return page
    target = upgrades.upgrade_now(sub, request.form.get("to", ""), quantity, current_user,
                                  get_client())
    flash(f"{counted(quantity, 'license')} moved to {target.title}.", "success")
    return redirect(url_for("subscriptions.show", subscription_id=target.id))


def _upgrade_page(sub: Subscription):
    """The eligible plans, read from Partner Center now (it decides what is eligible)."""
    try:
        client = get_client()
        offers, problem = upgrades.eligible(sub, client), ""
        if offers:  # R4/B2: the licenses to move are the ones Partner Center holds
            read_first(sub, client)
        at_renewal = renewals.plans_at_renewal(sub, client)
    except PartnerCenterError as error:
        offers, at_renewal = (), ()
        problem = f"Partner Center did not answer ({error.meaning}); try again."
    except SubscriptionRefused as refused:  # its seats cannot be judged yet (write_answer)
        offers, at_renewal, problem = (), (), refused.message
    return render_template("renewals/upgrade.html", sub=sub, offers=offers, problem=problem,
                           at_renewal=at_renewal)


def _calendar_query():
    """Live subscriptions this user sees, by term end, from today on."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return visible_subscriptions(current_user).options(
        selectinload(Subscription.customer), selectinload(Subscription.reseller)).where(
        Subscription.status.in_(("active", "suspended")), Subscription.term_end >= today,
        Subscription.family.not_in(NO_TERM)).order_by(
        Subscription.term_end, Subscription.id)


def _csv_row(sub: Subscription) -> tuple:
    quote = renewals.quote_next_term(sub, retail=retail.sees_retail(current_user,
                                                                    sub.reseller_id))
    return (local_date(sub.last_day), sub.customer.company_name,
            sub.reseller.company_name if sub.reseller else "", sub.title, sub.status,
            "renews" if sub.autorenew else "expires",
            renewals.describe(quote.change) if sub.autorenew else "",
            quote.total if sub.autorenew and quote.total is not None else "", quote.currency)


@bp.route("/renewals")
@login_required
def calendar():
    """R2: upcoming term ends, what renews and at what price; CSV with ?format=csv."""
    if request.args.get("format") == "csv":
        query = _calendar_query()
        return csv_download("renewals.csv", _csv_header(),
                            lambda: map(_csv_row, db.session.scalars(query)))
    return _calendar()


def _calendar(error: str = "", status: int = 200):
    settings_row = RenewalSettings.current() if current_user.is_provider_admin else None
    return render_template("renewals/calendar.html", page=paginate(_calendar_query()),
                           settings=settings_row, error=error,
                           error_value=request.form.get("reminder_days", "")), status


@bp.route("/renewals/settings", methods=["POST"])
@admin_only
def settings():
    """R2: the days before a term end on which buyers are reminded."""
    try:
        reminders.save_days(request.form.get("reminder_days", ""))
    except ValueError as error:
        return _calendar(str(error), 422)  # the typed value kept, the fix beside it
    flash("Reminder days saved.", "success")
    return redirect(url_for("renewals.calendar"))
