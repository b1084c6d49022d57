"""Every route × every role × own vs. someone else's object → the expected status.

The matrix is checked against app.url_map, so a route added without an entry here fails.
"""

from __future__ import annotations

import copy
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accounts import api_tokens as tokens
from accounts import links, sessions
from accounts.models import CompanyRole, UserSession
from accounts.services import new_user
from catalog import country_lists
from catalog.models import CountryListEntry
from commitments.records.services import create_enrollment
from config.settings import TestingConfig
from notifications import notify
from notifications.models import Notification
from persistence import db, utcnow
from storefront import create_app
from subscriptions.models import Subscription
from tests.api.factories import make_subscription
from tests.billing.factories import make_invoice
from tests.conftest import PASSWORD, World, build_world, csrf_token, login
from tests.enrollments.conftest import mainland_enterprise

GUEST, ADMIN, RESELLER, CUSTOMER = "guest", "admin", "reseller", "customer"
ROLES = (GUEST, ADMIN, RESELLER, CUSTOMER)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def only(role: str, ok: int = 200) -> dict[str, int]:
    """A page for one role: guests are sent to sign in, other roles get 403."""
    # In ROLES order, not a set's: pytest-xdist workers must collect the same test ids.
    return {GUEST: 302, **{r: 403 for r in ROLES if r != GUEST}, role: ok}


# The API ignores the browser session: without a bearer token every role gets 401.
API_OPERATIONS = ("list_offers", "list_customers", "create_customer", "get_customer",
                  "update_customer", "list_mca", "record_mca", "validate_checkout",
                  "create_order", "list_orders", "get_order", "list_subscriptions",
                  "get_subscription", "update_subscription", "cancel_subscription",
                  "list_invoices", "get_invoice", "schedule_next_term",
                  "withdraw_next_term", "list_azure_subscriptions")
API_OBJECT_OPERATIONS = ("get_customer", "update_customer", "list_mca", "record_mca",
                         "list_azure_subscriptions",
                         "get_order", "get_subscription", "update_subscription",
                         "cancel_subscription", "get_invoice", "schedule_next_term",
                         "withdraw_next_term")

# O6/O8 (commitments.assists): the partner (reseller A, of the owned enrollment) assists with
# these; for the direct enrollment the provider is the partner, so its customer may not.
PARTNER_ACTIONS = ("sign", "transition", "order", "settlement", "account", "subscription",
                   "invoice_paid", "add_department", "add_administrator",
                   "convert_subscription", "renew")
PROVIDER_ACTIONS = ("credit_check", "usage")  # the credit decision and metering stay with it
ENROLLMENT_ACTIONS = (*PARTNER_ACTIONS, *PROVIDER_ACTIONS, "add_co_admin", "confirm_ownership",
                      "request_reactivation")

