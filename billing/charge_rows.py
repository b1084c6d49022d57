"""A charge as a row: its columns in order, and rows added in batches, each once (B1-B3:
INSERT ... ON CONFLICT (source) DO NOTHING, so a run repeated adds nothing)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from billing.billed import Billed
from billing.models import Charge
from billing.periods import month_of
from persistence import db, utcnow

BATCH = 2000
COLUMNS = ("source", "buyer_reseller_id", "customer_id", "subscription_id", "order_line_id",
           "pc_subscription_id", "charge_type", "description", "quantity", "unit_price",
           "retail_unit_price", "effective_unit_price", "amount", "currency", "market",
           "period_start", "period_end", "billing_month", "created_at")



def batches(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_missing(rows: list[tuple]) -> None:
    """INSERT … ON CONFLICT (source) DO NOTHING: a charge already there stays as it is.

    Sent to the driver as one executemany with each value passed through its column's own
    bind processing (Money's exact text on SQLite, dates). A month's charges repeat a few
    prices, amounts and days thousands of times, so each distinct value is processed once
    per batch (the memo lives as long as the batch: memory stays flat)."""
    connection = db.session.connection()
    dialect = connection.dialect
    processors = [(i, _memo(process)) for i, name in enumerate(COLUMNS[:-1]) if (
        process := _bind(name, dialect)) is not None]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = (f"INSERT INTO charges ({', '.join(COLUMNS)}) VALUES "  # noqa: S608 - constants
                 f"({', '.join([mark] * len(COLUMNS))}) ON CONFLICT (source) DO NOTHING")
    created = _bind("created_at", dialect)
    now = utcnow()
    now = (created(now) if created else now,)  # the same moment for the whole batch
    params = []
    for row in rows:
        values = list(row)
        for i, process in processors:
            values[i] = process(values[i])
        params.append((*values, *now))
    connection.exec_driver_sql(statement, params)


def _bind(column: str, dialect):
    """The column's bind processing as the ORM applies it: the dialect's own type (Money is
    text on SQLite; the bare TypeDecorator would hand its Numeric impl a float)."""
    type_ = Charge.__table__.c[column].type
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _memo(process):
    """`process` remembering its answer per value (Decimals and dates hash by value)."""
    seen: dict = {}

    def processed(value):
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = process(value)
            return result
        except TypeError:  # unhashable: nothing to remember
            return process(value)

    return processed


def charge_row(sub: Billed, source: str, kind: str, description: str, quantity: int,
            effective: Decimal, amount: Decimal, start: date, end: date, *,
            unit_price: Decimal | None = None, currency: str | None = None,
            month: str | None = None) -> tuple:
    """One charge's values in COLUMNS order (created_at is added when inserted)."""
    return (source, sub.reseller_id, sub.customer_id, sub.id, sub.order_line_id,
            sub.pc_subscription_id, kind, description[:300], quantity,
            sub.unit_price if unit_price is None else unit_price, sub.retail_unit_price,
            effective, amount, currency or sub.currency, sub.market, start, end,
            month or month_of(start))
