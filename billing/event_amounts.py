"""B2/B3 with B5: what billing charges or credits for each seat change in a subscription's
history, the storefront's own (from its page or the API, an order's extra licences, an
upgrade, R4) and those the hourly sync saw made in Partner Center (with a cancellation
there), so the history states the figure the invoice carries.

No figure is priced by a rule of its own: a change a run charged already is read from its
charges (by their source keys); one not charged yet is priced by the run's own code
(billing.event_charges.event_charges), as the next run will charge it. The sum of its charges is
stated, net of tax as the invoice's lines are: a seat change is Microsoft's pair (the old
seats refunded, the new count charged), a cancellation its credit. A reseller's end
customer reads the charges restated at retail, as its reseller re-invoices them
(billing.reinvoice), and none where no retail price is known (never the reseller's price);
everyone else the invoice's own figure. The storefront's own cancellation states its refund
in its own words, as the cancel page promised it (subscriptions.services).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from billing.billed import billed_subscriptions
from billing.billed_history import SEAT_CHANGES, cancellation_days
from billing.charge_rows import COLUMNS
from billing.event_charges import event_charges
from billing.models import Charge
from billing.reinvoice import retail_amount
from persistence import db
from subscriptions.models import Subscription

SEEN_IN = "partner_center"  # subscriptions.seen_changes marks the sync's events so


@dataclass(frozen=True)
class EventAmount:
    """One change's net figure: positive charged, negative credited, in its currency."""

    amount: Decimal
    currency: str


def event_amounts(sub: Subscription, *, retail: bool = False) -> dict[int, EventAmount]:
    """By event id, the figure billing charges for each seat change, and each change made in
    Partner Center, that it bills (`retail`: as the reseller re-invoices its end customer,
    B1)."""
    events = [e for e in sub.events if e.kind in SEAT_CHANGES
              or (e.data or {}).get("seen_in") == SEEN_IN]
    billed = next(billed_subscriptions(None, None, cancellation_days({sub.id}), ids={sub.id}),
                  None) if events else None
    if billed is None:
        return {}
    found = {}
    for event in events:
        charges = _charges(sub, event_charges(billed, event))
        # B1: never the reseller's price for its end customer, where no retail is known
        unknown = retail and any(c.retail_unit_price is None for c in charges)
        if charges and not unknown:
            found[event.id] = EventAmount(
                sum((retail_amount(c) if retail else c.amount for c in charges), Decimal(0)),
                charges[0].currency)
    return found


def _charges(sub: Subscription, rows: list[tuple]) -> list[Charge]:
    """The event's charges: those on the ledger already, the others as a run would add them
    (unsaved, never added to the session)."""
    if not rows:
        return []
    sources = [row[0] for row in rows]
    charged = {c.source: c for c in db.session.scalars(
        select(Charge).where(Charge.source.in_(sources)))}
    return [charged.get(row[0]) or _unsaved(sub, row) for row in rows]


def _unsaved(sub: Subscription, row: tuple) -> Charge:
    charge = Charge(**dict(zip(COLUMNS[:-1], row, strict=True)))
    charge.subscription = sub  # the re-invoice prorates retail over its charge cycle
    return charge

