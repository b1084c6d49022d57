"""Backups of the storefront's database, checked and restorable.

SQLite (`make run`, small installations): `create` copies the live database with SQLite's
online backup API (a consistent copy while the app keeps running; readers and writers only
wait for the pages being copied); `check` opens the copy read-only and runs
`PRAGMA integrity_check`; `restore` first keeps the current database beside it
(`<file>.before-restore-<time>`) and then copies the backup into it with the same API,
under SQLite's lock, so a process still connected sees either the old or the new database,
never half of each. Stop the web, worker and beat services first all the same: a request
between the two would be lost.

PostgreSQL: `create` runs `pg_dump --format=custom`, `check` runs `pg_restore --list` (the
archive is readable and complete), `restore` runs `pg_restore --clean --if-exists
--no-owner --single-transaction`. Debian's postgresql-client of the server's major version
provides them. The password goes to them in PGPASSWORD, never on the command line.

Keys are not in any backup (MCA_LEDGER_KEY, PRODUCT_KEY_ENCRYPTION_KEY, SECRET_KEY): keep
them with the environment file, or a restored database cannot be verified or decrypted.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
DUMP_TIMEOUT = 3600  # seconds; a dump of years of orders is minutes, not hours


class BackupError(Exception):
    """A backup could not be made, read or restored; the message says what to do."""


@dataclass(frozen=True)
class Checked:
    kind: str  # "sqlite" or "postgresql"
    detail: str


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


def sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("The database is in memory: there is no file to back up.")
    return Path(database)


def create(url: str, target: Path) -> Checked:
    """Write a backup of the database at `url` to `target` (which must not exist)."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name, e.g. one "
                          "with today's date, so no older backup is overwritten.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    if database_kind(url) == "sqlite":
        _sqlite_copy(sqlite_file(url), partial)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial),
              _libpq(url)], url)
    os.chmod(partial, 0o600)  # customers' data: readable by the owner only
    partial.rename(target)  # whole or not at all: a crash leaves only the .partial file
    return check(target)


def check(path: Path) -> Checked:
    """Open a backup and say what it holds; BackupError when it is unreadable."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    with path.open("rb") as backup:
        magic = backup.read(len(SQLITE_MAGIC))
    if magic == SQLITE_MAGIC:
        return _check_sqlite(path)
    if magic.startswith(PG_DUMP_MAGIC):
        listing = _run(["pg_restore", "--list", str(path)], None)
        entries = [line for line in listing.splitlines() if line and not line.startswith(";")]
        return Checked("postgresql", f"pg_restore reads {len(entries)} entries")
    raise BackupError(f"{path} is neither a SQLite database nor a pg_dump custom-format "
                      "archive (made by flask backup create).")


def restore(url: str, path: Path) -> Path | None:
    """Replace the database at `url` with the backup; returns where the SQLite database
    that was replaced is kept (None on PostgreSQL, whose server keeps no such copy)."""
    checked = check(path)
    if checked.kind != database_kind(url):
        raise BackupError(f"{path} is a {checked.kind} backup; the database is "
                          f"{database_kind(url)}.")
    if checked.kind == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--dbname", _libpq(url), str(path)], url)
        return None
    live = sqlite_file(url)
    kept = live.with_name(f"{live.name}.before-restore-"
                          f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
    if live.exists():
        _sqlite_copy(live, kept)
    _sqlite_copy(path, live)
    return kept if live.exists() and kept.exists() else None


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API, page by page under SQLite's own locking."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist.")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    except sqlite3.Error as error:
        raise BackupError(f"Copying {source} failed: {error}.") from error
    finally:
        dst.close()
        src.close()


def _check_sqlite(path: Path) -> Checked:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        tables = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} cannot be read as SQLite: {error}.") from error
    finally:
        connection.close()
    if result != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result}.")
    return Checked("sqlite", f"integrity_check ok, {tables} tables")


def _libpq(url: str) -> str:
    """The URL as libpq reads it: without SQLAlchemy's driver and without the password."""
    parsed: URL = make_url(url)
    return parsed.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)


def _run(command: list[str], url: str | None) -> str:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed: apt-get install postgresql-client "
                          "(the server's major version).")
    env = dict(os.environ)
    password = make_url(url).password if url else None
    if password:
        env["PGPASSWORD"] = str(password)
    done = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=DUMP_TIMEOUT, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")
    return done.stdout
