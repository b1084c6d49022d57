"""Cart and checkout; a cart line's changes (storefront.cart_line_views) and the buyer's
orders (storefront.order_views) are on this blueprint too."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from accounts.models import Customer
from accounts.scoping import name_contains, visible_customers
from agreements import mca
from catalog.models import CatalogSettings
from catalog.pricing import buyer_locale, format_money, tax_label
from catalog.queries import markups_for
from checkout.problems import CheckoutRefused, by_field, by_line
from checkout.rules import k07_specialized_industry
from connectors.partner_center.app_client import get_client
from orders import cart as carts
from orders import coterming, line_units, reservations, retail
from orders import quote as quotes
from orders.placement import IdempotencyConflict, dry_run, place_order, record_problems
from persistence import db
from persistence.money import charge_amount
from provisioning.tasks import enqueue_provisioning
from storefront.errors import renders_refusals
from storefront.fix_links import cart_url, customer_edit_url, fix_urls
from storefront.forms import McaForm
from storefront.pagination import paginate
from storefront.remote import facts_for
from storefront.security import buyers_only, customer_for
from subscriptions.azure_plan import azure_plan_view
from subscriptions.scheduled import scheduled_words

bp = Blueprint("checkout", __name__)


def buyer_customer(customer_id: int | None) -> Customer | None:
    """The customer this buyer orders for: its own, or one of the reseller's it may see."""
    if current_user.is_customer:
        return customer_for(current_user, current_user.customer_id)
    return customer_for(current_user, customer_id) if customer_id else None


@bp.route("/cart")
@buyers_only
def cart():
    customer = buyer_customer(request.args.get("customer", type=int))
    if customer is None:
        return _choose_customer()
    return render_cart(customer)


def _choose_customer():
    """A reseller's carts: customers whose cart holds plans first (where it left off),
    then the rest by name, searchable and paged like the customer list."""
    q = request.args.get("q", "").strip()
    query = visible_customers(current_user)
    if q:
        query = query.where(name_contains(q))
    holding = carts.holding_lines(current_user)
    page = paginate(query.order_by(Customer.id.in_(holding).desc(), Customer.company_name))
    return render_template("checkout/choose_customer.html", page=page, q=q,
                           counts=carts.line_counts(current_user, [c.id for c in page.items]))


def render_cart(customer: Customer, problems=(), mca_form=None, status=200, plans=None,
                 reservation=None):
    """The review; `plans` are C4's plans of a dry run that asked Partner Center, else the
    lines are planned from our own rows (orders/line_units.py). `reservation`: a refused
    K12 choice by line id, shown as submitted with its message."""
    the_cart = carts.cart_for(current_user, customer)
    # The rows that sell today: a row that took over since the line was added prices it.
    carts.follow_selling_rows(the_cart, datetime.now(UTC).date())
    db.session.commit()
    settings = CatalogSettings.current()
    locale = buyer_locale(customer.language, customer.country)
    # A line keeps showing its own term even when it is no longer sellable (C1 says why
    # beside it); otherwise its selector would be empty and Update would drop the choice.
    # Extra licences have none (C4): they join their subscription on its term and billing.
    options = {line.id: [p for p in carts.billing_options(line)
                         if p.id == line.price_id or settings.annual_sellable
                         or p.billing_cycle != "annual"]
               for line in the_cart.lines if line.add_to_subscription_id is None}
    shows_retail = retail.sees_retail(current_user, customer.reseller_id)
    today, urls = datetime.now(UTC).date(), fix_urls(customer, from_cart=True)
    if plans is None or len(plans) != len(the_cart.lines):  # a second tab changed the cart
        plans = line_units.local_plans(the_cart, today, urls)
    shown = quotes.shown_lines(the_cart, markups_for(customer.reseller_id), shows_retail, plans)
    priced, totals = _priced(the_cart, [line.unit for line in shown])
    # Before any check, what the saved record alone already fails (K1-K4) shows beside
    # the customer's details, so nobody fills in the MCA first and learns of it on placing.
    ahead = [] if problems else record_problems(customer, today, urls)
    return render_template(
        "checkout/cart.html", cart=the_cart, customer=customer, options=options,
        problems=list(problems), ahead=ahead, field_problems=by_field(problems or ahead),
        edit_url=customer_edit_url(customer, back=cart_url(customer)),
        line_problems=by_line(problems), mca_form=mca_form or _mca_form(customer),
        acceptance=mca.latest_for(customer.id, customer.reseller_id),
        idempotency_key=str(uuid.uuid4()), tax_label=tax_label, priced=priced, totals=totals,
        price_notes={line.id: shown_line.note for line, shown_line in zip(
            the_cart.lines, shown, strict=True) if shown_line.note},
        quote=quotes.encode(quotes.quote_of(the_cart, [priced[ln.id][0] for ln in the_cart.lines])),
        coterm=_coterm(the_cart, shows_retail), azure=_azure(the_cart), scopes=reservations.SCOPES,
        dropped=_dropped_schedules(the_cart),
        reservation_kept=reservation or {},
        unqualified=_unqualified(the_cart, customer),
        money=lambda amount, currency: format_money(amount, currency, locale)), status


