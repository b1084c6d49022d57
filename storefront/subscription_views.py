"""Subscription pages: list, details, autorenew, licenses, cancellation, keys (S1–S7)."""

from __future__ import annotations

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
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.models import Customer, Reseller, Role
from accounts.scoping import visible_customers
from billing.azure_usage import usage_billed, usage_read_at, usage_to_date
from billing.event_amounts import event_amounts
from catalog.margins import margin
from catalog.price_words import counted, share_words
from catalog.pricing import buyer_locale, format_money
from connectors.partner_center.app_client import get_client
from orders import listing, retail
from orders.cart import add_licenses
from orders.models import OrderLine
from persistence import MAX_ID, db, row_id, utcnow
from persistence.money import charge_amount
from storefront import cancel_quotes, consequences, tables
from storefront.confirmation import confirmed, unconfirmed
from storefront.errors import renders_refusals
from storefront.pagination import paginate
from storefront.security import buyers_only, roles_required
from subscriptions import activity, keys, rules, services
from subscriptions.azure_plan import AZURE_PLAN, azure_plan_view
from subscriptions.errors import SubscriptionRefused
from subscriptions.models import Subscription
from subscriptions.scheduled import scheduled_words

bp = Blueprint("subscriptions", __name__, url_prefix="/subscriptions")


def visible_subscriptions(user):
    """A select() of the subscriptions this user may see: scoped through its customers."""
    customers = visible_customers(user).with_only_columns(Customer.id)
    return select(Subscription).where(Subscription.customer_id.in_(customers))


def _subscription(subscription_id: int) -> Subscription:
    """One visible subscription, or 404 (ids of others leak nothing)."""
    query = visible_subscriptions(current_user).where(Subscription.id == subscription_id)
    return db.session.scalars(query).first() or abort(404)


def _int_field(name: str) -> int:
    """A whole number from the form, or 400: the page always sends one."""
    value = request.form.get(name, type=int)
    if value is None:
        abort(400)
    return value


@bp.route("")
@login_required
def index():
    """The visible subscriptions: filter by status, customer and (admin) reseller, search,
    sort, page, and download the filtered rows as CSV."""
    view = tables.listing("subscriptions.index", listing.SUBSCRIPTION_SORTS, "purchased",
                          True, ("status", "q", "customer", "reseller"))
    if view.filters["status"] not in STATUSES:
        view.filters["status"] = ""
    query = listing.filter_subscriptions(
        visible_subscriptions(current_user).options(selectinload(Subscription.customer),
                                                    selectinload(Subscription.reseller)),
        status=view.filters["status"], customer_id=tables.int_filter(view, "customer"),
        reseller_id=(tables.int_filter(view, "reseller") if current_user.is_provider_admin
                     else None), q=view.filters["q"])
    query = listing.sort_subscriptions(query, view.sort, view.descending)
    if view.wants_csv:
        return tables.csv_download("subscriptions.csv", CSV_HEADER,
                                   lambda: map(_row, db.session.scalars(query)))
    return render_template("subscriptions/index.html", page=tables.page_of(query, view),
                           view=view, statuses=STATUSES, customers=_customer_choices(),
                           resellers=_reseller_choices())


STATUSES = ("", "active", "pending", "suspended", "cancelled", "expired")
CSV_HEADER = ("Subscription", "Product", "Customer", "Reseller", "Licenses", "Term",
              "Billing", "Status", "Term ends (UTC)", "Autorenew")


def _row(sub: Subscription) -> tuple:
    ends = sub.last_day  # none for perpetual software or an Azure plan
    return (sub.id, sub.title, sub.customer.company_name,
            sub.reseller.company_name if sub.reseller else "direct", sub.quantity,
            sub.term_duration, sub.billing_cycle, sub.status,
            ends.isoformat() if ends else "",
            ("on" if sub.autorenew else "off") if sub.renews else "")


