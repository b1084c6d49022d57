"""S7: a key or download is recorded once. Importing the same CSV again (a re-upload after a
timeout, a double click) or resubmitting the key form adds nothing and says "already
recorded"; a unique index over a keyed digest of the key's identity holds under concurrent
writers too."""

from __future__ import annotations

import hashlib
import io

import pytest
from cryptography.fernet import Fernet
from flask_migrate import upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from accounts.models import Reseller, Role, User
from accounts.services import new_user
from persistence import db
from storefront import create_app
from subscriptions.entitlements import KeyEntry, record_key
from subscriptions.key_import import import_keys
from subscriptions.models import Entitlement, SoftwareKey
from tests.api.factories import make_subscription
from tests.conftest import csrf_token, login, make_customer, make_price, on_database, post_form
from tests.provisioning.databases import BACKENDS, database
from tests.races import race
from tests.subscriptions.recorded_keys import KEY, LINK, entitlement_of


@pytest.fixture
def software(world):
    """Customer A's perpetual Windows Server subscription and its entitlement."""
    world.price.sku.product.family = "perpetual_software"
    sub = make_subscription(world.customer_a, world.price, tenant_id="tenant-a",
                            pc_order_id="order-1")
    return entitlement_of(sub)


def recorded() -> int:
    return db.session.scalar(select(func.count()).select_from(SoftwareKey))


def upload(client, body: str):
    return client.post("/admin/entitlements/import", data={
        "csrf_token": csrf_token(client, "/admin/entitlements"),
        "keys": (io.BytesIO(body.encode()), "keys.csv")}, content_type="multipart/form-data")


def test_s7_importing_the_same_csv_twice_records_each_key_once_and_says_so(
        client, software, world):
    body = f"entitlement,key,download_link,language\n{software.id},{KEY},{LINK},en-US\n"
    login(client, world.admin)
    first, again = upload(client, body), upload(client, body)
    assert (first.status_code, again.status_code) == (302, 302)
    assert recorded() == 1
    page = client.get("/admin/entitlements").get_data(as_text=True)
    assert "Recorded 0 keys and download links; 1 was already recorded." in page
    assert [e.kind for e in software.subscription.events] == ["key_recorded"]


def test_s7_a_row_repeated_in_one_csv_is_recorded_once(software, world):
    row = f"{software.id},{KEY},{LINK}\n"
    result = import_keys("entitlement,key,download_link\n" + row + row, world.admin)
    assert (result.recorded, result.already) == (1, 1) and recorded() == 1


def test_s7_a_download_differing_only_in_its_choices_is_another_key(software, world):
    body = (f"entitlement,key,download_link,language\n{software.id},{KEY},{LINK},en-US\n"
            f"{software.id},{KEY},{LINK},de-DE\n")
    assert import_keys(body, world.admin).recorded == 2 and recorded() == 2


def test_s7_a_resubmitted_key_form_records_the_key_once(client, software, world):
    login(client, world.admin)
    url = f"/admin/entitlements/{software.id}"
    fields = {"product_key": KEY, "download_url": LINK, "language": "en-US"}
    assert post_form(client, url, fields).status_code == 302
    again = post_form(client, url, {**fields, "product_key": f" {KEY} "})
    assert again.status_code == 302 and recorded() == 1
    assert "Already recorded: nothing was added." in client.get(url).get_data(as_text=True)


def test_s7_a_revoked_key_does_not_block_recording_it_again(software, world):
    first = record_key(software, KeyEntry(KEY, LINK), world.admin)
    first.revoked_at = first.issued_at
    db.session.commit()
    assert record_key(software, KeyEntry(KEY, LINK), world.admin) is not None
    assert recorded() == 2


def test_s7_the_database_refuses_a_second_identical_live_key(software, world):
    """What two concurrent writers would race to: the unique index stops the second."""
    first = record_key(software, KeyEntry(KEY, LINK), world.admin)
    db.session.add(SoftwareKey(subscription_id=first.subscription_id,
                               entitlement_id=software.id, product_key=KEY,
                               download_url=LINK))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_s7_the_identity_digest_is_keyed_and_never_the_key_in_clear(software, world):
    key = record_key(software, KeyEntry(KEY, LINK), world.admin)
    digest = key.identity_digest
    assert len(digest) == 64 and KEY not in digest
    assert digest != hashlib.sha256(KEY.encode()).hexdigest()


SEALING = Fernet.generate_key().decode()


def _insert_key(row_id: int, issued: str, key: str, revoked: str | None = None) -> None:
    token = Fernet(SEALING).encrypt(key.encode()).decode()
    db.session.execute(text(
        "INSERT INTO software_keys (id, subscription_id, entitlement_id, product_key, "
        "download_url, version, language, file_type, os, issued_at, revoked_at) VALUES "
        "(:id, 1, 1, :key, :link, '', 'en-US', '', '', :issued, :revoked)"),
        {"id": row_id, "key": token, "link": LINK, "issued": issued, "revoked": revoked})


