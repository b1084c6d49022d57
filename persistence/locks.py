"""Locks that hold on both databases while a check reads what a write then relies on."""

from __future__ import annotations

import hashlib

from sqlalchemy import Executable, Result, text

from persistence import db


def locked(statement: Executable) -> Result:
    """Execute `statement` (a SELECT ... FOR UPDATE) so that what it and the rest of the
    transaction read stays as read until the commit: two requests checking the same thing
    (an invoice's balance, a user's token count) then take turns.

    PostgreSQL locks the rows read. SQLite has no row locks and drops FOR UPDATE, and
    pysqlite opens a transaction only at the first write, so reads before it run outside
    any transaction: both requests would read, then both write, one after the other. The
    database's write lock is taken first instead (BEGIN IMMEDIATE; a racing request waits
    for our commit), unless this transaction holds it already, having written."""
    if _sqlite():
        _write_lock()
    return db.session.execute(statement)


def locked_name(name: str) -> None:
    """Hold the lock called `name` until the commit, for a check that reads no row both
    requests could lock (the highest number in use; whether any enrollment holds a
    subscription): requests taking the same name take turns. PostgreSQL takes a
    transaction-level advisory lock on a 64-bit digest of the name; SQLite its write lock,
    as `locked` does."""
    if _sqlite():
        _write_lock()
        return
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                       {"key": int.from_bytes(digest, "big", signed=True)})


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _write_lock() -> None:
    connection = db.session.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
