"""B1–B3: the charges one billing month owes, derived from what happened, each exactly once.

Every charge carries a `source`, the unique key of the event it bills, so a run repeated
(or two runs at once) meets the key and adds nothing:

- ``sub:<id>:<YYYY-MM-DD>``: a charge cycle starting that day (B1): ``new`` at purchase,
  ``renew`` at the start of a later term, ``cycleCharge`` for the next month (or year) of
  a term billed more often than once, ``oneTime`` for perpetual software. A cycle of a
  subscription the sync adopted (or linked as an upgrade's target) after a run charged
  its day is charged, under the same key, by the run of the month it was seen in
  (billing.missed_cycles).
- ``add:<event id>:refund|charge``: seats added mid-term (B2), Microsoft's "wipe and
  recreate": the old seat count refunded and the new one charged, from the day of the
  change to the end of the charge cycle.
- ``remove:<event id>:refund|charge``: seats removed within their 7 days (B3), the same
  pair with ``removeQuantity``.
- ``add|remove|convert:<event id>:<YYYY-MM-DD>:refund|charge``: a change made in Partner
  Center before a charge cycle starting that day, which a run charged at the old count
  before the hourly sync saw the change: the same pair for that whole cycle, so the cycle
  is charged at the count Partner Center held (B2/B3).
- ``convert:<event id>:refund|charge``: seats an upgrade moved (R4), Microsoft's conversion
  (``convert``): the same pair on the source (its seats before refunded, those left
  charged) and on the subscription they moved into, to the end of the source's running
  cycle, which the new subscription shares (coterminous with its source); a side with no
  seats has no line. On a new subscription a run charged as a purchase of its own before
  the sync saw the upgrade, ``convert:<event id>:<YYYY-MM-DD>:refund`` gives back whole
  the cycle charged as a purchase starting that day (billing.made_by_upgrade).
- ``cancel:sub:<id>``: the cancellation credit (B3, S3/S6): exactly the quote the page
  showed and the cancellation stored, never recomputed (one the sync adopted already
  cancelled is credited only where its cycles are billed here, subscriptions.
  adopted_cancelled); ``cancel:sub:<id>:<YYYY-MM-DD>``:
  a later cycle a run charged before the sync saw a cancellation made in Partner Center
  before it began, credited whole.
- ``support:<request id>``: a refund the provider approved by support request where online
  cancellation is refused (S3/S5/S6): the amount approved, as a ``customerCredit`` for the
  charge period it gives back (the latest one charged by the day of the approval).

The buyer's price is the unit price on the order line, which is what the storefront showed
the buyer, until a renewal: from its day on, the renewed term's price the sync recorded (the
one the renewal reminder promised, R1/R2), over cycles counted from the renewal. Either is
retail for a direct customer, the provider's price to the reseller (cost plus
its markup) for a reseller's customer; `retail_unit_price` adds the end customer's retail
price to a reseller's charges for its own re-invoicing. Charge types, cycles and proration:
https://learn.microsoft.com/en-us/partner-center/billing/common-billing-scenarios-onetime-recurring
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from billing import bulk
from billing.charge_rows import batches, insert_missing
from billing.cycle_charges import cycle_in_month, month_cycle_charges
from billing.event_charges import month_event_charges
from billing.models import Charge
from billing.periods import parse_month
from persistence import db


def generate_charges(month: str, today: date) -> int:
    """Add the month's missing charges (in batches, each committed); returns how many.

    Most cycle charges are added by one INSERT … SELECT (billing.bulk); the subscriptions
    whose charge needs more than it knows (seat changes this month, cancellations, a term
    that ends, perpetual software, no order line) are charged row by row
    (billing.cycle_charges), then the month's changes (billing.event_charges)."""
    first, last = parse_month(month)
    before = _count(month)
    bulk.insert_cycle_charges(month, first, min(last, today), cycle_in_month)
    db.session.commit()
    for batch in batches(month_cycle_charges(first, last, today)):
        insert_missing(batch)
        db.session.commit()
    for batch in batches(month_event_charges(first, min(last, today))):
        insert_missing(batch)
        db.session.commit()
    return _count(month) - before


def _count(month: str) -> int:
    return db.session.scalar(select(func.count(Charge.id)).where(Charge.billing_month == month))