def _customer_choices() -> list[Customer]:
    """The customer filter's choices: the viewer's own customers (none for a customer)."""
    if current_user.is_customer:
        return []
    return db.session.scalars(visible_customers(current_user)
                              .order_by(Customer.company_name).limit(500)).all()


def _reseller_choices() -> list[Reseller]:
    if not current_user.is_provider_admin:
        return []
    return db.session.scalars(select(Reseller).order_by(Reseller.company_name)).all()


def _render(sub: Subscription, refusal: SubscriptionRefused | None = None, key=None,
            status: int = 200, confirm: bool = False):
    locale = buyer_locale(sub.customer.language, sub.customer.country)
    line = db.session.get(OrderLine, sub.order_line_id) if sub.order_line_id else None
    quoted_at = utcnow()
    retail = _sees_retail(sub)
    quote = services.cancellation_quote(sub, quoted_at, retail=retail)
    azure = sub.family == AZURE_PLAN
    promise = cancel_quotes.sign(sub, quote, quoted_at) if confirm else None
    return render_template(
        "subscriptions/show.html", sub=sub, line=line, refusal=refusal, key=key, quote=quote,
        confirm=confirm, promise=promise, pricing=_pricing(sub),
        refund_tax=_refund_tax(sub, quote, retail, locale),
        removal=rules.removable(services.facts(sub), quoted_at),
        # B2/B3: what billing charges for each seat change in the history (B5)
        amounts=event_amounts(sub, retail=retail),
        # K12: an Azure plan shows the Azure subscriptions Partner Center reports under it
        azure=azure_plan_view(sub.customer_id, get_client()) if azure else None,
        # B1: its usage billed, and so far this month, as this viewer is billed it
        usage=usage_billed(sub.id, retail=retail) if azure else (),
        usage_so_far=usage_to_date(sub, retail=retail) if azure else (),
        usage_read_at=usage_read_at(sub.customer_id) if azure else None,
        money=lambda amount, currency: format_money(amount, currency, locale),
        share=lambda percent: share_words(percent, locale)), status


def _refund_tax(sub: Subscription, quote: services.Quote, retail: bool, locale: str) -> str:
    """What follows the quoted refund so it states what is credited, tax included (B5)."""
    refund = cancel_quotes.refund_of(sub, quote, retail)
    return cancel_quotes.tax_words(
        refund, lambda amount: format_money(amount, quote.currency, locale), locale)


def _sees_retail(sub: Subscription) -> bool:
    """A reseller's end customer is quoted what its reseller credits it (B1, orders/retail.py)."""
    return retail.sees_retail(current_user, sub.reseller_id)


def _pricing(sub: Subscription) -> dict | None:
    """The price this viewer may see, per license and per billing period. A reseller (and
    the provider) see the reseller's cost, its retail to the end customer and the margin;
    the end customer sees only what it is invoiced: the retail price, never the cost."""
    price = services.price_of(sub)
    if price is None:
        return None
    # The running term's, as billing charges it: a renewal's price from its first day (R1).
    cost = services.running_unit_price(sub, price)
    retail = services.running_unit_price(sub, price, retail=True) if sub.reseller_id else cost
    currency = sub.order_line.currency if sub.order_line is not None else price.currency
    economics = margin(cost, retail, currency)
    shown = economics if sub.reseller_id and not current_user.is_customer else None
    unit = retail if current_user.is_customer else cost
    return {"unit": unit, "period": charge_amount(unit, sub.quantity, currency),
            "currency": currency, "market": price.market, "margin": shown,
            "period_margin": shown.times(sub.quantity) if shown else None}


def _refused(error: SubscriptionRefused, subscription_id: int):
    """The subscription page with the refusal (403 for a missing permission, else 422)."""
    return _render(_subscription(subscription_id), refusal=error, status=error.status)


refusals_shown = renders_refusals(_refused)