def _unqualified(the_cart, customer: Customer) -> dict:
    """K7 ahead of checkout: each line's segment our record shows no qualification for. Only
    a warning: checkout also asks Partner Center, which may report one we have not recorded."""
    approved = customer.approved_segments()
    return {line.id: segment for line in the_cart.lines
            if k07_specialized_industry.needs_qualification(
                segment := line.price.sku.product.segment, approved)}


def _azure(the_cart):
    """K12: the customer's Azure plan subscriptions a reservation line chooses from, read
    from Partner Center only when the cart holds a reservation."""
    if not any(ln.price.sku.product.family == reservations.RESERVATION for ln in the_cart.lines):
        return None
    return azure_plan_view(the_cart.customer_id, get_client())


def _coterm(the_cart, shows_retail: bool) -> dict:
    """R6: each line's subscriptions it could end with, and its prorated first term."""
    today = datetime.now(UTC).date()
    return {line.id: (coterming.candidates(line, today),
                      coterming.first_term(line, today, retail=shows_retail))
            for line in the_cart.lines}


def _priced(the_cart, units) -> tuple[dict, dict]:
    """Each line's (unit price, amount) as the order will record them (for an end customer:
    as its reseller invoices them, B1; extra licences at the held subscription's term
    price, C4), and the cart's totals per currency and billing cycle: a monthly and an
    annual charge are not one sum."""
    priced = {}
    for line, unit in zip(the_cart.lines, units, strict=True):
        priced[line.id] = (unit, charge_amount(unit, line.quantity, line.price.currency))
    return priced, totals_by_cycle(
        (line.price.currency, line.price.billing_cycle, priced[line.id][1])
        for line in the_cart.lines)


def totals_by_cycle(amounts) -> dict:
    """(currency, billing cycle, amount)s summed per currency and cycle, in first-seen order."""
    totals = {}
    for currency, cycle, amount in amounts:
        totals[(currency, cycle)] = totals.get((currency, cycle), 0) + amount
    return totals


def _mca_form(customer: Customer) -> McaForm:
    form = McaForm(formdata=None)
    form.signer_first_name.data = customer.contact_first_name
    form.signer_last_name.data = customer.contact_last_name
    form.signer_email.data = customer.email
    form.signer_phone.data = customer.phone
    form.date_agreed.data = datetime.now(UTC).date()
    return form


@bp.route("/cart/add", methods=["POST"])
@buyers_only
def add():
    customer = buyer_customer(request.form.get("customer", type=int))
    if customer is None:
        flash("Choose the customer you are buying for first.", "error")
        return redirect(url_for("shop.index"))
    the_cart = carts.cart_for(current_user, customer)
    try:
        carts.add_line(the_cart, request.form.get("price_id", type=int) or 0,
                       request.form.get("quantity", 1, type=int) or 0)
    except carts.CartError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(request.referrer or url_for("shop.index"))
    flash("Added to the cart.", "success")
    return redirect(cart_url(customer))