# Status for a GET (POST for POST-only routes) by each role, on the caller's own object.
EXPECT: dict[str, dict[str, int]] = {
    "main.home": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 302},
    "main.healthz": everyone(200),
    # Readiness is public like liveness; /metrics answers loopback clients (the test
    # client is 127.0.0.1) when no METRICS_TOKEN is set; the status page is the admins'.
    "operations.readyz": everyone(200),
    "operations.metrics_page": everyone(200),
    "operations.system": only(ADMIN),
    "auth.login": {GUEST: 200, ADMIN: 302, RESELLER: 302, CUSTOMER: 302},
    "auth.signup": {GUEST: 200, ADMIN: 302, RESELLER: 302, CUSTOMER: 302},
    "auth.signup_sent": {GUEST: 200, ADMIN: 302, RESELLER: 302, CUSTOMER: 302},
    # The emailed sign-up link: without a live ?token= there is nothing to confirm.
    "auth.signup_confirm": {GUEST: 404, ADMIN: 302, RESELLER: 302, CUSTOMER: 302},
    "auth.logout": everyone(302),
    "account.profile": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    # An empty form: the current and new passwords are missing.
    "account.change_password": {GUEST: 302, ADMIN: 422, RESELLER: 422, CUSTOMER: 422},
    # An empty form: no time zone chosen (not even the storefront's).
    "account.time_zone": {GUEST: 302, ADMIN: 422, RESELLER: 422, CUSTOMER: 422},
    # The caller's own session: ending it asks first (a destructive post without confirm=yes
    # gets the confirmation page, 422; confirmation.py), as does signing out everywhere.
    "account.revoke_session": {GUEST: 302, ADMIN: 422, RESELLER: 422, CUSTOMER: 422},
    "account.sign_out_everywhere": {GUEST: 302, ADMIN: 422, RESELLER: 422, CUSTOMER: 422},
    "admin.resellers": only(ADMIN),
    "admin.reseller_new": only(ADMIN),
    "admin.reseller_edit": only(ADMIN),
    "admin.reseller_user_new": only(ADMIN),
    "admin.reseller_standing": only(ADMIN, ok=302),  # asks Partner Center (K9)
    "admin.customers": only(ADMIN),
    "admin.customer_edit": only(ADMIN),
    "admin.mca_ledger": only(ADMIN),
    "admin.country_lists_page": only(ADMIN),
    "admin.country_list_remove": only(ADMIN, ok=422),  # unconfirmed: the confirmation page
    "admin.partner_center_import": only(ADMIN),
    "customers.index": only(RESELLER),
    "customers.new": only(RESELLER),
    "customers.show": only(RESELLER),
    "customers.edit": only(RESELLER),
    "customers.company": only(CUSTOMER),
    "tenants.show": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 403},
    "tenants.company": only(CUSTOMER),
    "tenants.check": {GUEST: 302, ADMIN: 302, RESELLER: 302, CUSTOMER: 403},
    "tenants.approve": only(ADMIN, ok=302),
    "tenants.withdraw": only(ADMIN, ok=302),
    "tenants.request_gdap": {GUEST: 302, ADMIN: 302, RESELLER: 302, CUSTOMER: 403},
    "tenants.company_gdap": only(CUSTOMER, ok=302),
    "tenants.sign_in": only(CUSTOMER, ok=302),
    # Entra's cross-site answer: no session needed; an unknown state goes back to the page.
    "tenants.signed_in": everyone(302),
    "gdap_admin.index": only(ADMIN),
    # Sandbox-only demo buttons: nothing to accept or approve for the world's customers.
    "sandbox_demo.accept_invitation": {GUEST: 302, ADMIN: 302, RESELLER: 302, CUSTOMER: 302},
    "sandbox_demo.approve_gdap": {GUEST: 302, ADMIN: 302, RESELLER: 302, CUSTOMER: 302},
    "catalog_admin.index": only(ADMIN),
    "catalog_admin.product": only(ADMIN),
    "catalog_admin.toggle": only(ADMIN, ok=422),  # stop selling, unconfirmed: it asks
    "catalog_admin.price": only(ADMIN),  # a price change is previewed first (200)
    "catalog_admin.settings": only(ADMIN),
    "catalog_admin.markups": only(ADMIN),
    # The world's reseller has no markup to remove: the page says so (302, nothing done).
    "catalog_admin.remove_markup": only(ADMIN, ok=302),
    # No product ticked: the list again, saying so, with what was sent kept (422).
    "catalog_admin.bulk_prices": only(ADMIN, ok=422),
    # Price-list upload and Partner Center sync as jobs: the provider's alone. An upload
    # without a file is refused (422); a sync of the default market is queued (302).
    "catalog_jobs.index": only(ADMIN),
    "catalog_jobs.upload": only(ADMIN, ok=422),
    "catalog_jobs.sync": only(ADMIN, ok=302),
    **{f"catalog_jobs.{name}": only(ADMIN) for name in ("show", "status", "errors")},
    "shop.index": {GUEST: 302, ADMIN: 403, RESELLER: 200, CUSTOMER: 200},
    "checkout.cart": {GUEST: 302, ADMIN: 403, RESELLER: 200, CUSTOMER: 200},
    "checkout.add": {GUEST: 302, ADMIN: 403, RESELLER: 302, CUSTOMER: 302},
    "checkout.update_line": {GUEST: 302, ADMIN: 403, RESELLER: 302, CUSTOMER: 302},
    "checkout.coterm": {GUEST: 302, ADMIN: 403, RESELLER: 302, CUSTOMER: 302},
    "checkout.reservation": {GUEST: 302, ADMIN: 403, RESELLER: 302, CUSTOMER: 302},
    "checkout.accept_mca": {GUEST: 302, ADMIN: 403, RESELLER: 422, CUSTOMER: 422},
    "checkout.check": {GUEST: 302, ADMIN: 403, RESELLER: 422, CUSTOMER: 422},
    "checkout.place": {GUEST: 302, ADMIN: 403, RESELLER: 422, CUSTOMER: 422},
    "checkout.orders": {GUEST: 302, ADMIN: 403, RESELLER: 200, CUSTOMER: 200},
    # The object is reseller A's order: its customer's user would get 404, not 200.
    "checkout.order": {GUEST: 302, ADMIN: 403, RESELLER: 200, CUSTOMER: 404},
    # The order pages' live status: scoped like them; the list's poll needs ?ids= (400).
    "order_status.order": {GUEST: 302, ADMIN: 403, RESELLER: 200, CUSTOMER: 404},
    "order_status.orders": {GUEST: 302, ADMIN: 403, RESELLER: 400, CUSTOMER: 400},
    "notifications.index": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    "notifications.mark_read": everyone(302),
    "notifications.mark_all_read": everyone(302),
    "notifications.outbox": only(ADMIN),
    "admin.user_admin_agent": only(ADMIN, ok=302),
    # Without active=on or active=off the post is malformed.
    "admin.user_active": {GUEST: 302, ADMIN: 400, RESELLER: 403, CUSTOMER: 403},
    # A direct customer's deactivation: without active=on or active=off, malformed.
    "admin.customer_active": {GUEST: 302, ADMIN: 400, RESELLER: 403, CUSTOMER: 403},
    # The matrix's users have no second factor to reset.
    "admin.user_mfa_reset": only(ADMIN, ok=404),
    "subscriptions.index": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    "subscriptions.show": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    "subscriptions.find": {GUEST: 302, ADMIN: 302, RESELLER: 302, CUSTOMER: 302},
    "main.check_standing": {GUEST: 302, ADMIN: 403, RESELLER: 302, CUSTOMER: 403},
    # Form posts without their field are malformed (400) for whoever may see the subscription.
    "subscriptions.autorenew": {GUEST: 302, ADMIN: 400, RESELLER: 400, CUSTOMER: 400},
    "subscriptions.quantity": {GUEST: 302, ADMIN: 400, RESELLER: 400, CUSTOMER: 400},
    "subscriptions.licenses": {GUEST: 302, ADMIN: 403, RESELLER: 400, CUSTOMER: 400},
    # S4/S7: none of the matrix users holds the admin-agent permission.
    "subscriptions.cancel": {GUEST: 302, ADMIN: 403, RESELLER: 403, CUSTOMER: 403},
    "subscriptions.reveal": {GUEST: 302, ADMIN: 403, RESELLER: 403, CUSTOMER: 403},
    # S7: the GET asks (logs nothing); only its form's POST downloads and logs.
    "subscriptions.download": {GUEST: 302, ADMIN: 403, RESELLER: 403, CUSTOMER: 403},
    "subscriptions.key_log": only(ADMIN),
    # S3/S5/S6 support requests: the form is the buyers' and only where online cancellation
    # is refused (the matrix's fresh subscription can still be cancelled: sent back to it);
    # the list and a request's page for everyone scoped; the steps are the admins' (an
    # empty step is refused, 422).
    "support.new": {GUEST: 302, ADMIN: 403, RESELLER: 302, CUSTOMER: 302},
    "support.index": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    "support.show": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    "support.move": {GUEST: 302, ADMIN: 422, RESELLER: 403, CUSTOMER: 403},
    # S7: entitlements and the keys admins record; empty posts name no customer (400) or
    # carry no CSV file (422).
    "entitlements.index": only(ADMIN),
    "entitlements.show": only(ADMIN),
    "entitlements.sync": only(ADMIN, 400),
    "entitlements.import_csv": only(ADMIN, 422),
    # #21: the matrix's reseller and customer users are their companies' admins
    # (company_admins below). The admin's page needs ?reseller= or ?customer= (without, the
    # page leads to the resellers and a post answers 404); empty posts lack their fields
    # (422, or 400 for a role or active switch).
    "team.index": {GUEST: 302, ADMIN: 302, RESELLER: 200, CUSTOMER: 200},
    "team.invite": {GUEST: 302, ADMIN: 404, RESELLER: 422, CUSTOMER: 422},
    "team.member_role": {GUEST: 302, ADMIN: 400, RESELLER: 400, CUSTOMER: 400},
    "team.member_active": {GUEST: 302, ADMIN: 400, RESELLER: 400, CUSTOMER: 400},
    "team.revoke_invitation": {GUEST: 302, ADMIN: 422, RESELLER: 422, CUSTOMER: 422},  # asks
    "team.audit_log": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    # The emailed links: without a live ?token= there is nothing to accept.
    "team.join": {GUEST: 404, ADMIN: 302, RESELLER: 302, CUSTOMER: 302},
    "recovery.reset": everyone(404),
    "account.confirm_email": everyone(404),
    "recovery.forgot": {GUEST: 200, ADMIN: 302, RESELLER: 302, CUSTOMER: 302},
    "account.details": {GUEST: 302, ADMIN: 422, RESELLER: 422, CUSTOMER: 422},
    "account.change_email": {GUEST: 302, ADMIN: 422, RESELLER: 422, CUSTOMER: 422},
    # No password was just typed: the code step sends back to sign in. Nobody has enrolled.
    "mfa.verify": everyone(302),
    "mfa.enrol": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    "mfa.recovery_codes": {GUEST: 302, ADMIN: 404, RESELLER: 404, CUSTOMER: 404},
    "mfa.disable": {GUEST: 302, ADMIN: 404, RESELLER: 404, CUSTOMER: 404},
    "mfa.replace": {GUEST: 302, ADMIN: 404, RESELLER: 404, CUSTOMER: 404},
    # R1: buyers plan their own renewals; a post without its fields is refused (422) by
    # the rule naming the field. R5: only provider admins suspend (asked to confirm first)
    # and resume (refused: not suspended). R2: the calendar is scoped like the list.
    "renewals.schedule": {GUEST: 302, ADMIN: 403, RESELLER: 422, CUSTOMER: 422},
    "renewals.withdraw": {GUEST: 302, ADMIN: 403, RESELLER: 422, CUSTOMER: 422},
    "renewals.suspend": {GUEST: 302, ADMIN: 422, RESELLER: 403, CUSTOMER: 403},
    "renewals.resume": {GUEST: 302, ADMIN: 422, RESELLER: 403, CUSTOMER: 403},
    "renewals.calendar": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    "renewals.settings": {GUEST: 302, ADMIN: 422, RESELLER: 403, CUSTOMER: 403},
    # R4: a buyer's own subscription not in Partner Center lists no upgrade (200).
    "renewals.upgrade": {GUEST: 302, ADMIN: 403, RESELLER: 200, CUSTOMER: 200},
    # Sandbox only: the admin moves the sandbox's clock past a term's end and syncs.
    "sandbox_demo.renew": only(ADMIN, ok=302),
    "enrollments.index": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    "enrollments.new": only(ADMIN),
    "enrollments.show": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    # #24 usage (O5): the export and the notification choice for whoever sees the enrollment
    # (the empty post names no frequency: 422); the owned enrollment has no subscription of
    # that id, so its page is 404 (tests/enrollments/test_ospa_usage_pages.py shows it).
    "enrollments.usage_csv": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200},
    "enrollments.usage_frequency": {GUEST: 302, ADMIN: 422, RESELLER: 422, CUSTOMER: 422},
    "enrollments.subscription_show": {GUEST: 302, ADMIN: 404, RESELLER: 404, CUSTOMER: 404},
    # The admin's empty form submission is refused with 422; everyone else never gets that far.
    **{f"enrollments.{name}": only(ADMIN, 422) for name in PROVIDER_ACTIONS},
    # Empty posts are refused (422): a form without its fields, or renewing a draft
    # (O9.not_renewable) and asking to reactivate a running one (O8.nothing_to_reactivate).
    **{f"enrollments.{name}": {GUEST: 302, ADMIN: 422, RESELLER: 422, CUSTOMER: 403}
       for name in PARTNER_ACTIONS},
    # Account Owners (the customer) add co-admins and confirm ownership; only the partner
    # requests a reactivation, which only the provider completes.
    "enrollments.add_co_admin": {GUEST: 302, ADMIN: 422, RESELLER: 422, CUSTOMER: 422},
    "enrollments.confirm_ownership": {GUEST: 302, ADMIN: 403, RESELLER: 403, CUSTOMER: 422},
    "enrollments.request_reactivation": {GUEST: 302, ADMIN: 403, RESELLER: 422,
                                         CUSTOMER: 403},
    # #24 the partner's terms (O6): its price list (the reseller's own, the admin's own and,
    # read-only, any reseller's); payment terms and VAT invoices for whoever acts for the
    # enrollment's partner (empty posts: 422); the direct enrollment's partner is the provider.
    "enrollments.prices": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 403},
    **{f"enrollments.{name}": {GUEST: 302, ADMIN: 422, RESELLER: 422, CUSTOMER: 403}
       for name in ("payment_terms", "vat_invoice")},
    "orders_admin.index": only(ADMIN),
    "orders_admin.show": only(ADMIN),
    "orders_admin.retry": only(ADMIN, ok=302),
    "orders_admin.close": only(ADMIN, ok=422),  # unconfirmed: it asks first
    # B6: reconciliation with Microsoft is the provider's alone.
    "reconciliation.index": only(ADMIN),
    "reconciliation.show": only(ADMIN),
    "reconciliation.status": only(ADMIN),
    "reconciliation.export_csv": only(ADMIN),
    # B4/B5: billing runs and tax rates are the provider's; a run without a month is 422.
    "billing_admin.index": only(ADMIN),
    "billing_admin.run": only(ADMIN, 422),
    "billing_admin.tax_rates": only(ADMIN),
    # B4 documents: each role's own invoice (a reseller's for the admin); re-invoicing at
    # retail prices is for a reseller's invoice, so a direct customer's has none (404).
    **{f"billing.{name}": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 200}
       for name in ("invoices", "invoice", "invoice_pdf", "invoice_csv")},
    "billing.reinvoice": {GUEST: 302, ADMIN: 200, RESELLER: 200, CUSTOMER: 404},
    # Recording a payment is the provider admins' alone (an empty form: 422).
    "billing.payment": only(ADMIN, 422),
    "api_tokens.index": {GUEST: 302, ADMIN: 403, RESELLER: 200, CUSTOMER: 200},
    "api_tokens.revoke": {GUEST: 302, ADMIN: 403, RESELLER: 422, CUSTOMER: 422},  # asks
    "api.openapi_json": everyone(200),
    "api.docs": everyone(200),
    **{f"api.{name}": everyone(401) for name in API_OPERATIONS},
}

