"""B6 with B2/B3: a cycle charged before the sync saw a change, and its catch-up, reconcile
as the one line Microsoft bills for that cycle.

A change made in Partner Center before a charge cycle that a run charged at the old count,
and seen by the sync after, is charged for that whole cycle by a catch-up pair
(billing.charges: `add|remove|convert:<event id>:<YYYY-MM-DD>:refund|charge`, the old
count refunded, the new one charged), typed as the seat change: credit notes pick credits
by charge type, so the type stays. Microsoft knew the change when the cycle began and bills
the cycle as one line at the new count, its cycle charge. So, before matching, each
catch-up pair is added to the charge of its cycle (same subscription, same first and last
day): the group then holds the count Microsoft billed, and its parts, each cut to the cent
as Microsoft cuts a line (billing.matching), must sum to Microsoft's line to the cent.
A catch-up whose cycle was not charged in the month reconciled stays a seat change of its
own.

A cancellation seen after a later cycle was charged credits that cycle whole
(`cancel:sub:<id>:<YYYY-MM-DD>`, typed cancelImmediate): Microsoft, which knew of the
cancellation, never billed the cycle, so the credit joins the cycle's charge the same way;
the group nets to nothing, which nothing of Microsoft's matches, and is not listed
(billing.matching), unless Microsoft did bill that cycle.
"""

from __future__ import annotations

import re

from billing.matching import Key, OurGroup
from billing.models import ChargeType

SOURCE = re.compile(r"(?:add|remove|convert):\d+:\d{4}-\d{2}-\d{2}:(?:refund|charge)"
                    r"|cancel:sub:\d+:\d{4}-\d{2}-\d{2}")


def is_catch_up(source: str) -> bool:
    """Whether a charge's source key is a late-seen change's catch-up for a whole cycle (a
    cancellation's: the cycle credited whole)."""
    return SOURCE.fullmatch(source) is not None


def fold(ours: dict[Key, OurGroup], catch_ups: dict[Key, OurGroup]) -> dict[Key, OurGroup]:
    """`ours` with each catch-up group added to its cycle's charge, or kept under its own
    key (with any charge of that key) where the month holds no charge of that cycle."""
    for k, pair in catch_ups.items():
        cycle = _cycle_of(ours, k)
        if cycle is not None:
            cycle.catch_up(pair, k.charge_type)
        elif k in ours:
            ours[k].join(pair)
        else:
            ours[k] = pair
    return ours


def _cycle_of(ours: dict[Key, OurGroup], k: Key) -> OurGroup | None:
    """Our charge of the cycle a catch-up is for: same subscription, same days."""
    return next((ours[c] for c in (Key(k.subscription, kind, k.start, k.end)
                                   for kind in ChargeType.CYCLES) if c in ours), None)
