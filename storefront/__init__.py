"""The csp-storefront Flask application: delivery only. The domain lives in the packages
beside it (accounts, catalog, checkout, orders, provisioning, …); see the README's
architecture section."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from jinja2.bccache import Bucket, BytecodeCache
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config.settings import INSTANCE_DIR, BaseConfig, config_from_env, validate
from connectors.http_retry import clear_deadline, set_deadline
from persistence import MAX_ID, db
from persistence.files import create_private
from storefront.extensions import csrf, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


class _CompiledTemplates(BytecodeCache):
    """Compiled templates shared by every app this process builds: a second app (each test
    builds one; gunicorn's preload could too) loads them instead of compiling them again.
    Jinja keys each by the template's source checksum, so an edited template recompiles."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


def create_app(config: type[BaseConfig] | dict | None = None) -> Flask:
    """Build the app from a settings class (default: STOREFRONT_ENV) plus optional overrides."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR.resolve()))
    app.jinja_options = {**app.jinja_options, "bytecode_cache": COMPILED_TEMPLATES}
    app.url_map.converters["int"] = RowId  # before any route is added
    _load_config(app, config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    create_private(app.config.get(name) or "" for name in PRIVATE_DATABASES)
    trust_proxies(app)
    bound_outbound_waits(app)
    register_extensions(app)
    # After the extensions: bodies' and CSRF's checks run before any user is looked up.
    register_observability(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_celery(app)
    return app


class RowId(IntegerConverter):
    """Every <int:…> in our URLs is a row id: one beyond the database's integer cannot
    exist, so the route does not match (404) instead of the query failing on PostgreSQL."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


# Settings naming SQLite files that must be created 0600 (persistence/files.py).
PRIVATE_DATABASES = ("SQLALCHEMY_DATABASE_URI", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


def bound_outbound_waits(app: Flask) -> None:
    """Every request's calls to Partner Center and Graph wait for retries and export polls
    only while REQUEST_DEADLINE_SECONDS last (connectors/http_retry.py), under gunicorn's
    30 s worker timeout (deploy/gunicorn.conf.py): a throttled or slow Microsoft makes the
    page say "try again" instead of the worker being killed mid-answer. Workers (Celery)
    set no deadline and wait as their policy allows."""
    seconds = float(app.config.get("REQUEST_DEADLINE_SECONDS") or 0) or None
    inner = app.wsgi_app

    def with_deadline(environ, start_response):
        token = set_deadline(seconds)
        try:
            return inner(environ, start_response)
        finally:
            clear_deadline(token)

    app.wsgi_app = with_deadline


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXY_COUNT reverse proxies (deploy/nginx), take the client's address
    and scheme from their X-Forwarded-For/-Proto: the sign-in throttle, the MCA record and
    the key-access log need the client's address, not the proxy's."""
    hops = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_observability(app: Flask) -> None:
    from storefront.observability import register

    register(app)


def register_celery(app: Flask) -> None:
    from storefront.tasks import init_celery

    init_celery(app)


def _load_config(app: Flask, config: type[BaseConfig] | dict | None) -> None:
    overrides = config if isinstance(config, dict) else {}
    settings = config if isinstance(config, type) else config_from_env()
    app.config.from_object(settings)
    app.config.update(overrides)
    validate(app.config)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    from flask_login import user_logged_in

    from storefront.account import open_server_session
    from storefront.auth import load_user

    login_manager.user_loader(load_user)
    # Each sign-in opens a server-side session whose token the cookies carry (accounts/
    # sessions.py), so sign-out and deactivation can end a copied cookie too.
    user_logged_in.connect(open_server_session, app)
    from storefront import bodies

    bodies.init_app(app)  # first: who must sign in is answered before CSRF reads the body
    csrf.init_app(app)
    from storefront import csrf_tokens

    csrf_tokens.init_app(app)  # after CSRFProtect's: replaces its template global
    import_models()
    from catalog.version import track_writes  # after the models, which it names
    from storefront import listing_cache

    track_writes(db.session)
    listing_cache.init_app(app)
    from billing import ospa

    ospa.register(app)  # O6: enrollments issue their invoices as billing invoices


def import_models() -> None:
    """Import every package's models so metadata (and migrations) see all tables."""
    import accounts.audit  # noqa: F401
    import accounts.links  # noqa: F401
    import accounts.mfa  # noqa: F401
    import accounts.models  # noqa: F401
    import accounts.sign_up  # noqa: F401
    import accounts.throttle  # noqa: F401
    import agreements.mca  # noqa: F401
    import billing.models  # noqa: F401
    import billing.reconciliation_models  # noqa: F401
    import catalog.models  # noqa: F401
    import commitments.records.models  # noqa: F401
    import notifications.models  # noqa: F401
    import operations.models  # noqa: F401
    import orders.models  # noqa: F401
    import relationships.models  # noqa: F401
    import subscriptions.models  # noqa: F401
    import subscriptions.support_models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from storefront.account import bp as account_bp
    from storefront.admin import bp as admin_bp
    from storefront.api import bp as api_bp
    from storefront.api.pages import bp as api_tokens_bp
    from storefront.auth import bp as auth_bp
    from storefront.catalog_admin import bp as catalog_admin_bp
    from storefront.checkout_views import bp as checkout_bp
    from storefront.customers import bp as customers_bp
    from storefront.enrollments import (
        actions,  # noqa: F401 -- registers the POST routes on bp
        assist_actions,  # noqa: F401 -- O6-O9: the partner's assistance routes
        usage_views,  # noqa: F401 -- O5, O8: usage export, subscription pages, notifications
    )
    from storefront.enrollments.views import bp as enrollments_bp
    from storefront.gdap_admin import bp as gdap_admin_bp
    from storefront.main import bp as main_bp
    from storefront.notification_views import bp as notifications_bp
    from storefront.orders_admin import bp as orders_admin_bp
    from storefront.reconciliation_views import bp as reconciliation_bp
    from storefront.shop import bp as shop_bp
    from storefront.subscription_views import bp as subscriptions_bp
    from storefront.tenant_views import bp as tenants_bp

    for blueprint in (main_bp, auth_bp, admin_bp, customers_bp, catalog_admin_bp, shop_bp,
                      checkout_bp, enrollments_bp, notifications_bp, orders_admin_bp, api_bp,
                      api_tokens_bp, subscriptions_bp, tenants_bp, gdap_admin_bp, account_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(reconciliation_bp)  # B6: /admin/billing/reconciliation
    from storefront.billing_admin import bp as billing_admin_bp

    app.register_blueprint(billing_admin_bp)  # B4/B5: /admin/billing (runs, tax rates)
    from storefront.billing_views import bp as billing_bp

    app.register_blueprint(billing_bp)  # B4: /invoices (page, PDF, CSV, re-invoice)
    from storefront.order_status import bp as order_status_bp

    app.register_blueprint(order_status_bp)  # the order pages' live status (JSON)
    from storefront.renewal_views import bp as renewals_bp

    app.register_blueprint(renewals_bp)  # R1/R2/R5: next-term changes, suspend, calendar
    from storefront.operations_views import bp as operations_bp

    app.register_blueprint(operations_bp)  # /readyz, /metrics, /admin/system
    from storefront.catalog_jobs import bp as catalog_jobs_bp

    app.register_blueprint(catalog_jobs_bp)  # price-list upload and sync as jobs
    from storefront.mfa_views import bp as mfa_bp
    from storefront.recovery import bp as recovery_bp
    from storefront.team import bp as team_bp

    # #21: users pages, invitations, audit log; two-factor sign-in; password reset
    for blueprint in (team_bp, mfa_bp, recovery_bp):
        app.register_blueprint(blueprint)
    from storefront.entitlement_views import bp as entitlements_bp

    app.register_blueprint(entitlements_bp)  # S7: entitlements and the keys admins record
    from storefront.support_views import bp as support_bp

    app.register_blueprint(support_bp)  # S3/S5/S6: cancellation by support request
    if app.config.get("PARTNER_CENTER_MODE") == "sandbox":
        from storefront.sandbox_demo import bp as sandbox_demo_bp

        app.register_blueprint(sandbox_demo_bp)
    csrf.exempt(api_bp)  # bearer tokens, not cookies: no cross-site request can carry one
    # Entra posts the sign-in answer cross-site; its single-use state is the check (K11).
    csrf.exempt("storefront.tenant_views.signed_in")


def register_errorhandlers(app: Flask) -> None:
    from storefront import headers
    from storefront.errors import register

    register(app)
    headers.register(app)


def register_template_helpers(app: Flask) -> None:
    from storefront import confirmation
    from storefront.templating import register

    register(app)
    confirmation.register(app)  # the destructive actions' consequences, for data-confirm


def register_commands(app: Flask) -> None:
    from storefront.cli import register
    from storefront.reconciliation_views import register_cli

    register(app)
    register_cli(app)  # after the others: joins their `flask billing` group if there is one
