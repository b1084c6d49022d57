"""The plan a database makes for one statement, on SQLite and PostgreSQL alike, for tests
that a read at scale goes through its index."""

from __future__ import annotations

from persistence import db


def plan_of(statement: str, parameters=()) -> str:
    """The plan of `statement` (driver SQL, with its driver parameters), as text; the
    session's transaction is rolled back after."""
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        found = "\n".join(row[-1] for row in rows)
    else:
        # An empty table is cheapest read whole: ask which plan the index makes possible.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        found = "\n".join(row[0] for row in rows)
    db.session.rollback()
    return found
