"""The MCA ledger is keyed: someone with database write access who rewrites a row and
recomputes the hash chain (as a probe did, and `flask mca verify` then passed) is caught,
whether they use plain SHA-256, turn rows into legacy ones, or guess a key."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from agreements import mca
from agreements.keys import LedgerKeys, from_config
from config.errors import ConfigError
from config.settings import ProductionConfig, TestingConfig, validate
from persistence import db
from storefront import create_app

WRONG_KEYS = LedgerKeys("test", {"test": b"an-attacker-guessing-the-ledger-key"})


def record(world, email: str = "ada@example.com", keys: LedgerKeys | None = None):
    return mca.record_acceptance(
        customer=world.direct, user=world.direct_user,
        signer=mca.Signer("Ada", "Lovelace", email), template_id="tpl-1", version="tpl-1",
        date_agreed=date(2026, 11, 23), ip="127.0.0.1", user_agent="pytest", keys=keys)


def plain_sha256(row) -> str:
    return hashlib.sha256(row.sealed_text().encode()).hexdigest()


def rewrite(seal, scheme: str | None = None, email: str = "evil@example.com") -> None:
    """What an attacker with database access does: drop the triggers, change the first row,
    and recompute every hash after it with `seal` (optionally relabelling the scheme)."""
    db.session.execute(text("DROP TRIGGER mca_acceptances_no_update"))
    rows = db.session.scalars(select(mca.McaAcceptance).order_by(mca.McaAcceptance.id)).all()
    db.session.expunge_all()  # edited in memory only; written back with raw SQL below
    rows[0].signer_email, prev = email, mca.GENESIS
    for row in rows:
        row.prev_hash, row.hash_scheme = prev, scheme or row.hash_scheme
        row.row_hash = prev = seal(row)
        db.session.execute(text(
            "UPDATE mca_acceptances SET signer_email = :email, prev_hash = :prev, "
            "row_hash = :hash, hash_scheme = :scheme WHERE id = :id"), {
                "email": row.signer_email, "prev": row.prev_hash, "hash": row.row_hash,
                "scheme": row.hash_scheme, "id": row.id})
    db.session.commit()


def verify(app, legacy_allowed: int = 0) -> mca.ChainReport:
    return mca.verify_chain(from_config(app.config), legacy_allowed)


def test_new_rows_are_sealed_with_the_key_and_name_its_id_not_the_key(app, world):
    row = record(world)
    assert (row.hash_scheme, row.hash_key_id) == ("hmac-sha256", "test")
    assert row.row_hash != plain_sha256(row)
    stored = db.session.execute(text("SELECT * FROM mca_acceptances")).one()
    assert app.config["MCA_LEDGER_KEY"] not in repr(tuple(stored))
    assert app.config["MCA_LEDGER_KEY"] not in repr(from_config(app.config))
    assert verify(app) == mca.ChainReport(rows=1, legacy_rows=0, problems=())


def test_a_row_rewritten_with_the_plain_hash_chain_recomputed_is_caught(app, world):
    record(world)
    record(world, "second@example.com")
    rewrite(plain_sha256)
    problems = verify(app).problems
    assert problems == ("row 1: contents changed after it was written",
                        "row 2: contents changed after it was written")
    result = app.test_cli_runner().invoke(args=["mca", "verify"])
    assert result.exit_code == 1 and "fails verification (2 problems)" in result.output


def test_relabelling_the_rewritten_rows_as_legacy_unkeyed_ones_is_caught(app, world):
    record(world)
    record(world, "second@example.com")
    rewrite(plain_sha256, scheme="sha256")
    assert [p.split(":")[0] for p in verify(app).problems] == ["row 1", "row 2"]
    assert "MCA_LEDGER_LEGACY_ROWS=0" in verify(app).problems[0]
    assert app.test_cli_runner().invoke(args=["mca", "verify"]).exit_code == 1


def test_a_row_rewritten_and_resealed_with_a_wrong_key_is_caught(app, world):
    record(world)
    rewrite(lambda row: WRONG_KEYS.seal(row.sealed_text(), row.hash_key_id))
    assert verify(app).problems == ("row 1: contents changed after it was written",)


def test_a_rows_key_id_switched_to_an_unknown_key_is_reported_by_name(app, world):
    record(world)
    db.session.execute(text("DROP TRIGGER mca_acceptances_no_update"))
    db.session.execute(text("UPDATE mca_acceptances SET hash_key_id = 'forged'"))
    db.session.commit()
    assert verify(app).problems == (
        "row 1: sealed with key id 'forged', which is not configured; add that key to "
        "MCA_LEDGER_OLD_KEYS",)


def test_after_a_key_rotation_rows_sealed_with_the_old_key_still_verify(app, world):
    old_key, new_key = "the-retired-ledger-key-of-2025-xx", "the-current-ledger-key-of-2026-yy"
    record(world, keys=LedgerKeys("k2025", {"k2025": old_key.encode()}))
    app.config.update(MCA_LEDGER_KEY=new_key, MCA_LEDGER_KEY_ID="k2026",
                      MCA_LEDGER_OLD_KEYS=f"k2025:{old_key}")
    newer = record(world, "second@example.com")
    assert newer.hash_key_id == "k2026" and verify(app).problems == ()
    app.config["MCA_LEDGER_OLD_KEYS"] = ""
    assert "key id 'k2025', which is not configured" in verify(app).problems[0]


def legacy_row(world, email: str):
    """A row as the ledger wrote it before it was keyed (unkeyed SHA-256, no key id)."""
    last = db.session.scalar(select(mca.McaAcceptance.row_hash)
                             .order_by(mca.McaAcceptance.id.desc()).limit(1))
    row = mca.McaAcceptance(
        customer_id=world.direct.id, recorded_by_id=world.direct_user.id,
        acting_as="customer_user", signer_first_name="Ada", signer_last_name="Lovelace",
        signer_email=email, template_id="tpl-0", agreement_version="tpl-0",
        signer_phone="", date_agreed=date(2025, 1, 2), recorded_at=datetime(2025, 1, 2, tzinfo=UTC),
        ip="", user_agent="", prev_hash=last or mca.GENESIS, hash_scheme="sha256",
        hash_key_id="")
    row.row_hash = plain_sha256(row)
    db.session.add(row)
    db.session.commit()
    return row


def test_rows_written_before_the_key_verify_only_as_many_as_the_operator_vouches_for(
        app, world):
    legacy_row(world, "first@example.com")
    legacy_row(world, "second@example.com")
    report = verify(app, legacy_allowed=2)
    assert report.problems == () and report.legacy_rows == 2
    assert "only a signed head protects them" in report.legacy_note
    assert len(verify(app, legacy_allowed=1).problems) == 1
    record(world)  # the first keyed row seals the legacy rows' hashes as well
    assert verify(app, legacy_allowed=2).legacy_anchored


def test_the_cli_says_plainly_what_legacy_rows_prove(app, world):
    legacy_row(world, "first@example.com")
    app.config["MCA_LEDGER_LEGACY_ROWS"] = "1"
    result = app.test_cli_runner().invoke(args=["mca", "verify"])
    assert result.exit_code == 0, result.output
    assert "sealed with unkeyed SHA-256" in result.output


def test_an_unkeyed_row_after_keyed_ones_is_a_rewrite(app, world):
    record(world)
    legacy_row(world, "late@example.com")
    assert verify(app, legacy_allowed=5).problems == (
        "row 2: sealed without the key after keyed rows (rewritten)",)


def settings_of(cls) -> dict:
    return {name: getattr(cls, name) for name in dir(cls) if name.isupper()}


# Every other setting a production start needs, borrowed from the test settings.
OTHERWISE_COMPLETE = {name: value for name, value in settings_of(TestingConfig).items()
                      if not name.startswith("MCA_LEDGER") and name != "TESTING"}


def test_production_refuses_to_start_without_the_ledger_key():
    production = type("ProductionWithoutLedgerKey", (ProductionConfig,),
                      OTHERWISE_COMPLETE | {"ENV_NAME": "production", "MCA_LEDGER_KEY": ""})
    with pytest.raises(ConfigError, match="MCA_LEDGER_KEY is not set.*secrets.token_hex"):
        create_app(production)


@pytest.mark.parametrize(("settings", "message"), [
    ({"MCA_LEDGER_KEY": "short-secret"}, "MCA_LEDGER_KEY: a ledger key needs at least 32"),
    ({"MCA_LEDGER_KEY_ID": "k 1"}, "MCA_LEDGER_KEY_ID: a key id is"),
    ({"MCA_LEDGER_OLD_KEYS": "just-a-secret-without-its-id-0000000"},
     "MCA_LEDGER_OLD_KEYS: write each retired key as id:key"),
    ({"MCA_LEDGER_OLD_KEYS": "test:another-ledger-key-long-enough-0000"}, "used twice"),
    ({"MCA_LEDGER_LEGACY_ROWS": "some"}, "MCA_LEDGER_LEGACY_ROWS must be a whole number")])
def test_malformed_ledger_settings_are_refused_with_the_variable_to_fix(settings, message):
    with pytest.raises(ConfigError, match=message) as refused:
        validate(settings_of(TestingConfig) | settings)
    assert not any(key in str(refused.value) for key in (
        "short-secret", "just-a-secret-without-its-id-0000000",
        "another-ledger-key-long-enough-0000"))  # a key is never echoed


def test_development_runs_on_a_fixed_clearly_labelled_dev_key():
    app = create_app({"SECRET_KEY": "x"})  # STOREFRONT_ENV unset: development
    assert app.config["MCA_LEDGER_KEY"].startswith("dev-only-not-secret")
    assert app.config["MCA_LEDGER_KEY_ID"] == "dev"
