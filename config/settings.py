"""Settings classes read from the environment; the one place configuration is decided.

Secrets (SECRET_KEY, Partner Center credentials, SMTP password) come only from the
environment. Outside development and tests a missing SECRET_KEY stops the app at start-up
rather than signing sessions with a guessable key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config.credentials import (
    ledger_keys,
    ledger_legacy_rows,
    live_credentials,
    product_key_cipher,
)
from config.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("STOREFRONT_INSTANCE_DIR") or PROJECT_ROOT / "instance")


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _sqlite_url(filename: str) -> str:
    return f"sqlite:///{(INSTANCE_DIR / filename).resolve()}"


# A published Fernet key (the base64 of its own label) for development and tests only:
# product keys encrypted with it are readable by anyone, which is fine for the demo's.
DEV_PRODUCT_KEY_ENCRYPTION_KEY = "ZGV2LW9ubHktbm90LXNlY3JldC1wcm9kdWN0LWtleXM="  # noqa: S105


class BaseConfig:
    """Defaults shared by every mode; each attribute may be overridden from the environment."""

    ENV_NAME = "base"
    TESTING = False
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    # S7: product keys are stored encrypted with this Fernet key (subscriptions/sealed.py);
    # several keys separated by commas: the first encrypts, every one decrypts (rotation).
    PRODUCT_KEY_ENCRYPTION_KEY = os.environ.get("PRODUCT_KEY_ENCRYPTION_KEY", "")
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (nginx
    # in deploy/ is one); 0 when clients connect directly, or anyone could pose as any address.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_url("storefront.sqlite")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    # Sign-in sessions are kept on the server (accounts/sessions.py): "Keep me signed in"
    # lasts this many days from the sign-in; any other session ends after this many hours
    # without a request, and this many hours after its sign-in however busy (ASVS 3.3.2).
    REMEMBER_COOKIE_DURATION = timedelta(days=_float("REMEMBER_DAYS", 30))
    SESSION_IDLE_TIMEOUT = timedelta(hours=_float("SESSION_IDLE_HOURS", 12))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=_float("SESSION_ABSOLUTE_HOURS", 12))
    # Provider admins and admin agents hold the keys to every customer's tenant: "Keep me
    # signed in" keeps none of them, and their sessions end after this many minutes without
    # a request and this many hours after the sign-in however busy (ASVS 3.3.2 L2).
    PRIVILEGED_SESSION_IDLE_TIMEOUT = timedelta(
        minutes=_float("PRIVILEGED_SESSION_IDLE_MINUTES", 30))
    PRIVILEGED_SESSION_ABSOLUTE_TIMEOUT = timedelta(
        hours=_float("PRIVILEGED_SESSION_ABSOLUTE_HOURS", 12))
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch must still submit
    # Every request body is at most this many bytes (413 beyond, storefront/bodies.py): no
    # page or API call uploads a file, so 1 MiB is ample; the same cap for one multipart
    # field (Flask caps multipart forms at MAX_FORM_PARTS = 1,000 fields).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(1024 * 1024)))
    MAX_FORM_MEMORY_SIZE = MAX_CONTENT_LENGTH
    # The one larger body: a price list uploaded on the admin's catalog page (a full NCE
    # price list is ~15 MB); storefront/catalog_jobs.py raises the cap for that route only.
    PRICE_LIST_MAX_BYTES = int(os.environ.get("PRICE_LIST_MAX_BYTES", str(32 * 1024 * 1024)))
    # Strict-Transport-Security max-age in seconds (storefront/headers.py); 0 sends none.
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "0"))
    DEFAULT_LOCALE = os.environ.get("STOREFRONT_LOCALE", "en_US")
    PROVIDER_NAME = os.environ.get("STOREFRONT_PROVIDER_NAME", "Contoso Cloud Distribution")
    # The address people open the site at: every link in an email starts with it (an email
    # has no page to be relative to, and a job has no request to take a host from).
    # Required in production (validate); development defaults to `make run`'s address.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # Times are shown in each user's own time zone (an IANA name, chosen on the account
    # page); this one for users who chose none, and for visitors.
    STOREFRONT_TIME_ZONE = os.environ.get("STOREFRONT_TIME_ZONE", "UTC")
    # The issuer on invoices (B4): address lines separated by ";", and its VAT/tax number.
    PROVIDER_ADDRESS = os.environ.get("STOREFRONT_PROVIDER_ADDRESS", "")
    PROVIDER_TAX_ID = os.environ.get("STOREFRONT_PROVIDER_TAX_ID", "")
    PARTNER_CENTER_MODE = os.environ.get("PARTNER_CENTER_MODE", "sandbox")
    PARTNER_CENTER_BASE_URL = os.environ.get("PARTNER_CENTER_BASE_URL", "")
    PARTNER_CENTER_TENANT_ID = os.environ.get("PARTNER_CENTER_TENANT_ID", "")
    PARTNER_CENTER_CLIENT_ID = os.environ.get("PARTNER_CENTER_CLIENT_ID", "")
    PARTNER_CENTER_CLIENT_SECRET = os.environ.get("PARTNER_CENTER_CLIENT_SECRET", "")
    PARTNER_CENTER_REFRESH_TOKEN = os.environ.get("PARTNER_CENTER_REFRESH_TOKEN", "")
    PARTNER_CENTER_TOKEN_CACHE = os.environ.get(
        "PARTNER_CENTER_TOKEN_CACHE", str(INSTANCE_DIR / "msal-token-cache.json")
    )
    PARTNER_CENTER_AUTHORITY_HOST = os.environ.get(
        "PARTNER_CENTER_AUTHORITY_HOST", "https://login.microsoftonline.com"
    )
    PARTNER_CENTER_CONNECT_TIMEOUT = _float("PARTNER_CENTER_CONNECT_TIMEOUT", 5.0)
    PARTNER_CENTER_READ_TIMEOUT = _float("PARTNER_CENTER_READ_TIMEOUT", 30.0)
    # The `make run` sandbox's state file (Procfile --state): `flask demo load` writes the
    # demo's purchases into it so the sandbox's Microsoft bills them (B6). "" = never.
    SANDBOX_STATE_FILE = os.environ.get("SANDBOX_STATE_FILE",
                                        str(INSTANCE_DIR / "sandbox-state.json"))
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (
        "sqla+" + _sqlite_url("celery-broker.sqlite")
    )
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or (
        "db+" + _sqlite_url("celery-results.sqlite")
    )
    CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER")
    # Background provisioning (provisioning/jobs.py): a worker's lease on an order, the
    # retry backoff of transient failures, how often pending orders are read again, and
    # how often the reconciler re-drives overdue or abandoned jobs.
    PROVISIONING_LEASE_SECONDS = _float("PROVISIONING_LEASE_SECONDS", 300)
    PROVISIONING_MAX_ATTEMPTS = int(os.environ.get("PROVISIONING_MAX_ATTEMPTS", "8"))
    PROVISIONING_BACKOFF_SECONDS = _float("PROVISIONING_BACKOFF_SECONDS", 5)
    PROVISIONING_BACKOFF_CAP_SECONDS = _float("PROVISIONING_BACKOFF_CAP_SECONDS", 600)
    PROVISIONING_POLL_SECONDS = _float("PROVISIONING_POLL_SECONDS", 5)
    PROVISIONING_RECONCILE_SECONDS = _float("PROVISIONING_RECONCILE_SECONDS", 60)
    PROVISIONING_RECONCILE_GRACE_SECONDS = _float("PROVISIONING_RECONCILE_GRACE_SECONDS", 60)
    # A Partner Center order still pending is polled less often as it ages, at most this
    # far apart, and handed to a person this long after Partner Center created it.
    PROVISIONING_POLL_CAP_SECONDS = _float("PROVISIONING_POLL_CAP_SECONDS", 900)
    PROVISIONING_PENDING_DEADLINE_SECONDS = _float("PROVISIONING_PENDING_DEADLINE_SECONDS",
                                                   24 * 3600)
    # Requests a minute this storefront allows itself per Partner Center throttle bucket
    # (0 = no pacing); keeps workers under Partner Center's limit instead of hitting 429s.
    PARTNER_CENTER_RATE_LIMIT = int(os.environ.get("PARTNER_CENTER_RATE_LIMIT", "0"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "storefront@localhost")
    MAIL_DELIVER_SECONDS = _float("MAIL_DELIVER_SECONDS", 60)  # beat sends the outbox
    # Print each email whole, secret links included, on standard error as it is queued:
    # development's stand-in for a mailbox. Never in production (validate refuses it).
    MAIL_CONSOLE = _bool("MAIL_CONSOLE")
    API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "120"))  # requests per token…
    API_RATE_WINDOW = int(os.environ.get("API_RATE_WINDOW", "60"))  # …per this many seconds
    # …and across all tokens of one reseller or one direct-customer company, same window.
    API_OWNER_RATE_LIMIT = int(os.environ.get("API_OWNER_RATE_LIMIT", "600"))
    # Requests with a missing or unknown token from one client address, per window: over
    # it, 429 before any token lookup.
    API_BAD_TOKEN_LIMIT = int(os.environ.get("API_BAD_TOKEN_LIMIT", "20"))
    API_BAD_TOKEN_WINDOW = int(os.environ.get("API_BAD_TOKEN_WINDOW", "60"))
    # Sign-in throttling (accounts/sign_in.py): attempts that go straight through per
    # account (until an hour passes without one) and per client address (per 15 minutes),
    # then locks of 2, 4, 8 … seconds up to the maximum.
    SIGN_IN_FREE_ATTEMPTS = int(os.environ.get("SIGN_IN_FREE_ATTEMPTS", "5"))
    SIGN_IN_ACCOUNT_QUIET_SECONDS = int(os.environ.get("SIGN_IN_ACCOUNT_QUIET_SECONDS", "3600"))
    SIGN_IN_FREE_ATTEMPTS_PER_ADDRESS = int(
        os.environ.get("SIGN_IN_FREE_ATTEMPTS_PER_ADDRESS", "20"))
    SIGN_IN_ADDRESS_WINDOW_SECONDS = int(os.environ.get("SIGN_IN_ADDRESS_WINDOW_SECONDS", "900"))
    SIGN_IN_MAX_LOCK_SECONDS = int(os.environ.get("SIGN_IN_MAX_LOCK_SECONDS", "900"))
    # Sign-ups per client address per window (each emails the address typed).
    SIGN_UP_LIMIT = int(os.environ.get("SIGN_UP_LIMIT", "10"))
    SIGN_UP_WINDOW_SECONDS = int(os.environ.get("SIGN_UP_WINDOW_SECONDS", "3600"))
    # Sign-ups to one mailbox per day, from every client together (each mails it).
    SIGN_UPS_PER_ADDRESS_PER_DAY = int(os.environ.get("SIGN_UPS_PER_ADDRESS_PER_DAY", "3"))
    # Invitations per company per hour (each emails an address its admin types).
    INVITATIONS_PER_HOUR = int(os.environ.get("INVITATIONS_PER_HOUR", "30"))
    # Invitations per invited address per day, from every company together (anyone can sign
    # a company up, so the hourly one alone let many companies mail one address at will).
    INVITATIONS_PER_ADDRESS_PER_DAY = int(os.environ.get("INVITATIONS_PER_ADDRESS_PER_DAY",
                                                         "3"))
    # Email-change requests per user per day (each mails a confirmation to the address
    # typed, and anyone can sign up: without it, a relay to address after address).
    EMAIL_CHANGES_PER_DAY = int(os.environ.get("EMAIL_CHANGES_PER_DAY", "5"))
    # Where the throttle counters live, shared by every worker: Redis when this (or the
    # Celery broker) is a redis:// URL; on the embedded SQLite default a SQLite file of
    # their own, so counting API requests never takes the app database's write lock (#27);
    # else ("") the app's database.
    THROTTLE_STORAGE_URL = os.environ.get("THROTTLE_STORAGE_URL") or (
        CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else
        _sqlite_url("throttle.sqlite") if SQLALCHEMY_DATABASE_URI.startswith("sqlite:")
        else "")
    API_TOKENS_PER_USER = int(os.environ.get("API_TOKENS_PER_USER", "10"))  # live ones
    # How long a page's calls to Partner Center and Graph may spend waiting for retries and
    # export polls (storefront.bound_outbound_waits): under gunicorn's 30 s worker timeout.
    REQUEST_DEADLINE_SECONDS = float(os.environ.get("REQUEST_DEADLINE_SECONDS", "20"))
    # The currency Microsoft invoices the partner in (its Partner Center billing profile):
    # Graph exports the Azure usage not invoiced yet per currency (billing/azure_usage.py).
    PARTNER_BILLING_CURRENCY = os.environ.get("PARTNER_BILLING_CURRENCY", "USD").upper()
    # #21: provider admins and admin agents must use a second factor (they enrol at their
    # next sign-in); a browser may be trusted for this many days after a code.
    MFA_REQUIRED = True
    MFA_DEVICE_DAYS = int(os.environ.get("MFA_DEVICE_DAYS", "30"))
    MFA_ISSUER = os.environ.get("MFA_ISSUER", "CSP Storefront")  # the authenticator's label
    # Password-reset requests per client address, and per address typed, in each window
    # (each may send an email).
    PASSWORD_RESET_LIMIT = int(os.environ.get("PASSWORD_RESET_LIMIT", "5"))
    PASSWORD_RESET_WINDOW_SECONDS = int(os.environ.get("PASSWORD_RESET_WINDOW_SECONDS", "3600"))
    # O6: VAT on Indirect OSPA invoices (China's rate for cloud services).
    OSPA_TAX_RATE = _float("OSPA_TAX_RATE", 0.06)
    # B4: days from an invoice's issue to its due date (tax rates are admin data, not here).
    BILLING_PAYMENT_TERMS_DAYS = int(os.environ.get("BILLING_PAYMENT_TERMS_DAYS", "30"))
    # K5: the MCA ledger's HMAC key (never in the database), the id stored with each row it
    # seals, retired keys still needed to verify older rows ("id:key,id:key"), how many of
    # the oldest rows were written unkeyed before migration 0018 (it prints the number), and
    # the directory, outside the database, that receives the signed head statements.
    MCA_LEDGER_KEY = os.environ.get("MCA_LEDGER_KEY", "")
    MCA_LEDGER_KEY_ID = os.environ.get("MCA_LEDGER_KEY_ID", "k1")
    MCA_LEDGER_OLD_KEYS = os.environ.get("MCA_LEDGER_OLD_KEYS", "")
    MCA_LEDGER_LEGACY_ROWS = os.environ.get("MCA_LEDGER_LEGACY_ROWS", "0")
    MCA_HEAD_DIR = os.environ.get("MCA_HEAD_DIR") or str(INSTANCE_DIR / "mca-heads")
    # Operations (operations/, README "Operations"): log level; log format json or text
    # ("" = json in production, text elsewhere); the bearer token Prometheus sends to
    # /metrics ("" = the page answers loopback clients only).
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    # Under PROMETHEUS_MULTIPROC_DIR, the Celery workers' own metrics directories (":"
    # between them) that the web's /metrics adds to its own (deploy/ systemd units).
    METRICS_WORKER_DIRS = os.environ.get("METRICS_WORKER_DIRS", "")


class DevelopmentConfig(BaseConfig):
    """`make run`: SQLite, the local Partner Center sandbox, a fixed dev-only secret."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"  # noqa: S105
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    PRODUCT_KEY_ENCRYPTION_KEY = (os.environ.get("PRODUCT_KEY_ENCRYPTION_KEY")
                                  or DEV_PRODUCT_KEY_ENCRYPTION_KEY)
    # A published key: rows sealed with it prove nothing, which is fine on a laptop.
    MCA_LEDGER_KEY = os.environ.get("MCA_LEDGER_KEY") or "dev-only-not-secret-mca-ledger-key"
    MCA_LEDGER_KEY_ID = os.environ.get("MCA_LEDGER_KEY_ID", "dev")
    # The outbox hides reset and invitation links; the console shows them to the developer.
    MAIL_CONSOLE = _bool("MAIL_CONSOLE", True)


