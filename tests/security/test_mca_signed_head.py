"""Signed head statements, kept outside the database, catch what the keyed chain alone
cannot: a deleted tail, and a rewrite by someone who holds the key."""

from __future__ import annotations

import json
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select, text

from agreements import heads, mca
from agreements.keys import from_config
from agreements.tasks import export_head_task
from persistence import db
from tests.conftest import login

SIGNED_AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def head_dir(app, tmp_path) -> Path:
    app.config["MCA_HEAD_DIR"] = str(tmp_path / "heads")
    return tmp_path / "heads"


def record(world, email: str):
    return mca.record_acceptance(
        customer=world.direct, user=world.direct_user,
        signer=mca.Signer("Ada", "Lovelace", email), template_id="tpl-1", version="tpl-1",
        date_agreed=date(2026, 11, 23))


@pytest.fixture
def ledger(world):
    return [record(world, f"signer{n}@example.com") for n in range(3)]


def mca_cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["mca", *args])


def sign_head(app) -> Path:
    with time_machine.travel(SIGNED_AT, tick=False):
        result = mca_cli(app, "head")
    assert result.exit_code == 0, result.output
    return Path(result.output.rsplit(" ", 1)[1].strip())


def test_the_head_command_writes_a_signed_0600_statement_without_the_key(app, ledger,
                                                                         head_dir):
    path = sign_head(app)
    assert path.parent == head_dir and path.name == "mca-head-20261201T020000000000Z.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(head_dir.stat().st_mode) == 0o700
    statement = json.loads(path.read_text())
    assert {k: statement[k] for k in ("rows", "last_id", "last_row_hash", "at", "key_id")} == {
        "rows": 3, "last_id": ledger[-1].id, "last_row_hash": ledger[-1].row_hash,
        "at": "2026-12-01T02:00:00Z", "key_id": "test"}
    assert app.config["MCA_LEDGER_KEY"] not in path.read_text()
    result = mca_cli(app, "verify", "--head", str(path))
    assert result.exit_code == 0, result.output
    assert "It matches the head signed at 2026-12-01T02:00:00Z (3 rows" in result.output


def drop_triggers() -> None:
    for action in ("update", "delete"):
        db.session.execute(text(f"DROP TRIGGER mca_acceptances_no_{action}"))


def test_cutting_the_tail_after_a_head_export_is_caught_by_verify_head(app, ledger, head_dir):
    path = sign_head(app)
    drop_triggers()
    db.session.execute(text("DELETE FROM mca_acceptances WHERE id = :id"), {"id": ledger[-1].id})
    db.session.commit()
    assert mca_cli(app, "verify").exit_code == 0  # the shorter chain is intact on its own
    result = mca_cli(app, "verify", "--head", str(path))
    assert result.exit_code == 1
    assert ("the ledger holds 2 rows but the head signed at 2026-12-01T02:00:00Z counted 3: "
            "rows were removed") in result.output


def test_a_rewrite_by_someone_holding_the_key_is_caught_by_the_earlier_head(app, ledger,
                                                                            head_dir):
    sign_head(app)
    keys = from_config(app.config)
    drop_triggers()
    rows = db.session.scalars(select(mca.McaAcceptance).order_by(mca.McaAcceptance.id)).all()
    db.session.expunge_all()
    rows[0].signer_email, prev = "evil@example.com", mca.GENESIS
    for row in rows:  # re-sealed with the real key: the chain alone cannot tell
        row.prev_hash = prev
        row.row_hash = prev = row.compute_hash(keys)
        db.session.execute(text("UPDATE mca_acceptances SET signer_email = :e, prev_hash = :p, "
                                "row_hash = :h WHERE id = :id"),
                           {"e": row.signer_email, "p": row.prev_hash, "h": row.row_hash,
                            "id": row.id})
    db.session.commit()
    assert mca_cli(app, "verify").exit_code == 0
    result = mca_cli(app, "verify", "--head", str(head_dir))  # a directory: every statement
    assert result.exit_code == 1 and "history was rewritten" in result.output


@pytest.mark.parametrize(("field", "value"), [("rows", 2), ("last_row_hash", "0" * 64),
                                             ("at", "2027-01-01T00:00:00Z")])
def test_a_tampered_head_statement_is_rejected(app, ledger, head_dir, field, value):
    path = sign_head(app)
    statement = json.loads(path.read_text())
    path.write_text(json.dumps(statement | {field: value}))
    result = mca_cli(app, "verify", "--head", str(path))
    assert result.exit_code == 1
    assert "the signature does not match: the statement was altered" in result.output


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "not a head statement (not JSON)"),
    ('{"format": "something else"}', "not an MCA head statement"),
    ('{"format": "mca-head:v1", "rows": 1}', "not a complete head statement"),
    ('{"format": "mca-head:v1", "rows": "1", "last_id": 1, "last_row_hash": "x", "at": "",'
     ' "key_id": "test", "signature": "y"}', "malformed")])
def test_a_file_that_is_no_head_statement_gets_a_clear_message(app, tmp_path, content,
                                                               message):
    path = tmp_path / "head.json"
    path.write_text(content)
    result = mca_cli(app, "verify", "--head", str(path))
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output


def test_a_head_signed_with_a_key_no_longer_configured_names_the_key_id(app, ledger,
                                                                        head_dir):
    path = sign_head(app)
    app.config.update(MCA_LEDGER_KEY="a-newer-ledger-key-after-rotation-0", MCA_LEDGER_KEY_ID="k2")
    result = mca_cli(app, "verify", "--head", str(path))
    assert result.exit_code == 1
    assert "signed with key id 'test', which is not configured" in result.output


def test_the_daily_job_writes_a_head_statement_to_the_configured_directory(app, ledger,
                                                                           head_dir):
    with time_machine.travel(SIGNED_AT, tick=False):
        written = Path(export_head_task.apply().get())
    assert written.parent == head_dir
    head = heads.read(written, from_config(app.config))
    assert (head.rows, head.last_id, head.at) == (3, ledger[-1].id, "2026-12-01T02:00:00Z")


def test_an_empty_ledger_has_a_head_too(app, world, head_dir):
    path = sign_head(app)
    assert json.loads(path.read_text())["rows"] == 0
    assert mca_cli(app, "verify", "--head", str(path)).exit_code == 0


def test_the_admin_page_shows_the_latest_head_and_whether_the_ledger_still_matches(
        client, app, world, ledger, head_dir):
    login(client, world.admin)
    assert "No signed head statement yet" in client.get("/admin/mca").get_data(as_text=True)
    sign_head(app)
    page = client.get("/admin/mca").get_data(as_text=True)
    assert "Latest signed head: 2026-12-01T02:00:00Z, 3 rows" in page and "matches" in page
    drop_triggers()
    db.session.execute(text("DELETE FROM mca_acceptances WHERE id = :id"), {"id": ledger[-1].id})
    db.session.commit()
    page = client.get("/admin/mca").get_data(as_text=True)
    assert "does not match" in page and "rows were removed" in page