@bp.route("/find")
@login_required
def find():
    """A subscription by the reference checkout's rules know it by (Partner Center's id, or
    local:<id> until it has one): where a K6 or C4 problem's fix link leads."""
    ref = request.args.get("ref", "").strip()
    number = row_id(ref.removeprefix("local:")) if ref.startswith("local:") else None
    if number is not None:
        condition = Subscription.id == number
    else:
        condition = Subscription.pc_subscription_id == ref
    sub = db.session.scalars(visible_subscriptions(current_user).where(condition)).first()
    if sub is None:  # someone else's looks the same as one not mirrored yet
        flash("That subscription is not listed here yet: subscriptions made in Partner "
              "Center appear after the hourly sync.", "error")
        return redirect(url_for("subscriptions.index"))
    return redirect(url_for("subscriptions.show", subscription_id=sub.id))


@bp.route("/<int:subscription_id>")
@login_required
def show(subscription_id: int):
    return _render(_subscription(subscription_id))


@bp.route("/<int:subscription_id>/autorenew", methods=["POST"])
@login_required
@refusals_shown
def autorenew(subscription_id: int):
    """S1: switch autorenew on or off."""
    sub = _subscription(subscription_id)
    choice = request.form.get("autorenew")
    if choice not in ("on", "off"):
        abort(400)
    if page := unconfirmed(consequences.autorenew_off(sub) if choice == "off" else None):
        return page
    scheduled = scheduled_words(sub)
    services.set_autorenew(sub, choice == "on", current_user, get_client())
    flash(f"Autorenew is {choice}.{_removed(sub, scheduled)}", "success")
    return redirect(url_for("subscriptions.show", subscription_id=sub.id))


@bp.route("/<int:subscription_id>/quantity", methods=["POST"])
@login_required
@refusals_shown
def quantity(subscription_id: int):
    """S2: set the license count (fewer only within the window), judged on the seats
    Partner Center holds, read first (the row's may be stale); `seats` is the count the
    form's page showed, and a confirmation whose count moved since is asked again."""
    sub = _subscription(subscription_id)
    wanted = _int_field("quantity")
    shown = request.form.get("seats", type=int, default=sub.quantity)
    client = get_client()
    services.read_seats(sub, wanted, current_user, client)
    if wanted > sub.quantity and not current_user.is_provider_admin:
        # buyers add through checkout: the extra ones over Partner Center's count
        return _add_licenses(sub, wanted - sub.quantity, _held(sub, shown))
    if wanted == sub.quantity:
        return _unchanged(sub, shown)
    services.check_quantity(sub, wanted)  # K9, before asking to confirm what it refuses
    if page := unconfirmed(consequences.change_licenses(sub, wanted, shown),
                           again=shown != sub.quantity):
        return page
    scheduled = scheduled_words(sub)
    services.change_quantity(sub, wanted, current_user, client, seats_read=True)
    flash(f"The subscription now has {counted(sub.quantity, 'license')}."
          f"{_removed(sub, scheduled)}", "success")
    return redirect(url_for("subscriptions.show", subscription_id=sub.id))


def _unchanged(sub: Subscription, shown: int):
    """Partner Center holds the count asked already: nothing is sent, and the flash says
    so (and that the page showed another count, when it did)."""
    held = counted(sub.quantity, "license")
    flash(f"The subscription has {held} already: nothing was changed." if shown == sub.quantity
          else f"Partner Center holds {held} already, not the {shown} shown: nothing was "
          "changed.", "success")
    return redirect(url_for("subscriptions.show", subscription_id=sub.id))


def _held(sub: Subscription, shown: int) -> str:
    """The flash's word that Partner Center held other seats than the page showed ("" when
    it held those)."""
    if shown == sub.quantity:
        return ""
    return f"Partner Center holds {counted(sub.quantity, 'license')}, not the {shown} shown: "


def _removed(sub: Subscription, scheduled: str | None) -> str:
    """R1: the flash's word on the scheduled change a mid-term change made Partner Center
    remove ("" when none was scheduled or it is still there)."""
    if scheduled is None or sub.next_term:
        return ""
    return f" The change scheduled for the renewal ({scheduled}) was removed."


