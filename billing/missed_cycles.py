"""B1 with B2 and R4: the charge cycles of a subscription the storefront learnt of only
after a run had charged the days they start on.

A run charges the cycles that start in the month it bills (billing.charges), of the
subscriptions the mirror holds then. One the hourly sync adopts later (bought in Partner
Center on 31 August at 23:30, the sync down until 00:30 on 1 September, August billed at
00:15), or the subscription an upgrade made there that a later pass links to its source
(subscriptions.moved_in), had cycles on days those runs charged without it: no later run
charges a cycle of a month before its own, while Microsoft bills the provider for each. So
its record (the adoption, or the conversion) catches them up, like a late-seen seat change:
the run of the month it was seen in (its `seen_at`) charges each cycle that began, from
its purchase (or after the upgrade's day) on, by the last day a run had charged before
then, under the cycle's own key (`sub:<id>:<YYYY-MM-DD>`): once, whichever run gets there
first, and the history states it (billing.event_amounts).

Only from the first month the storefront billed, and only for a subscription bought while
the storefront held its customer: an import (subscriptions.adoption) brings the provider's
existing base, whose earlier cycles were billed elsewhere, and its records carry no
`seen_at`; a customer linked to a tenant it already had (K11) brings subscriptions the sync
adopts on its first pass, with a `seen_at`, whose cycles until then were billed elsewhere
too, so neither catches anything up.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import select

from billing.models import BillingRun
from billing.periods import month_of, parse_month
from persistence import as_utc, db
from persistence.money import add_months
from subscriptions.held import bought_while_held

ADOPTED = "imported"  # subscriptions.matching: the record of a subscription adopted


def missed_months(seen_at: str | None, since: date) -> Iterator[tuple[date, date]]:
    """Each month holding days runs charged before `seen_at` (the sync's mark), from that of
    `since` on: its first day and the last day those runs had charged in it."""
    if seen_at is None:  # the storefront's own record, or an import's
        return
    seen = datetime.fromisoformat(seen_at)
    charged = [(run.month, run.charged_through) for run in db.session.execute(
        select(BillingRun.month, BillingRun.started_at, BillingRun.charged_through))
        if run.charged_through is not None and as_utc(run.started_at) < seen]
    if not charged:
        return
    start = max(parse_month(min(m for m, _ in charged))[0], since.replace(day=1))
    through = max(day for _, day in charged)
    while start <= through:
        yield start, min(parse_month(month_of(start))[1], through)
        start = add_months(start, 1)


def billed_from_purchase(sub, data: dict) -> bool:
    """Whether the storefront bills an adopted subscription (billing.billed.Billed) from its
    purchase on, by its adoption's (or cancellation's) record `data`: the sync adopted it
    (its mark), bought once the storefront held its customer. An import's, or one bought
    before its customer's tenant was linked, was billed elsewhere until adopted."""
    # The sync's mark first: an import's many records read no customer (no N+1).
    return bool(data.get("seen_at")) and bought_while_held(sub.customer_id, sub.purchased_on)