class TestingConfig(BaseConfig):
    """pytest: a throwaway database chosen by the fixture, CSRF on as in production."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-only-not-secret"  # noqa: S105
    PRODUCT_KEY_ENCRYPTION_KEY = DEV_PRODUCT_KEY_ENCRYPTION_KEY
    MCA_LEDGER_KEY = "test-only-not-secret-mca-ledger-key"
    MCA_LEDGER_KEY_ID = "test"
    MCA_LEDGER_OLD_KEYS = ""
    MCA_LEDGER_LEGACY_ROWS = "0"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PUBLIC_BASE_URL = "https://storefront.example"  # not the test client's host (localhost)
    STOREFRONT_TIME_ZONE = "UTC"
    PARTNER_CENTER_MODE = "sandbox"
    PARTNER_CENTER_BASE_URL = "https://sandbox.partnercenter.test"
    SANDBOX_STATE_FILE = ""  # tests never write the demo sandbox's state
    # Queued tasks stay in memory unless a test runs them: no broker, no worker.
    CELERY_BROKER_URL = "memory://"
    THROTTLE_STORAGE_URL = ""  # the test's own database; Redis tests pass their own store
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 -- fast hashing for a quick suite
    # Other areas' tests sign admins in with a password alone; tests/security/test_mfa.py
    # turns the requirement on.
    MFA_REQUIRED = False
    MAIL_CONSOLE = False  # tests read mail from the outbox (notifications.readable_body)


class ProductionConfig(BaseConfig):
    """gunicorn at scale: PostgreSQL, Redis broker, live Partner Center, secure cookies."""

    ENV_NAME = "production"
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))  # TLS only
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    PARTNER_CENTER_MODE = os.environ.get("PARTNER_CENTER_MODE", "live")


def validate(config: Mapping[str, Any]) -> None:
    """Refuse to start without the settings this mode cannot run without."""
    if not config.get("SECRET_KEY"):
        raise ConfigError(
            "SECRET_KEY is not set. Set it in the environment, e.g. "
            "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    if config.get("PARTNER_CENTER_MODE") not in {"sandbox", "live"}:
        raise ConfigError("PARTNER_CENTER_MODE must be 'sandbox' or 'live'.")
    live_credentials(config)
    product_key_cipher(config)
    ledger_keys(config)
    ledger_legacy_rows(config)
    public_base_url(config)
    time_zone(config)
    mail_console(config)


def mail_console(config: Mapping[str, Any]) -> None:
    """Production never prints an email: its links open accounts, and logs are kept."""
    if config.get("MAIL_CONSOLE") and config.get("ENV_NAME") == "production":
        raise ConfigError(
            "MAIL_CONSOLE is on in production: every password-reset and invitation link "
            "would be written to the logs. Unset MAIL_CONSOLE and set MAIL_SERVER instead.")


def public_base_url(config: Mapping[str, Any]) -> str:
    """The site's address that emails link to (PUBLIC_BASE_URL), without a trailing slash;
    production refuses to start without it rather than mail links that lead nowhere."""
    url = str(config.get("PUBLIC_BASE_URL") or "").strip()
    if not url:
        if config.get("ENV_NAME") == "production":
            raise ConfigError(
                "PUBLIC_BASE_URL is not set. Every link in an email starts with it. Set it to "
                "the address customers open the site at, e.g. "
                "PUBLIC_BASE_URL=https://shop.example.com")
        return ""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query \
            or parts.fragment:
        raise ConfigError(
            f"PUBLIC_BASE_URL={url!r} is not a site address: write http:// or https://, the "
            "host and optionally a path, without ?query or #fragment, e.g. "
            "https://shop.example.com")
    return url.rstrip("/")


def time_zone(config: Mapping[str, Any]) -> str:
    """STOREFRONT_TIME_ZONE, the zone times are shown in for users who chose none: an IANA
    name such as Europe/Warsaw."""
    name = str(config.get("STOREFRONT_TIME_ZONE") or "UTC").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"STOREFRONT_TIME_ZONE={name!r} is not a time zone: use an IANA "
                          "name such as Europe/Warsaw or America/New_York, or UTC.") from None
    return name


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[BaseConfig]:
    """Pick the settings class named by STOREFRONT_ENV (development by default)."""
    name = os.environ.get("STOREFRONT_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(
            f"STOREFRONT_ENV={name!r} is not one of {', '.join(sorted(CONFIGS))}."
        ) from None
