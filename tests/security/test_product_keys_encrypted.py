"""Product keys are encrypted at rest with PRODUCT_KEY_ENCRYPTION_KEY from the environment:
a copy of the database shows none (they were stored in clear), the app still reveals them to
an admin agent, keys rotate, and migration 0017 encrypts the rows stored before it."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from config.settings import TestingConfig
from persistence import db
from storefront import create_app
from subscriptions.models import SoftwareKey
from subscriptions.sealed import ProductKeyUnreadable
from tests.api.factories import make_subscription
from tests.conftest import on_database
from tests.subscriptions.recorded_keys import record_test_key

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def stored(key_id: int) -> str:
    """The column as the database holds it, past the model's type."""
    return db.session.execute(text("SELECT product_key FROM software_keys WHERE id = :id"),
                              {"id": key_id}).scalar_one()


@pytest.fixture
def issued(world):
    sub = make_subscription(world.customer_a, world.price)
    key = record_test_key(sub)
    return key.id, key.product_key


def reread(key_id: int) -> str:
    db.session.expire_all()
    return db.session.get(SoftwareKey, key_id).product_key


def test_the_database_holds_no_product_key_in_clear(issued):
    key_id, product_key = issued
    raw = stored(key_id)
    assert product_key not in raw and product_key.replace("-", "") not in raw
    cipher = Fernet(TestingConfig.PRODUCT_KEY_ENCRYPTION_KEY)
    assert cipher.decrypt(raw.encode()).decode() == product_key
    assert reread(key_id) == product_key


def test_two_keys_of_the_same_text_are_stored_differently(world):
    sub = make_subscription(world.customer_a, world.price)
    # Two versions of one key (the same live key twice is recorded once: S7).
    sub.keys = [SoftwareKey(product_key="AAAAA-BBBBB", version="2019"),
                SoftwareKey(product_key="AAAAA-BBBBB", version="2022")]
    db.session.commit()
    first, second = (stored(key.id) for key in sub.keys)
    assert first != second  # a random IV per value: equal keys are not visible as equal


def test_a_key_sealed_under_another_key_is_refused_with_a_clear_error(app, issued):
    key_id, _ = issued
    app.config["PRODUCT_KEY_ENCRYPTION_KEY"] = NEW
    with pytest.raises(ProductKeyUnreadable, match="must stay listed"):
        reread(key_id)


def test_rotation_reads_old_rows_and_rewrites_them_under_the_new_key(app, issued):
    key_id, product_key = issued
    app.config["PRODUCT_KEY_ENCRYPTION_KEY"] = f"{NEW},{TestingConfig.PRODUCT_KEY_ENCRYPTION_KEY}"
    assert reread(key_id) == product_key  # still readable through the old key
    result = app.test_cli_runner().invoke(args=["subscriptions", "rotate-product-keys"])
    assert result.exit_code == 0 and "Re-encrypted 1 product keys" in result.output
    app.config["PRODUCT_KEY_ENCRYPTION_KEY"] = NEW  # the old key retired
    assert reread(key_id) == product_key
    assert Fernet(NEW).decrypt(stored(key_id).encode()).decode() == product_key


def test_the_migration_encrypts_keys_stored_in_clear_and_its_downgrade_decrypts_them(
        tmp_path):
    settings = on_database(f"sqlite:///{tmp_path / 'migrated.sqlite'}")
    app = create_app(type("Migrating", (settings,), {"PRODUCT_KEY_ENCRYPTION_KEY": OLD}))
    with app.app_context():
        upgrade(revision="0016_throttle")
        db.session.execute(text(
            "INSERT INTO software_keys (id, subscription_id, product_key, download_url, "
            "issued_at) VALUES (1, 1, 'ABCDE-FGHIJ-KLMNO-PQRST-UVWXY', '', '2026-01-01')"))
        db.session.commit()
        upgrade(revision="0017_security_lower")
        assert "ABCDE" not in stored(1)
        assert Fernet(OLD).decrypt(stored(1).encode()) == b"ABCDE-FGHIJ-KLMNO-PQRST-UVWXY"
        assert db.session.scalar(select(SoftwareKey.product_key)) == \
            "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY"
        downgrade(revision="0016_throttle")
        assert stored(1) == "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY"
        db.session.remove()
        db.engine.dispose()
