"""Locks that hold on both databases while a check reads what a write then relies on."""

from __future__ import annotations

from sqlalchemy import Executable, Result

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
    if db.session.get_bind().dialect.name == "sqlite":
        connection = db.session.connection()
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return db.session.execute(statement)
