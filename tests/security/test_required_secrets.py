"""Production refuses to start without the secrets it cannot run safely without, and says
which ones: live mode without Partner Center credentials (it started, then failed at the
first order), and any mode without the product keys' encryption key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config.credentials import live_credentials
from config.errors import ConfigError
from config.settings import TestingConfig

ROOT = Path(__file__).resolve().parents[2]
LIVE = {"PARTNER_CENTER_MODE": "live", "PARTNER_CENTER_TENANT_ID": "contoso.onmicrosoft.com",
        "PARTNER_CENTER_CLIENT_ID": "00000000-0000-4000-8000-000000000001",
        "PARTNER_CENTER_CLIENT_SECRET": "app-secret", "PARTNER_CENTER_REFRESH_TOKEN": "rt"}


def start_production(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Build the app the way gunicorn does, with STOREFRONT_ENV=production and `env`."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("PARTNER_CENTER_", "PRODUCT_KEY_"))}
    base |= {"STOREFRONT_ENV": "production", "STOREFRONT_INSTANCE_DIR": str(tmp_path),
             "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
             "SECRET_KEY": "s" * 64, "MCA_LEDGER_KEY": "m" * 64,
             "PRODUCT_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
             "PARTNER_CENTER_MODE": "sandbox", "PUBLIC_BASE_URL": "https://shop.example.com"}
    return subprocess.run([sys.executable, "-c", "from storefront import create_app; "
                           "create_app()"], cwd=ROOT, env=base | env, capture_output=True,
                          text=True, timeout=60, check=False)


def test_production_starts_with_every_secret_given(tmp_path):
    started = start_production(tmp_path, **LIVE)
    assert started.returncode == 0, started.stderr


def test_production_refuses_to_start_in_live_mode_without_partner_center_credentials(
        tmp_path):
    started = start_production(tmp_path, PARTNER_CENTER_MODE="live")
    assert started.returncode != 0
    message = started.stderr.strip().splitlines()[-1]
    assert "PARTNER_CENTER_MODE=live needs Partner Center credentials" in message
    for name in ("TENANT_ID", "CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN"):
        assert f"PARTNER_CENTER_{name}" in message


@pytest.mark.parametrize("missing", ["PARTNER_CENTER_TENANT_ID", "PARTNER_CENTER_CLIENT_ID",
                                     "PARTNER_CENTER_CLIENT_SECRET",
                                     "PARTNER_CENTER_REFRESH_TOKEN"])
def test_each_missing_live_credential_is_named_alone(missing):
    with pytest.raises(ConfigError) as refused:
        live_credentials(LIVE | {missing: "", "PARTNER_CENTER_TOKEN_CACHE": ""})
    named = [name for name in LIVE if name in str(refused.value)]
    assert named == ["PARTNER_CENTER_MODE", missing]


def test_a_token_cache_holding_the_rotated_refresh_token_stands_in_for_it(tmp_path):
    cache = tmp_path / "msal-token-cache.json"
    cache.write_text("{}")
    live_credentials(LIVE | {"PARTNER_CENTER_REFRESH_TOKEN": "",
                             "PARTNER_CENTER_TOKEN_CACHE": str(cache)})


def test_the_sandbox_needs_no_partner_center_credentials():
    live_credentials({"PARTNER_CENTER_MODE": "sandbox"})


def test_production_refuses_to_start_without_the_product_key_encryption_key(tmp_path):
    started = start_production(tmp_path, PRODUCT_KEY_ENCRYPTION_KEY="")
    assert started.returncode != 0
    assert "PRODUCT_KEY_ENCRYPTION_KEY is not set" in started.stderr


def test_a_malformed_product_key_encryption_key_is_refused_without_being_echoed(tmp_path):
    started = start_production(tmp_path, PRODUCT_KEY_ENCRYPTION_KEY="not-a-fernet-key-xyz")
    assert started.returncode != 0
    assert "PRODUCT_KEY_ENCRYPTION_KEY: each key is 32 url-safe base64" in started.stderr
    assert "not-a-fernet-key-xyz" not in started.stderr


def test_development_and_tests_use_a_labelled_published_key():
    from base64 import urlsafe_b64decode

    assert urlsafe_b64decode(TestingConfig.PRODUCT_KEY_ENCRYPTION_KEY) == \
        b"dev-only-not-secret-product-keys"