def _dropped_schedules(the_cart) -> dict[int, str]:
    """R1: by line id, the change scheduled for the renewal of the subscription a line adds
    licences to: adding them is a mid-term change, and Partner Center removes every
    scheduled change on one (create-scheduled-changes), so the buyer is told before."""
    return {line.id: words for line in the_cart.lines if line.add_to_subscription is not None
            and (words := scheduled_words(line.add_to_subscription))}


@bp.route("/cart/<int:customer_id>/mca", methods=["POST"])
@buyers_only
def accept_mca(customer_id: int):
    """Record an MCA acceptance (direct customer) or confirmation (reseller) in the ledger."""
    customer = buyer_customer(customer_id)
    form = McaForm()
    if not form.validate_on_submit():
        return render_cart(customer, mca_form=form, status=422)
    templates = get_client().get_agreement_templates()
    mca.record_acceptance(
        customer=customer, user=current_user, signer=mca.Signer(
            form.signer_first_name.data, form.signer_last_name.data, form.signer_email.data,
            form.signer_phone.data or ""),
        template_id=templates[0].template_id, version=templates[0].template_id,
        date_agreed=form.date_agreed.data, ip=request.remote_addr or "",
        user_agent=request.user_agent.string)
    flash("The Microsoft Customer Agreement acceptance is recorded.", "success")
    return redirect(cart_url(customer) + "#mca")


@bp.route("/cart/<int:customer_id>/check", methods=["POST"])
@buyers_only
def check(customer_id: int):
    """The dry run: every problem, nothing placed."""
    customer = buyer_customer(customer_id)
    the_cart = carts.cart_for(current_user, customer)
    now = datetime.now(UTC)
    problems, plans = dry_run(the_cart, facts_for(customer, the_cart.lines), now.date(),
                              fix_urls(customer, from_cart=True))
    if not problems:
        flash("Everything checks out: you can place the order.", "success")
    return render_cart(customer, problems, status=422 if problems else 200, plans=plans)


def _refused(error: CheckoutRefused, customer_id: int):
    """The cart again with every problem beside its field or line (422)."""
    return render_cart(buyer_customer(customer_id), error.problems, status=422,
                        plans=error.plans or None)


@bp.route("/cart/<int:customer_id>/place", methods=["POST"])
@buyers_only
@renders_refusals(_refused)
def place(customer_id: int):
    customer = buyer_customer(customer_id)
    the_cart = carts.cart_for(current_user, customer)
    key = _form_key(request.form.get("idempotency_key") or str(uuid.uuid4()))
    # B1: the prices the page showed; a page without them (an older one) places at today's
    quoted = request.form.get("quote")
    now = datetime.now(UTC)
    try:
        # The key comes from the form, so it is the user's own namespace: another user who
        # learns or guesses it must neither be sent to this order nor be blocked by it.
        order = place_order(the_cart, current_user, facts_for(customer, the_cart.lines),
                            now.date(), fix_urls(customer, from_cart=True),
                            idempotency_key=f"web:{current_user.id}:{key}",
                            enqueue=enqueue_provisioning,
                            quote=None if quoted is None else quotes.decode(quoted)).order
    except IdempotencyConflict as conflict:
        order = conflict.order
    flash(f"Order {order.number} is placed and being provisioned.", "success")
    return redirect(url_for("checkout.order", order_id=order.id))


def _form_key(key: str) -> str:
    """The page sends a UUID; anything longer (a tampered form) is kept as its digest, so it
    still fits the column and still names one order."""
    return key if len(key) <= 64 else hashlib.sha256(key.encode()).hexdigest()


# The buyer's orders and the cart's lines register their routes on bp, so they are
# imported once it exists.
from storefront import cart_line_views, order_views  # noqa: E402, F401
