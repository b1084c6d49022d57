"""Template filters and globals: country names, dates, money, plan terms, the navigation of
each role."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from catalog import effective
from catalog import price_words as words
from catalog.cache import ListingCache
from catalog.pricing import buyer_locale, format_money
from checkout.validators.address import country_name
from persistence.money import round_money
from storefront.csrf_tokens import csrf_token
from storefront.listing_cache import CSRF_HOLE
from storefront.local_times import local_date, local_datetime
from storefront.security import acting_user
from subscriptions.rules import PERPETUAL


def sentence(text: str) -> str:
    """Close a sentence that ends in a name: "Saved Kowalski Sp. z o.o." gets no second dot."""
    return text if text.endswith((".", "!", "?")) else f"{text}."


def datetime_format(value: datetime | None) -> str:
    """A stored moment in the viewer's time zone with its abbreviation (local_times.py)."""
    return local_datetime(value)


def plan_terms(row) -> str:
    """A price, line or subscription's term and billing, e.g. "1-year term · billed monthly"."""
    family = getattr(row, "family", None)
    if family is None and getattr(row, "sku", None) is not None:  # a catalog price row
        family = row.sku.product.family
    return words.plan_words(row.term_duration, row.billing_cycle, family)


def tier_words(price) -> str:
    """A price row's tier, e.g. "301+ licenses"; "" for a row that prices any quantity."""
    return effective.tier_words(price) if effective.is_tiered(price) else ""


def term_end_words(sub) -> str:
    """The day a subscription's term ends: its last day as Microsoft dates it (its
    commitmentEndDate, a UTC day, the date Partner Center shows too), the same for every
    viewer: the day of its last second in a zone east of Greenwich is the next one. Not
    `term_end`, the next term's 00:00 UTC. "perpetual" or "no term" when it has none
    (Partner Center's far-future commitment end is no date to show)."""
    if sub.renews:
        return local_date(sub.last_day)  # "—" while Partner Center gives no end yet
    return "perpetual" if sub.family == PERPETUAL else "no term"


def customer_money(amount, currency: str, customer) -> str:
    """An amount as the customer reads money (their language and country)."""
    return format_money(amount, currency, buyer_locale(customer.language, customer.country))


def site_money(amount, currency: str) -> str:
    """An amount as the provider's own pages show it: in the storefront's locale
    (DEFAULT_LOCALE), with the currency's own decimals (none for JPY)."""
    return format_money(amount, currency, site_locale())


def site_percent(percent) -> str:
    """A percentage as the provider's own pages write it (the storefront's locale, as
    site_money): "12.345 %", "12,345 %"."""
    return words.percent_words(percent, site_locale())


def site_locale() -> str:
    return current_app.config.get("DEFAULT_LOCALE") or "en_US"


def amount_field(amount, currency: str) -> str:
    """An amount as a form field holds it, for the amount fields to read back: a plain
    decimal with the currency's own places (1500 for JPY, 13.50 for EUR); "" for none."""
    return "" if amount is None else str(round_money(amount, currency))


NAV = {
    "provider_admin": [("main.home", "Dashboard"), ("admin.resellers", "Resellers"),
                       ("admin.customers", "Customers"), ("gdap_admin.index", "GDAP"),
                       ("catalog_admin.index", "Catalog"),
                       ("orders_admin.index", "Orders"),
                       ("subscriptions.index", "Subscriptions"),
                       ("support.index", "Support requests"),
                       ("enrollments.index", "Enrollments"), ("admin.mca_ledger", "MCA log"),
                       ("admin.country_lists_page", "Country lists"),
                       ("entitlements.index", "Software keys"),
                       ("subscriptions.key_log", "Key log"),
                       ("billing_admin.index", "Billing"), ("billing.invoices", "Invoices"),
                       ("reconciliation.index", "Reconciliation"),
                       ("notifications.outbox", "Outbox"), ("team.audit_log", "Audit log"),
                       ("operations.system", "System")],
    "reseller_user": [("main.home", "Dashboard"), ("customers.index", "Customers"),
                      ("shop.index", "Shop"), ("checkout.cart", "Cart"),
                      ("checkout.orders", "Orders"), ("subscriptions.index", "Subscriptions"),
                      ("support.index", "Support requests"),
                      ("enrollments.index", "Enrollments"), ("billing.invoices", "Invoices"),
                      ("api_tokens.index", "API tokens")],
    "customer_user": [("shop.index", "Shop"), ("checkout.cart", "Cart"),
                      ("checkout.orders", "Orders"), ("subscriptions.index", "Subscriptions"),
                      ("support.index", "Support requests"), ("customers.company", "Company"),
                      ("enrollments.index", "Enrollments"),
                      ("billing.invoices", "Invoices"), ("api_tokens.index", "API tokens")],
}


