"""R4 with B3/B4: a subscription an upgrade made in Partner Center, charged by a run as a
purchase of its own before the sync saw its source's upgrade, is billed once for its seats.

The sync may adopt the subscription an upgrade made before it sees the upgrade on the
source (Partner Center did not answer the source's transitions: subscriptions.sync). It is
then a purchase of its own, and a run may charge its cycles from its own first day (`new`
on the upgrade's day, and on). When a later pass sees the upgrade, the row becomes the
conversion's target (subscriptions.moved_in), and Microsoft bills the move once: the
conversion (`convert`) to the end of the source's running cycle, then cycles on the
source's dates. So the run that charges the conversion gives back, whole, each cycle it
charged on a date the upgrade's subscription has no cycle of: a credit of that cycle's own
charge type and period (`convert:<event id>:<YYYY-MM-DD>:refund`, billing.charges), which
reaches the buyer as a credit note naming the invoice that charged it (billing.corrections,
B4). Microsoft's reconciliation then finds the conversion it billed, line for line, and
the purchase's cycle netting to nothing beside it (billing.matching). Charging only the
difference instead would leave a `convert` line that agrees with none of Microsoft's and
the purchase's `new` unmatched.

A cycle the upgrade's subscription has too (bought on the source's day of the month, after
the upgrade's day) was charged at the seats the mirror held, as a run would charge it now:
it stays.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from billing.billed import Billed, charge_cycle
from billing.models import Charge
from persistence import db


def charged_as_a_purchase(sub: Billed) -> list[Charge]:
    """The cycle charges of a subscription an upgrade made that it does not owe as the
    upgrade's (none for any other subscription), oldest first."""
    if sub.converted_on is None:
        return []
    cycles = db.session.scalars(select(Charge).where(
        Charge.subscription_id == sub.id, Charge.source.like(f"sub:{sub.id}:%"),
        Charge.quantity > 0).order_by(Charge.period_start)).all()
    return [cycle for cycle in cycles if not _owed(sub, cycle.period_start)]


def _owed(sub: Billed, start: date) -> bool:
    """Whether the upgrade's subscription has a cycle starting that day: on the source's
    dates, after the upgrade's day (the conversion charges the cycle holding it)."""
    return start > sub.converted_on and charge_cycle(sub, start).start == start
