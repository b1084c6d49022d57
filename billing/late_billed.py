"""B6 with B2/B3: a change made in Partner Center that the hourly sync saw only in a later
month is billed by our run of that later month (billing.charges, `_seen_late`), still from
its own day: its own pair (`add|remove|convert:<event id>:refund|charge`) and a catch-up
for each cycle a run charged at the old count (`…:<YYYY-MM-DD>:refund|charge`,
billing.catch_ups). Microsoft knew the change in time: it bills the pair in the month of
the change (the line's order date) and the cycle, at the new count, in the month the cycle
began (common-billing-scenarios-onetime-recurring), on an invoice the later month's
comparison never reads.

So a seat change's charge is reconciled with Microsoft's month, the month its period
begins in, whichever month billed it here:
- reconciling a month also takes the seat-change charges later months billed whose period
  begins in it; they join the month's groups (a catch-up with its cycle's charge) and the
  row says which months billed the group here (billing.matching);
- reconciling the later month leaves them out of its comparison and lists them, naming the
  month whose reconciliation compares them (`ItemKind.RECONCILED_EARLIER`).
Both follow from the ledger alone, never from another run, so a re-run gives the same
result whichever month was reconciled first. The storefront's own seat changes are billed
in their own month, and every other charge is reconciled with the month that billed it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, or_

from billing.matching import Finding, Key, OurGroup
from billing.models import Charge
from billing.periods import month_of, parse_month
from billing.reconciliation_models import ItemKind

SEAT_CHANGES = ("add:", "remove:", "convert:")  # source keys of seat changes (charges.py)
# ...and of charge cycles: a cycle is billed here in a later month than it began only when
# the sync learnt of its subscription after a run had charged its day (billing.missed_cycles),
# while Microsoft billed it in the month it began.
REDATED = (*SEAT_CHANGES, "sub:")


def billed_later(month: str) -> ColumnElement[bool]:
    """Seat-change and cycle charges billed in a month after `month` whose period begins
    in it."""
    first, last = parse_month(month)
    return and_(Charge.billing_month > month, Charge.period_start.between(first, last),
                or_(*(Charge.source.startswith(prefix) for prefix in REDATED)))


def microsoft_month(source: str, period_start: date, billing_month: str) -> str:
    """The month whose invoice Microsoft bills a charge on, as far as matching needs it: a
    seat change's or a cycle's is the month its period begins in, any other's the month
    billing it."""
    return month_of(period_start) if source.startswith(REDATED) else billing_month


def reconciled_earlier(groups: dict[Key, OurGroup]) -> list[Finding]:
    """The rows of a month's charges that an earlier month's reconciliation compares
    (`groups` by key, each knowing its Microsoft month): listed, not compared here."""
    return [Finding(ItemKind.RECONCILED_EARLIER, k, Decimal(g.quantity), None,
                    g.expected(Decimal(1)), None, g.currency,
                    f"{g.months_note}: reconciled in {g.microsoft_month}"[:300], g, None)
            for k, g in sorted(groups.items(),
                               key=lambda kv: (kv[0].subscription, kv[0].start or date.min))]