# The same routes aimed at an object that is not the caller's (or does not exist).
OTHERS: dict[str, dict[str, int]] = {
    "admin.reseller_edit": {ADMIN: 404},
    "admin.reseller_user_new": {ADMIN: 404},
    "admin.reseller_standing": {ADMIN: 404},
    "admin.customer_edit": {ADMIN: 404},
    "admin.customer_active": {ADMIN: 404},
    "admin.country_list_remove": {ADMIN: 404},
    "catalog_admin.product": {ADMIN: 404},
    "catalog_admin.toggle": {ADMIN: 404},
    "catalog_admin.price": {ADMIN: 404},
    "catalog_admin.markups": {ADMIN: 404},
    "catalog_admin.remove_markup": {ADMIN: 404},
    "entitlements.show": {ADMIN: 404},
    "support.new": {RESELLER: 404, CUSTOMER: 404},
    "support.show": {ADMIN: 404, RESELLER: 404, CUSTOMER: 404},
    "support.move": {ADMIN: 404},
    **{f"catalog_jobs.{name}": {ADMIN: 404} for name in ("show", "status", "errors")},
    # A customer user always acts on its own company, whatever id is in the URL.
    "checkout.update_line": {RESELLER: 404, CUSTOMER: 302},
    "checkout.coterm": {RESELLER: 404, CUSTOMER: 302},
    "checkout.reservation": {RESELLER: 404, CUSTOMER: 302},
    "checkout.accept_mca": {RESELLER: 404, CUSTOMER: 422},
    "checkout.check": {RESELLER: 404, CUSTOMER: 422},
    "checkout.place": {RESELLER: 404, CUSTOMER: 422},
    "checkout.order": {RESELLER: 404, CUSTOMER: 404},
    "order_status.order": {RESELLER: 404, CUSTOMER: 404},
    "customers.show": {RESELLER: 404, CUSTOMER: 403, ADMIN: 403},
    "customers.edit": {RESELLER: 404, CUSTOMER: 403, ADMIN: 403},
    # The admin sees every customer's tenant page; a reseller only its own customers'.
    "tenants.show": {RESELLER: 404, CUSTOMER: 403, ADMIN: 200},
    "tenants.check": {RESELLER: 404, ADMIN: 302},
    "tenants.approve": {RESELLER: 403, ADMIN: 302},
    "tenants.withdraw": {RESELLER: 403, ADMIN: 302},
    "tenants.request_gdap": {RESELLER: 404, ADMIN: 302},
    "sandbox_demo.accept_invitation": {RESELLER: 404, ADMIN: 302, CUSTOMER: 302},
    "sandbox_demo.approve_gdap": {RESELLER: 404, ADMIN: 302, CUSTOMER: 302},
    "notifications.mark_read": {ADMIN: 404, RESELLER: 404, CUSTOMER: 404},
    "admin.user_admin_agent": {ADMIN: 404},
    "admin.user_active": {ADMIN: 404},
    "admin.user_mfa_reset": {ADMIN: 404},
    # Someone else's session (or none) is not the caller's to end.
    "account.revoke_session": {ADMIN: 404, RESELLER: 404, CUSTOMER: 404},
    **{f"subscriptions.{name}": {ADMIN: 404, RESELLER: 404, CUSTOMER: 404}
       for name in ("show", "autorenew", "quantity", "cancel", "reveal", "download")},
    "subscriptions.licenses": {RESELLER: 404, CUSTOMER: 404},
    "renewals.schedule": {RESELLER: 404, CUSTOMER: 404},
    "renewals.withdraw": {RESELLER: 404, CUSTOMER: 404},
    "renewals.suspend": {ADMIN: 404},
    "renewals.resume": {ADMIN: 404},
    "renewals.upgrade": {RESELLER: 404, CUSTOMER: 404},
    "sandbox_demo.renew": {ADMIN: 404},
    "enrollments.show": {ADMIN: 404, RESELLER: 404, CUSTOMER: 404},
    **{f"enrollments.{name}": {ADMIN: 404, RESELLER: 404, CUSTOMER: 404}
       for name in ("usage_csv", "usage_frequency", "subscription_show")},
    **{f"enrollments.{name}": {ADMIN: 404, RESELLER: 404, CUSTOMER: 404}
       for name in ENROLLMENT_ACTIONS},
    **{f"enrollments.{name}": {ADMIN: 404, RESELLER: 404, CUSTOMER: 404}
       for name in ("payment_terms", "vat_invoice")},
    "orders_admin.show": {ADMIN: 404},
    "orders_admin.retry": {ADMIN: 404},
    "orders_admin.close": {ADMIN: 404},
    "reconciliation.show": {ADMIN: 404},
    "reconciliation.status": {ADMIN: 404},
    "reconciliation.export_csv": {ADMIN: 404},
    # Reseller B's invoice; for the admin, who sees all, one that does not exist.
    **{f"billing.{name}": {ADMIN: 404, RESELLER: 404, CUSTOMER: 404}
       for name in ("invoice", "invoice_pdf", "invoice_csv", "reinvoice")},
    "billing.payment": {ADMIN: 404, RESELLER: 403, CUSTOMER: 403},
    "api_tokens.revoke": {RESELLER: 404, CUSTOMER: 404},
    # Reseller B's user: the provider's admin manages it (the empty post is malformed); a
    # company admin of reseller A or of the direct customer does not even see it.
    "team.member_role": {ADMIN: 400, RESELLER: 404, CUSTOMER: 404},
    "team.member_active": {ADMIN: 400, RESELLER: 404, CUSTOMER: 404},
    # Reseller B's open invitation: the provider's admin may revoke it (asked to confirm).
    "team.revoke_invitation": {ADMIN: 422, RESELLER: 404, CUSTOMER: 404},
    **{f"api.{name}": everyone(401) for name in API_OBJECT_OPERATIONS},
}


