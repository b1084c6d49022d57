"""B4: invoice numbers without gaps, per issuer and series.

A number is taken inside the transaction that inserts the invoice: the sequence row is
created if missing, then raised by one with an UPDATE, which locks it (a row lock on
PostgreSQL, the database's write lock on SQLite) until that transaction ends. A second run
waits; if the first rolls back, its number goes back with it. So numbers are consecutive
and never used twice, however many runs race.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from billing.models import InvoiceSequence
from persistence import db

PREFIXES = {"invoice": "INV", "credit_note": "CN"}


def take_number(issuer: str, kind: str, issued: date) -> str:
    """The next number of this issuer's series for this kind, e.g. INV-2026-000042. Holds
    the series' lock until the caller commits or rolls back."""
    series = f"{issuer}:{kind}"
    table = InvoiceSequence.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(table).values(issuer=series, next_number=1)
                       .on_conflict_do_nothing(index_elements=["issuer"]))
    db.session.execute(update(table).where(table.c.issuer == series)
                       .values(next_number=table.c.next_number + 1))
    taken = db.session.scalar(select(table.c.next_number).where(table.c.issuer == series)) - 1
    return f"{PREFIXES[kind]}-{issued.year}-{taken:06d}"