def test_s7_the_migration_digests_every_key_and_keeps_the_oldest_of_duplicates(tmp_path):
    settings = on_database(f"sqlite:///{tmp_path / 'migrated.sqlite'}")
    app = create_app(type("Migrating", (settings,), {"PRODUCT_KEY_ENCRYPTION_KEY": SEALING}))
    with app.app_context():
        upgrade(revision="0052_end_of_sale")
        _insert_key(1, "2026-01-02", KEY)  # a later copy, with the lower id
        _insert_key(2, "2026-01-01", KEY)  # the oldest: kept
        _insert_key(3, "2026-01-03", KEY, revoked="2026-01-04")  # revoked: left alone
        _insert_key(4, "2026-01-01", "M3TX9-KQ7BD-2HWPR-8CJV4-YF6GT")
        db.session.execute(text(
            "INSERT INTO key_access_log (at, user_id, subscription_id, key_id, action, ip) "
            "VALUES ('2026-01-05', 1, 1, 1, 'reveal', '')"))
        db.session.commit()
        upgrade(revision="0053_key_identity")
        rows = db.session.execute(text(
            "SELECT id, identity_digest FROM software_keys ORDER BY id")).all()
        assert [r.id for r in rows] == [2, 3, 4] and all(len(r[1]) == 64 for r in rows)
        assert db.session.scalar(text("SELECT key_id FROM key_access_log")) == 2
        fresh = entitlement_digest_of(db.session.get(SoftwareKey, 2))
        assert rows[0][1] == fresh  # the app computes the digest the migration wrote
        db.session.remove()
        db.engine.dispose()


def entitlement_digest_of(key: SoftwareKey) -> str:
    from subscriptions.sealed import identity_digest
    return identity_digest(key.subscription_id, key.entitlement_id, key.product_key,
                           key.download_url, key.version, key.language, key.file_type, key.os)


def test_s7_rotating_the_encryption_key_recomputes_each_identity_digest(app, software, world):
    from subscriptions.sealed import key_identity_digest
    key = record_key(software, KeyEntry(KEY, LINK), world.admin)
    new = Fernet.generate_key().decode()
    app.config["PRODUCT_KEY_ENCRYPTION_KEY"] = f"{new},{app.config['PRODUCT_KEY_ENCRYPTION_KEY']}"
    result = app.test_cli_runner().invoke(args=["subscriptions", "rotate-product-keys"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    key = db.session.get(SoftwareKey, key.id)
    assert key.identity_digest == key_identity_digest(new, key.identity)
    assert record_key(software, KeyEntry(KEY, LINK), world.admin) is None and recorded() == 1


def during_rotation(app, first: str, second: str) -> None:
    app.config["PRODUCT_KEY_ENCRYPTION_KEY"] = f"{first},{second}"


def test_s7_a_key_recorded_under_the_old_key_is_recorded_once_during_a_rotation(
        app, software, world):
    """Before `rotate-product-keys` has run, the old rows' digests are the old key's: the
    same key recorded again (a worker promoted to the new key first) adds nothing."""
    old, new = app.config["PRODUCT_KEY_ENCRYPTION_KEY"], Fernet.generate_key().decode()
    during_rotation(app, old, new)  # every worker lists the new key second first
    record_key(software, KeyEntry(KEY, LINK), world.admin)
    during_rotation(app, new, old)  # then the new key is promoted
    assert record_key(software, KeyEntry(KEY, LINK), world.admin) is None
    during_rotation(app, old, new)  # a worker not yet promoted
    assert record_key(software, KeyEntry(KEY, LINK), world.admin) is None
    assert recorded() == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_s7_two_workers_on_either_side_of_a_rotation_record_the_same_key_once(backend,
                                                                              tmp_path):
    """A worker still encrypting under the old key holds its insert open while a worker
    already on the new key records the same key: their digests differ, so the unique index
    cannot stop the second; the entitlement's lock makes it wait and find the first."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with database(backend, tmp_path) as url:
        settings = on_database(url)
        apps = {name: create_app(type("Worker", (settings,), {
            "PRODUCT_KEY_ENCRYPTION_KEY": keys})) for name, keys in
            (("A", f"{old},{new}"), ("B", f"{new},{old}"))}
        with apps["A"].app_context():
            db.create_all()
            entitlement_id, admin_id = software_on_its_own()

        def record():
            entitlement = db.session.get(Entitlement, entitlement_id)
            return record_key(entitlement, KeyEntry(KEY, LINK),
                              db.session.get(User, admin_id)) is not None

        waited, outcomes = race(apps, "software_keys", record)
        assert waited and outcomes == {"A": True, "B": False}
        with apps["A"].app_context():
            assert recorded() == 1
            db.session.remove()
        for app in apps.values():
            with app.app_context():
                db.engine.dispose()


def software_on_its_own() -> tuple[int, int]:
    """A perpetual software subscription's entitlement and an admin, committed."""
    admin = new_user("admin@test.example", "pw-never-used-here", Role.PROVIDER_ADMIN)
    reseller = Reseller(company_name="Northwind")
    customer = make_customer(reseller, "Litware")
    price = make_price(family="perpetual_software", title="Windows Server 2022")
    db.session.add_all([admin, reseller, customer, price])
    db.session.flush()
    entitlement = entitlement_of(make_subscription(customer, price, tenant_id="tenant-a",
                                                   pc_order_id="order-1"))
    db.session.commit()
    return entitlement.id, admin.id