def navigation() -> list[tuple[str, str, str]]:
    """(address, endpoint, label) of the links for the signed-in user's role; later
    blueprints append their own entries."""
    if not current_user.is_authenticated:
        return []
    if current_user.is_billing_only:  # invoices only (storefront/team.py)
        items = [("billing.invoices", "Invoices")]
    else:
        items = NAV.get(current_user.role, []) + (
            [("team.index", "Users"), ("team.audit_log", "Audit log")]
            if current_user.is_company_admin else [])
    return [(fixed_link(endpoint), endpoint, label) for endpoint, label in items
            if endpoint in current_app.view_functions]


class Who(NamedTuple):
    """What the top bar shows of the signed-in user."""

    name: str
    email: str
    role: str
    reseller: str | None
    customer: str | None


HEADERS = "page_headers"
MAX_HEADERS = 4096  # ~2 kB each
HEADER_VERSION = 0  # nothing outdates a kept bar: everything it shows is in its key


@pass_context
def page_header(context: Context) -> Markup:
    """The layout's top bar. It shows only who is signed in, their companies, their menu,
    the page and the unread count, so it is rendered once per worker for each combination
    of those and kept; only the sign-out form's CSRF token is filled in per response.
    Rendering it and its menu on every page cost ~70 us of a 1.6 ms cached shop page
    (#27)."""
    user = acting_user()
    who = None if not user.is_authenticated else Who(
        user.name, user.email, user.role,
        user.reseller.company_name if user.reseller else None,
        user.customer.company_name if user.customer else None)
    endpoint, unread = request.endpoint, context.get("unread_notifications", 0)
    key = (request.script_root, endpoint, who, unread,
           who is not None and user.is_billing_only, who is not None and user.is_company_admin)
    kept: ListingCache = current_app.extensions[HEADERS]
    pieces = kept.get_or_render(HEADER_VERSION, key,
                                lambda: _render_header(endpoint, who, unread))
    if len(pieces) == 1:
        return Markup(pieces[0])  # noqa: S704 - rendered with autoescape
    return Markup(str(escape(csrf_token())).join(pieces))  # noqa: S704


def _render_header(endpoint: str | None, who: Who | None, unread: int) -> tuple[str, ...]:
    """The bar cut at its CSRF hole (the menu follows the user's role and company role,
    which the caller's key names)."""
    html = current_app.jinja_env.get_template("_header.html").render(
        menu=navigation() if who else [], endpoint=endpoint, who=who, unread=unread,
        csrf_token=CSRF_HOLE)
    return tuple(html.split(CSRF_HOLE))


def fixed_link(endpoint: str, **values: str) -> str:
    """The address of a page or static file whose URL never changes while the app runs
    (the menu, the layout's stylesheet, scripts and account links), built once per app and
    mount point: url_for per link was a twentieth of a cached page (#27)."""
    root = request.script_root
    links = current_app.extensions.setdefault("navigation_links", {})
    key = (endpoint, root, *sorted(values.items()))
    if key not in links:
        links[key] = url_for(endpoint, **values)
    return links[key]


def register(app: Flask) -> None:
    app.add_template_filter(country_name, "country_name")
    app.add_template_filter(datetime_format, "dt")
    app.add_template_filter(local_date, "day")  # the viewer's calendar day of a moment
    app.add_template_filter(sentence, "sentence")
    app.add_template_filter(plan_terms, "terms")
    app.add_template_filter(term_end_words, "term_end")
    app.add_template_filter(tier_words, "tier")
    app.add_template_filter(words.frequency_words, "cycle_label")
    app.add_template_filter(words.charged_words, "charged")
    # Price words (catalog/price_words.py): "per license per month · excl. tax" and parts.
    app.add_template_filter(words.term_words, "term_words")
    app.add_template_filter(words.counted, "counted")  # "1 license", "5 licenses"
    app.add_template_filter(words.unit_words, "per_unit")
    app.add_template_filter(words.period_words, "per_period")
    app.add_template_filter(words.tax_words, "tax_words")
    app.add_template_filter(words.price_words, "price_words")
    app.add_template_filter(site_percent, "percent")  # "12.345 %": every decimal
    app.add_template_filter(customer_money, "money")
    app.add_template_filter(site_money, "site_money")
    app.add_template_filter(amount_field, "amount_field")
    app.add_template_global(navigation, "navigation")
    app.add_template_global(fixed_link, "fixed_link")
    app.add_template_global(page_header, "page_header")
    app.extensions[HEADERS] = ListingCache(MAX_HEADERS)
    app.add_template_global(lambda: app.config["PROVIDER_NAME"], "provider_name")
    app.add_template_global(words, "price_words")  # e.g. an Azure plan's price in words