# The world and owned objects every case starts from, built once per test process: its
# database file and where each object is. Building them was three quarters of a case's
# time (~0.3 s, ~1,000 cases); a case now starts from a copy of the file.
_BUILT: dict = {}


@pytest.fixture
def world(app, tmp_path_factory) -> World:
    """conftest's world with add_owned_objects' rows, on a copy of the first case's file."""
    database = Path(db.engine.url.database)
    if not _BUILT:
        _BUILT.update(_build(database, tmp_path_factory.mktemp("matrix") / "world.sqlite"))
    else:
        _let_go()
        shutil.copyfile(_BUILT["file"], database)
    restored = World(**{name: db.session.get(model, row_id)
                        for name, (model, row_id) in _BUILT["rows"].items()})
    for name, value in _BUILT["ids"].items():
        setattr(restored, name, copy.deepcopy(value))
    return restored


def _build(database: Path, kept: Path) -> dict:
    """Build the world into this case's file, keep a copy, and say where each object is."""
    built = build_world()
    add_owned_objects(built)
    rows = {name: (type(value), value.id) for name, value in vars(built).items()
            if isinstance(value, db.Model)}
    ids = {name: value for name, value in vars(built).items() if name not in rows}
    _let_go()
    return {"file": shutil.copyfile(database, kept), "rows": rows, "ids": ids}


