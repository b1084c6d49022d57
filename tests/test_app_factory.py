"""The app factory and settings."""

import pytest

from config.errors import ConfigError
from config.settings import ProductionConfig, TestingConfig, validate
from storefront import create_app


def test_factory_builds_an_app_with_every_area_registered():
    app = create_app(TestingConfig)
    assert app.testing
    assert {"main", "auth", "admin", "customers"} <= set(app.blueprints)


def test_overrides_are_applied_on_top_of_the_settings_class():
    app = create_app({"PROVIDER_NAME": "Example Distribution", "SECRET_KEY": "x"})
    assert app.config["PROVIDER_NAME"] == "Example Distribution"


def test_production_refuses_to_start_without_a_secret_key():
    class ProductionWithoutSecret(ProductionConfig):
        SECRET_KEY = None

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(ProductionWithoutSecret)


def test_unknown_partner_center_mode_is_refused():
    with pytest.raises(ConfigError, match="PARTNER_CENTER_MODE"):
        validate({"SECRET_KEY": "x", "PARTNER_CENTER_MODE": "prod"})


def test_session_cookies_are_httponly_and_samesite_lax():
    app = create_app(TestingConfig)
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_health_endpoint_answers_when_the_database_does(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
