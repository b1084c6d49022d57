"""Write a new order, its lines, its first history entry and its job: four INSERTs.

#27: the unit of work spent more CPU sorting and tracking four new objects than the
INSERTs themselves cost. Each table is written by one prebuilt INSERT instead, the column
defaults applying as in a flush. The order, its lines and its event come back from
RETURNING every column, made into objects persistent in the session with the order's
collections set: the buyer's answer is exactly what was written and needs no SELECT.
No mapper event fires for these rows; none of these models has one (the append-only
ledgers, persistence/append_only.py, are other tables).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Insert, insert, inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from orders.models import Order, OrderEvent, OrderLine, OrderStatus, ProvisioningJob
from persistence import db


class _Table:
    """A model's INSERT … RETURNING and how its returned row becomes the model's object."""

    def __init__(self, model: type) -> None:
        table = model.__table__
        self.model = model
        self.insert: Insert = insert(table).returning(*table.c, sort_by_parameter_order=True)
        # attribute name -> column (an attribute may be named apart from its column)
        self.attributes = [(prop.key, prop.columns[0]) for prop in inspect(model).column_attrs]

    def write(self, rows: list[dict]) -> list:
        """Insert the rows and return them as persistent objects, in the same order."""
        return [self._persistent(row._mapping)
                for row in db.session.execute(self.insert, rows).all()]

    def _persistent(self, values) -> object:
        found = self.model(**{key: values[column] for key, column in self.attributes})
        make_transient_to_detached(found)  # as if loaded: no pending change, no flush
        db.session.add(found)
        return found


@cache  # built on first use, when every model is mapped
def _tables() -> dict[type, _Table]:
    return {model: _Table(model) for model in (Order, OrderLine, OrderEvent)}


@cache
def _job() -> Insert:
    """The job's row only: nothing in the answer shows it, so no object is made for it
    (`order.job` loads it when something asks)."""
    return insert(ProvisioningJob.__table__)


def insert_order(order: dict, lines: list[dict], note: str) -> Order:
    """Insert a submitted order (its column values) with its lines, its history entry
    `note` (what Order.record writes) and a queued provisioning job, in the caller's
    transaction; the order comes back persistent with its lines and events loaded."""
    tables = _tables()
    [placed] = tables[Order].write([{**order, "status": OrderStatus.SUBMITTED,
                                     "status_reason": note, "next_step": ""}])
    written = tables[OrderLine].write([{**line, "order_id": placed.id} for line in lines])
    events = tables[OrderEvent].write([{"order_id": placed.id,
                                        "status": OrderStatus.SUBMITTED, "note": note}])
    db.session.execute(_job(), {"order_id": placed.id})
    set_committed_value(placed, "lines", written)
    set_committed_value(placed, "events", events)
    return placed