def _let_go() -> None:
    """No session or connection left on the file while it is copied either way."""
    db.session.remove()
    db.engine.dispose()


@pytest.fixture(autouse=True)
def owned_objects(world):
    """The rows url_args names, for a module that imports this fixture with url_args (its
    world is conftest's); this module's world has them already."""
    if not hasattr(world, "owned"):
        add_owned_objects(world)


def add_owned_objects(world) -> None:
    """An enrollment and a notification each role owns, and some that belong to others."""
    mine = {ADMIN: world.admin, RESELLER: world.reseller_a_user, CUSTOMER: world.direct_user}
    enrollments = {c: create_enrollment(mainland_enterprise(c), date(2025, 4, 1)).id
                   for c in (world.customer_a, world.customer_b, world.direct)}
    for user in (*mine.values(), world.reseller_b_user):
        notify([user], "Hello", "x")
    db.session.commit()
    notes = {n.user_id: n.id for n in db.session.scalars(db.select(Notification))}
    api_tokens = {user.id: tokens.issue(user, "matrix")[0].id
                  for user in (world.reseller_a_user, world.direct_user, world.reseller_b_user)}
    api_tokens[world.admin.id] = api_tokens[world.reseller_a_user.id]  # admins own none
    subs = {c: make_subscription(c, world.price).id
            for c in (world.customer_a, world.customer_b, world.direct)}
    invoices = {world.customer_a: make_invoice(reseller=world.reseller_a,
                                               end_customer=world.customer_a).id,
                world.customer_b: make_invoice(reseller=world.reseller_b,
                                               end_customer=world.customer_b).id,
                world.direct: make_invoice(customer=world.direct).id}
    world.owned = {role: {"enrollment_id": enrollments[world.direct if role == CUSTOMER
                                                      else world.customer_a],
                          "notification_id": notes[user.id], "token_id": api_tokens[user.id],
                          "subscription_id": subs[world.direct if role == CUSTOMER
                                                  else world.customer_a],
                          "invoice_id": invoices[world.direct if role == CUSTOMER
                                                 else world.customer_a]}
                   for role, user in mine.items()}
    world.foreign_session_id = sessions.open_session(
        world.reseller_b_user, remember=False, user_agent="", address="", now=utcnow(),
        lifetimes=sessions.Lifetimes(
            timedelta(days=30), timedelta(hours=12), timedelta(hours=12)))[0].id
    country_lists.ensure_seeded()
    world.country_entry = db.session.scalars(db.select(CountryListEntry.id)).first()
    world.foreign = {"enrollment_id": enrollments[world.customer_b],
                     "notification_id": notes[world.reseller_b_user.id],
                     "token_id": api_tokens[world.reseller_b_user.id],
                     "subscription_id": subs[world.customer_b],
                     "invoice_id": invoices[world.customer_b]}
    company_admins(world)


