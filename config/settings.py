"""Settings classes read from the environment; the one place configuration is decided.

Secrets (SECRET_KEY, Partner Center credentials, SMTP password) come only from the
environment. Outside development and tests a missing SECRET_KEY stops the app at start-up
rather than signing sessions with a guessable key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("STOREFRONT_INSTANCE_DIR") or PROJECT_ROOT / "instance")


class ConfigError(RuntimeError):
    """Raised when the environment lacks a setting the chosen mode requires."""


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _sqlite_url(filename: str) -> str:
    return f"sqlite:///{(INSTANCE_DIR / filename).resolve()}"


class BaseConfig:
    """Defaults shared by every mode; each attribute may be overridden from the environment."""

    ENV_NAME = "base"
    TESTING = False
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_url("storefront.sqlite")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch must still submit
    DEFAULT_LOCALE = os.environ.get("STOREFRONT_LOCALE", "en_US")
    PROVIDER_NAME = os.environ.get("STOREFRONT_PROVIDER_NAME", "Contoso Cloud Distribution")
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
    # Requests a minute this storefront allows itself per Partner Center throttle bucket
    # (0 = no pacing); keeps workers under Partner Center's limit instead of hitting 429s.
    PARTNER_CENTER_RATE_LIMIT = int(os.environ.get("PARTNER_CENTER_RATE_LIMIT", "0"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "storefront@localhost")
    API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "120"))  # requests per token…
    API_RATE_WINDOW = int(os.environ.get("API_RATE_WINDOW", "60"))  # …per this many seconds
    # O6: VAT on Indirect OSPA invoices (China's rate for cloud services).
    OSPA_TAX_RATE = _float("OSPA_TAX_RATE", 0.06)


class DevelopmentConfig(BaseConfig):
    """`make run`: SQLite, the local Partner Center sandbox, a fixed dev-only secret."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"  # noqa: S105


class TestingConfig(BaseConfig):
    """pytest: a throwaway database chosen by the fixture, CSRF on as in production."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-only-not-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PARTNER_CENTER_MODE = "sandbox"
    PARTNER_CENTER_BASE_URL = "https://sandbox.partnercenter.test"
    # Queued tasks stay in memory unless a test runs them: no broker, no worker.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 -- fast hashing for a quick suite


class ProductionConfig(BaseConfig):
    """gunicorn at scale: PostgreSQL, Redis broker, live Partner Center, secure cookies."""

    ENV_NAME = "production"
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