@bp.route("/<int:subscription_id>/licenses", methods=["POST"])
@buyers_only
@refusals_shown
def licenses(subscription_id: int):
    """S2/C3/C4: extra licenses are ordered through the cart, aimed at this subscription."""
    return _add_licenses(_subscription(subscription_id), _int_field("quantity"))


def _add_licenses(sub: Subscription, extra: int, held: str = ""):
    """Put extra licenses in the buyer's cart and send the buyer there."""
    add_licenses(sub, extra, current_user)
    flash(f"{held}{counted(extra, 'extra license')} for {sub.title} "
          f"{'is' if extra == 1 else 'are'} in the cart.", "success")
    return redirect(url_for("checkout.cart", customer=sub.customer_id))


@bp.route("/<int:subscription_id>/cancel", methods=["GET", "POST"])
@login_required
@refusals_shown
def cancel(subscription_id: int):
    """S3–S6: show the refund first; cancel on confirmation."""
    sub = _subscription(subscription_id)
    services.check_cancel(sub, current_user)
    promise = cancel_quotes.promised(sub)
    # A POST from elsewhere, or without the page's promise, asks here with the refund now.
    if request.method == "GET" or not confirmed() or promise is None:
        cancel_quotes.read_seats(sub, get_client())  # the refund on Partner Center's seats
        services.check_cancel(sub, current_user)  # a cancellation there the read recorded
        return _render(sub, confirm=True, status=200 if request.method == "GET" else 422)
    quote = services.cancel(sub, current_user, get_client(), promise=promise,
                            retail=_sees_retail(sub))
    locale = buyer_locale(sub.customer.language, sub.customer.country)
    flash(f"Cancelled. Refund: {format_money(quote.amount, quote.currency, locale)}"
          f"{_refund_tax(sub, quote, _sees_retail(sub), locale)}.", "success")
    return redirect(url_for("subscriptions.show", subscription_id=sub.id))


@bp.route("/<int:subscription_id>/key", methods=["POST"])
@login_required
@refusals_shown
def reveal(subscription_id: int):
    """S7: reveal the product key to an admin agent (logged)."""
    sub = _subscription(subscription_id)
    key = services.reveal_key(sub, current_user, request.remote_addr or "",
                              key_id=_key_id(request.form))
    return _render(sub, key=key)


@bp.route("/<int:subscription_id>/download", methods=["GET", "POST"])
@login_required
@refusals_shown
def download(subscription_id: int):
    """S7: follow the download link (logged). Only the page's form (POST, with its CSRF
    token) downloads and logs; a GET, as another site can make a signed-in agent's
    browser send, or a copied link, shows the download and asks, so the key log lists
    only the downloads an agent made."""
    sub = _subscription(subscription_id)
    key_id = _key_id(request.form) or _key_id(request.args)
    if request.method == "GET":
        key = keys.accessible(sub, current_user, "download", key_id)
        return render_template("subscriptions/download.html", sub=sub, key=key)
    url = services.download_url(sub, current_user, request.remote_addr or "", key_id=key_id)
    return redirect(url, code=303)


def _key_id(values) -> int | None:
    """Which recorded key or download (one of several languages, versions...); the first
    when none is named."""
    value = values.get("key", type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


@bp.route("/key-log")
@roles_required(Role.PROVIDER_ADMIN)
def key_log():
    """S7: every reveal and download, filtered by date range; CSV export."""
    view = tables.listing("subscriptions.key_log", (), "", True, ("from", "to"))
    query = activity.between(*tables.day_range(view))
    if view.wants_csv:
        return tables.stream_download(
            "key-log.csv", lambda: activity.export_csv(db.session.scalars(query)))
    return render_template("subscriptions/key_log.html", page=paginate(query), view=view,
                           key_label=activity.key_label)