def company_admins(world) -> None:
    """#21: reseller A's and the direct customer's users administer their companies, each
    with a colleague to manage and an open invitation (the admin manages reseller A's); B's
    user and invitation are foreign."""
    colleagues = {}
    for role, user in ((RESELLER, world.reseller_a_user), (CUSTOMER, world.direct_user)):
        user.company_role = CompanyRole.ADMIN
        colleagues[role] = new_user(f"colleague-{role}@test.example", PASSWORD, user.role,
                                    reseller_id=user.reseller_id,
                                    customer_id=user.customer_id)
        db.session.add(colleagues[role])
    db.session.commit()
    colleagues[ADMIN] = colleagues[RESELLER]
    for role, member in colleagues.items():
        world.owned[role]["member_id"] = member.id
    world.foreign["member_id"] = world.reseller_b_user.id
    invited = {user: links.issue(links.Purpose.INVITATION, f"invited-{user.id}@test.example",
                                 utcnow(), created_by=user, data={
                                     "reseller_id": user.reseller_id,
                                     "customer_id": user.customer_id,
                                     "company_role": "user"})[0]
               for user in (world.reseller_a_user, world.direct_user, world.reseller_b_user)}
    db.session.commit()
    for role, user in ((RESELLER, world.reseller_a_user), (CUSTOMER, world.direct_user),
                       (ADMIN, world.reseller_a_user)):
        world.owned[role]["invitation_id"] = invited[user].id
    world.foreign["invitation_id"] = invited[world.reseller_b_user].id


