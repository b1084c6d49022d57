"""Files holding data or secrets are created readable by their owner only (0600): the
SQLite databases (the store's, Celery's broker and results), the sandbox's state and the
msal token cache. They followed the umask (0644: readable by every local user)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from config.settings import TestingConfig
from connectors.partner_center.sandbox.__main__ import build
from persistence import db
from storefront import create_app
from tests.connectors.test_pc_auth import _provider, entra  # noqa: F401 -- the fixture


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask():
    """The usual umask, whatever the machine running the tests has."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_sqlite_databases_are_created_0600_with_their_wal_files(tmp_path):
    files = {name: tmp_path / "instance" / f"{name}.sqlite"
             for name in ("store", "broker", "results")}
    settings = type("OnFiles", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{files['store']}",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{files['broker']}",
        "CELERY_RESULT_BACKEND": f"db+sqlite:///{files['results']}"})
    app = create_app(settings)
    with app.app_context():
        db.session.execute(text("PRAGMA journal_mode=WAL"))
        db.create_all()
        db.session.commit()
        wal = files["store"].with_name("store.sqlite-wal")
        assert wal.exists() and mode(wal) == 0o600
        db.session.remove()
        db.engine.dispose()
    assert {name: mode(path) for name, path in files.items()} == dict.fromkeys(files, 0o600)


def test_a_database_file_left_readable_by_an_older_version_is_tightened(tmp_path):
    store = tmp_path / "store.sqlite"
    store.touch(mode=0o644)
    create_app(type("OnFile", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI":
                                                 f"sqlite:///{store}"}))
    assert mode(store) == 0o600


def test_the_sandbox_state_file_is_written_0600(tmp_path):
    state = tmp_path / "sandbox-state.json"
    sandbox = build(state)
    sandbox.changed()
    assert state.exists() and mode(state) == 0o600


def test_a_state_file_left_readable_is_replaced_by_a_private_one(tmp_path):
    state = tmp_path / "sandbox-state.json"
    state.write_text("{}")
    state.chmod(0o644)
    sandbox = build(state)
    sandbox.changed()
    assert mode(state) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox-state.json"]


def test_the_msal_token_cache_is_written_0600(entra, tmp_path):  # noqa: F811
    provider = _provider(tmp_path)
    provider.token("user")
    cache = tmp_path / "cache.json"
    assert "rotated-refresh" in cache.read_text() and mode(cache) == 0o600
