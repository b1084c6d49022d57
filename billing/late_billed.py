"""B6 with B2/B3: a change made in Partner Center that the hourly sync saw only in a later
month is billed by our run of that later month (billing.charges, `_seen_late`), still from
its own day: its own pair (`add|remove|convert:<event id>:refund|charge`) and a catch-up
for each cycle a run charged at the old count (`…:<YYYY-MM-DD>:refund|charge`,
billing.catch_ups). Microsoft knew the change in time: it bills the pair in the month of
the change (the line's order date) and the cycle, at the new count, in the month the cycle
began (common-billing-scenarios-onetime-recurring), on an invoice the later month's
comparison never reads.

A cancellation seen late is credited the same way (`cancel:sub:<id>`, from its day, which
the sync dates inside its window, subscriptions.seen_changes) with each later cycle a run
charged before the sync saw it credited whole (`cancel:sub:<id>:<YYYY-MM-DD>`): Microsoft
credits the cancellation in its month and never bills those cycles, so each credit belongs
to the month its period begins in too, a later cycle's with that cycle's charge
(billing.catch_ups), where the two net to nothing. Only a credit prorated from the
cancellation's day tells that day: one of a whole cycle (S3's 24 hours, S6's perpetual
software) may begin well before the cancellation, and stays with the month that billed it
(a cancellation seen late is past its first 24 hours: the sync dates it its window's last
moment).

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
# ...of charge cycles: a cycle is billed here in a later month than it began only when the
# sync learnt of its subscription after a run had charged its day (billing.missed_cycles),
# while Microsoft billed it in the month it began; and of cancellations' credits.
CANCELLATION = "cancel:"
REDATED = (*SEAT_CHANGES, "sub:", CANCELLATION)


def billed_later(month: str) -> ColumnElement[bool]:
    """Seat-change, cycle and cancellation charges billed in a month after `month` whose
    period begins in it (a whole cancellation credit among them is not reconciled with it:
    `microsoft_month`)."""
    first, last = parse_month(month)
    return and_(Charge.billing_month > month, Charge.period_start.between(first, last),
                or_(*(Charge.source.startswith(prefix) for prefix in REDATED)))


def microsoft_month(charge: Charge) -> str:
    """The month whose invoice Microsoft bills a charge on, as far as matching needs it: a
    seat change's, a cycle's and a cancellation's credit's is the month its period begins
    in, any other's (and a cancellation's credited whole) the month billing it."""
    if not charge.source.startswith(REDATED) or _whole_cancellation(charge):
        return charge.billing_month
    return month_of(charge.period_start)


def _whole_cancellation(charge: Charge) -> bool:
    """The credit of a cancellation giving back its cycle whole (S3's 24 hours, S6), whose
    period begins on the cycle's first day, not the cancellation's."""
    return (charge.source.startswith(CANCELLATION) and charge.source.count(":") == 2
            and charge.effective_unit_price == charge.unit_price)


def reconciled_earlier(groups: dict[Key, OurGroup]) -> list[Finding]:
    """The rows of a month's charges that an earlier month's reconciliation compares
    (`groups` by key, each knowing its Microsoft month): listed, not compared here."""
    return [Finding(ItemKind.RECONCILED_EARLIER, k, Decimal(g.quantity), None,
                    g.expected(Decimal(1)), None, g.currency,
                    f"{g.months_note}: reconciled in {g.microsoft_month}"[:300], g, None)
            for k, g in sorted(groups.items(),
                               key=lambda kv: (kv[0].subscription, kv[0].start or date.min))]