def user_for(world, role):
    return {ADMIN: world.admin, RESELLER: world.reseller_a_user,
            CUSTOMER: world.direct_user}.get(role)


def latest_session_id(user) -> int:
    """The user's newest sign-in session (the one request_as just opened)."""
    return db.session.scalar(select(func.max(UserSession.id))
                             .where(UserSession.user_id == user.id)) or 999_999


def attention_order_id(world) -> int:
    """An order of customer A waiting for an admin (so the retry and close actions apply)."""
    from tests.provisioning.factories import make_order

    order = make_order(world.reseller_a_user, world.customer_a, mca=False)
    order.record("needs_attention", "Refused by Partner Center.", "Retry it.")
    order.job.state = "attention"  # as the worker leaves it
    db.session.commit()
    return order.id


def reconciliation_run_id() -> int:
    """A finished reconciliation run (B6), to show and export."""
    from billing.reconciliation_models import ReconciliationRun

    run = ReconciliationRun(month="2025-03", state="matched")
    db.session.add(run)
    db.session.commit()
    return run.id


def catalog_job_id() -> int:
    """A finished price-list import with one invalid line, to show and export."""
    from catalog.models import CatalogJob

    job = CatalogJob(kind="import", filename="prices.csv", status="done", error_count=1,
                     errors='[[3, "UnitPrice", "\'x\' is not a number", ""]]')
    db.session.add(job)
    db.session.commit()
    return job.id


def entitlement_id(world) -> int:
    """A software entitlement of customer A's subscription (S7), to show."""
    from tests.subscriptions.recorded_keys import entitlement_of

    sub = db.session.get(Subscription, world.owned[ADMIN]["subscription_id"])
    found = entitlement_of(sub)
    db.session.commit()
    return found.id


def support_request_id(world, role: str, other: bool = False) -> int:
    """A support request (S5) on the role's own subscription, or on customer B's (none
    is foreign to the admin: a missing one)."""
    from decimal import Decimal

    from subscriptions.support_models import SupportRequest

    if other and role == ADMIN:
        return 999_999
    ids = world.foreign if other else world.owned.get(role, world.owned[ADMIN])
    sub = db.session.get(Subscription, ids["subscription_id"])
    filed = SupportRequest(
        subscription=sub, customer_id=sub.customer_id, reseller_id=sub.reseller_id,
        filed_by=world.reseller_b_user if other else user_for(world, role) or world.admin,
        rule="S5", reason="Never used since purchase.", amount=Decimal("10.00"),
        currency="USD", contact_name="Ann", contact_email="ann@test.example",
        contact_phone="+44 20 7946 0000")
    db.session.add(filed)
    db.session.commit()
    return filed.id


