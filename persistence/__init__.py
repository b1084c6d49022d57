"""Persistence basics every package shares: the SQLAlchemy `db` object, the `Money` column
type, `utcnow` and the id and amount limits. A leaf: it imports no blueprint and no
domain package, so any package may build its models on it."""

from datetime import UTC, datetime
from decimal import Decimal

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Numeric, String
from sqlalchemy.types import TypeDecorator

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
# The largest id PostgreSQL's integer holds: a larger one cannot name a row, and asking
# for it would be an error there (SQLite would just find nothing), so callers say 404.
MAX_ID = 2**31 - 1


def row_id(raw: str | None) -> int | None:
    """The id a typed or posted string names: ASCII digits only, and few, up to MAX_ID;
    None otherwise. int() refuses "²" and strings past 4,300 digits (a 500), and SQLite
    cannot bind an id past its 64-bit integer."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_ID)):
        value = int(raw)
        return value if value <= MAX_ID else None
    return None


# The largest amount a Money column holds (NUMERIC(14, 4)): forms bound their input by it.
MAX_MONEY = Decimal("9999999999.9999")


class Money(TypeDecorator):
    """Exact decimal money: NUMERIC on PostgreSQL, text on SQLite (which has no decimal type
    and would round through floats)."""

    impl = Numeric(14, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(14, 4))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value).quantize(Decimal("0.0001"))
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


def utcnow() -> datetime:
    """The current UTC time; column defaults call it per row, never once at import."""
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored timestamp as aware UTC: SQLite hands back naive datetimes, which are UTC."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment
