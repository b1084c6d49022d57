"""SQLite database files (the store's, and Celery's broker and results) are created readable
by their owner only (0600): they hold customers, orders and password hashes. SQLite itself
creates a missing file with the process's umask, usually 0644, and gives its journal and
WAL files the database file's mode, so creating the file first is enough."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PRIVATE = 0o600
CELERY_PREFIXES = ("sqla+", "db+")  # kombu's SQLAlchemy broker, Celery's database results


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (also in Celery's forms); None for memory or any other."""
    for prefix in CELERY_PREFIXES:
        url = url.removeprefix(prefix)
    try:
        parsed = make_url(url)
    except ArgumentError:  # a broker URL SQLAlchemy cannot read, e.g. "memory://"
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") \
            or parsed.query.get("uri"):  # a file: URI may name a shared in-memory database
        return None
    return Path(parsed.database)


def create_private(urls: Iterable[str]) -> None:
    """Create each SQLite file 0600 before SQLite does; tighten one we own made earlier."""
    for path in filter(None, map(sqlite_file, urls)):
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE))  # never truncates
        status = path.stat()
        if status.st_mode & 0o077 and status.st_uid == os.getuid():
            path.chmod(PRIVATE)