def url_args(rule, world, other: bool, role: str = ADMIN) -> dict[str, int]:
    own = {"customer_id": world.customer_a.id, "reseller_id": world.reseller_a.id,
           "product_id": world.price.sku.product_id, "price_id": world.price.id,
           "line_id": 999_999, "order_id": world.order_a.id, "entry_id": world.country_entry,
           "user_id": world.reseller_a_user.id,
           "session_id": latest_session_id(user_for(world, role) or world.admin),
           **world.owned.get(role, world.owned[ADMIN])}
    foreign = {"customer_id": world.customer_b.id, "reseller_id": 999_999,
               "product_id": 999_999, "price_id": 999_999, "line_id": 999_999,
               "order_id": world.order_b.id, "entry_id": 999_999, "user_id": 999_999,
               "session_id": world.foreign_session_id, **world.foreign}
    if rule.endpoint.startswith("orders_admin."):
        own["order_id"] = attention_order_id(world) if not other else 0
        foreign["order_id"] = 999_999
    if rule.endpoint.startswith("reconciliation.") and "run_id" in rule.arguments:
        own["run_id"] = reconciliation_run_id() if not other else 0
        foreign["run_id"] = 999_999
    if "entitlement_id" in rule.arguments:
        own["entitlement_id"] = entitlement_id(world) if not other else 0
        foreign["entitlement_id"] = 999_999
    if "support_request_id" in rule.arguments:
        own["support_request_id"] = support_request_id(world, role) if not other else 0
        foreign["support_request_id"] = support_request_id(world, role, other=True) \
            if other else 0
    if "job_id" in rule.arguments:
        own["job_id"] = catalog_job_id() if not other else 0
        foreign["job_id"] = 999_999
    if other:
        foreign["customer_id"] = 999_999 if rule.endpoint.startswith("admin.") else foreign[
            "customer_id"]
        if role == ADMIN:  # the admin sees every enrollment: only a missing one is foreign
            foreign["enrollment_id"] = foreign["subscription_id"] = 999_999
            foreign["invoice_id"] = 999_999
    return {name: (foreign if other else own)[name] for name in rule.arguments}


def request_as(client, app, world, role, rule, other=False, method=None):
    if role != GUEST:
        assert login(client, user_for(world, role)).status_code == 302
    with app.test_request_context():
        from flask import url_for

        url = url_for(rule.endpoint, **url_args(rule, world, other, role))
    method = method or next(m for m in ("GET", "POST", "PATCH", "PUT", "DELETE")
                            if m in rule.methods)
    data = {"csrf_token": csrf_token(client, "/login" if role == GUEST else "/")} \
        if method != "GET" else None
    return client.open(url, method=method, data=data)


def routes(app):
    return {r.endpoint: r for r in app.url_map.iter_rules() if r.endpoint != "static"}


def test_every_registered_route_has_an_entry_in_the_matrix(app):
    assert set(routes(app)) == set(EXPECT), "add new routes to EXPECT (and OTHERS if scoped)"


def test_every_object_route_is_checked_with_someone_elses_object(app):
    scoped = {e for e, r in routes(app).items() if r.arguments}
    assert scoped == set(OTHERS)


CASES = [(e, role) for e in EXPECT for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_route_answers_each_role_as_expected(app, client, world, endpoint, role):
    rule = routes(app)[endpoint]
    response = request_as(client, app, world, role, rule)
    assert response.status_code == EXPECT[endpoint][role]
    if response.status_code == 302 and role == GUEST and endpoint not in {"auth.logout"}:
        assert response.headers["Location"].startswith(("/login", "/"))


OTHER_CASES = [(e, role) for e, by_role in OTHERS.items() for role in by_role]


@pytest.mark.parametrize(("endpoint", "role"), OTHER_CASES)
def test_someone_elses_object_is_not_reachable(app, client, world, endpoint, role):
    rule = routes(app)[endpoint]
    assert request_as(client, app, world, role, rule, other=True).status_code == \
        OTHERS[endpoint][role]


POST_ROUTES = {r.endpoint for r in create_app(TestingConfig).url_map.iter_rules()
               if "POST" in r.methods and "GET" in r.methods}
DENIED_POSTS = [(e, role) for e, by_role in EXPECT.items() for role, status in by_role.items()
                if status in (403, 404) and e in POST_ROUTES]


@pytest.mark.parametrize(("endpoint", "role"), DENIED_POSTS)
def test_a_refused_page_also_refuses_its_form_submission(app, client, world, endpoint, role):
    rule = routes(app)[endpoint]
    response = request_as(client, app, world, role, rule, method="POST")
    assert response.status_code == EXPECT[endpoint][role]


def test_reseller_lists_only_its_own_customers(client, world):
    login(client, world.reseller_a_user)
    body = client.get("/customers").get_data(as_text=True)
    assert "Alpha GmbH" in body and "Beta GmbH" not in body and "Direct Ltd" not in body


def test_not_found_is_json_for_json_clients(client, world):
    login(client, world.reseller_a_user)
    response = client.get(f"/customers/{world.customer_b.id}",
                          headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404
