"""The subscriptions a billing run charges, as billing sees them: who buys, at which price,
since when and until when, streamed in pages by id so memory stays flat however many there
are (100,000 in bench/billing_run.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from accounts.models import Customer
from billing import billed_history as history
from billing.billed_history import EarlierTerm, midnight, utc_day
from catalog.models import Family, Price
from orders.models import OrderLine
from persistence import db
from persistence.money import ChargeCycle, cycle_on, first_term_over
from subscriptions import rules
from subscriptions.conversions import Conversion
from subscriptions.models import Subscription
from subscriptions.services import buyer_unit_price, price_of

PAGE = 2000
NOT_BILLED = ("pending",)  # never provisioned: nothing to charge
ENDED = ("cancelled", "deleted", "expired", "disabled")


@dataclass(slots=True)
class Billed:
    """One subscription as billing sees it: who buys, at what price, and for how long."""

    id: int
    customer_id: int
    reseller_id: int | None
    order_line_id: int | None
    pc_subscription_id: str
    title: str
    perpetual: bool
    months: int  # of one charge cycle
    term_months: int
    quantity: int  # today's
    changes: tuple[tuple[date, int], ...]  # (day, seats before) of this month's changes
    purchased_on: date
    billed_until: date | None  # the last day a cycle may start: the day it was cancelled
    # (a cycle starting that day is charged, then credited by the cancellation, B3), or
    # the term's end when it will not renew; None while it renews
    unit_price: Decimal
    retail_unit_price: Decimal | None
    currency: str
    market: str
    # R6: a co-termed first term is over (the next starts) here: the day after the line's
    # custom_term_end, the customTermEndDate (persistence.money.first_term_over).
    first_term_end: date | None = None
    # R1/B1: its latest renewal's first day and that term's prices (None: the order line's),
    # and the charge cycle, term and prices it was bought with (B2): its order line's, else
    # the bought term the sync kept at its first renewal (imported), else today's.
    renewed_on: date | None = None
    renewed_unit_price: Decimal | None = None
    renewed_retail_unit_price: Decimal | None = None
    first_months: int = 0
    first_term_months: int = 0
    first_unit_price: Decimal | None = None  # None: unit_price
    first_retail_unit_price: Decimal | None = None
    # The renewed terms before the latest, oldest first; read only where a run may bill one
    # (renewed in or after the month billed, or a seat change's day), else ().
    earlier_terms: tuple[EarlierTerm, ...] = ()
    # R4: made by an upgrade that day, coterminous with its source: its bought term's cycles
    # count from the source's (purchased_on, first_term_end); those begun by that day are
    # the source's, the rest of the running one charged as the conversion (billing.charges).
    converted_on: date | None = None
    # B3/S2: seats removed in Partner Center after their 7 days (subscriptions.seen_changes
    # KEPT): (the day they went, the last day they stay billed, how many), each billed on
    # top of the seats held for the cycles between.
    kept_seats: tuple[tuple[date, date, int], ...] = ()

    def quantity_on(self, day: date) -> int:
        """The seats a cycle starting that day is charged for: those it began with (before
        the first change since), and those removed after their window still billed."""
        held = next((before for changed, before in self.changes if changed >= day),
                    self.quantity)
        return held + sum(seats for gone, until, seats in self.kept_seats
                          if gone < day <= until)


def billed_subscriptions(first: date | None, last: date | None, ends: dict[int, date], *,
                         ids: set[int] | None = None, where=None) -> Iterator[Billed]:
    """Every subscription that may owe a charge cycle in the month (or those `ids`; only
    those meeting `where` if given), in pages by id so memory stays flat however many
    there are."""
    query = _billed_query()
    if where is not None:
        query = query.where(where)
    if ids is not None:
        query = query.where(Subscription.id.in_(ids or {0}))
    else:
        query = query.where(Subscription.purchased_at < midnight(last + timedelta(days=1)))
    after = 0
    while True:
        rows = db.session.connection().execute(query.where(Subscription.id > after)
                                               .order_by(Subscription.id).limit(PAGE)).all()
        if not rows:
            return
        quantities = history.quantity_changes(first, [r[0] for r in rows])
        kept = history.kept_seats(first, [r[0] for r in rows])
        earlier = history.earlier_terms(first, rows)
        converted = history.conversions([r[0] for r in rows])
        for row in rows:
            billed = _billed(row, ends.get(row[0]), quantities.get(row[0], ()),
                             earlier.get(row[0], ()), kept.get(row[0], ()))
            yield _converted(billed, converted[row[0]]) if row[0] in converted else billed
        after = rows[-1][0]


def _billed_query():
    return (select(Subscription.id, Subscription.customer_id, Customer.reseller_id,
                   Customer.country, Subscription.order_line_id,
                   Subscription.pc_subscription_id, Subscription.title, Subscription.family,
                   Subscription.billing_cycle, Subscription.term_duration,
                   Subscription.quantity, Subscription.status, Subscription.autorenew,
                   Subscription.purchased_at, Subscription.term_end,
                   Subscription.renewed_on, Subscription.renewed_unit_price,
                   Subscription.renewed_retail_unit_price, OrderLine.billing_cycle,
                   OrderLine.term_duration, OrderLine.custom_term_end, OrderLine.unit_price,
                   OrderLine.currency, Price.market, Price.erp_price, Price.retail_price)
            .join(Customer, Customer.id == Subscription.customer_id)
            .outerjoin(OrderLine, OrderLine.id == Subscription.order_line_id)
            .outerjoin(Price, Price.id == OrderLine.price_id)
            .where(Subscription.status.not_in(NOT_BILLED),
                   # The Azure plan itself costs nothing: Microsoft bills its Azure
                   # consumption, which these runs do not take in (#25).
                   Subscription.family != Family.AZURE_PLAN))


def _billed(row, cancelled_on: date | None, changes, kept: tuple[EarlierTerm, ...] = (),
            kept_seats: tuple[tuple[date, date, int], ...] = ()) -> Billed:
    (sub_id, customer_id, reseller_id, country, order_line_id, pc_subscription_id, title,
     family, billing_cycle, term_duration, quantity, status, autorenew, purchased_at,
     term_end, renewed_on, renewed_unit, renewed_retail, bought_cycle, bought_term,
     custom_term_end, *_price_columns) = row
    months = rules.cycle_months(billing_cycle)
    bought, earlier = _bought_and_renewed(kept, utc_day(purchased_at))
    unit, currency, market, retail = _price(sub_id, *_price_columns)
    ends = (not autorenew or status in ENDED) and term_end is not None
    return Billed(
        sub_id, customer_id, reseller_id, order_line_id, pc_subscription_id or "", title,
        family == rules.PERPETUAL or billing_cycle == "one_time", months,
        rules.TERM_MONTHS.get(term_duration, months), quantity, tuple(changes),
        utc_day(purchased_at),
        # The last day a cycle may start. A cycle starting on the cancellation's own day
        # (a purchase or renewal cancelled within 24 hours) was charged: the credit gives
        # that whole cycle back (S3, S6), so it must be charged for the two to net out.
        cancelled_on or (utc_day(term_end) if ends else None),
        unit, retail if reseller_id else None, currency, market or country,
        first_term_over(custom_term_end),
        renewed_on, renewed_unit, renewed_retail if reseller_id else None,
        *_as_bought(bought_cycle, bought_term, bought, billing_cycle, term_duration),
        earlier_terms=earlier, kept_seats=kept_seats)


def _converted(sub: Billed, conversion: Conversion) -> Billed:
    """R4: a subscription an upgrade made, its bought term counted as its source's."""
    return replace(sub, converted_on=conversion.on, purchased_on=conversion.anchor,
                   first_term_end=conversion.first_term_end)


def _bought_and_renewed(kept: tuple[EarlierTerm, ...], purchased_on: date
                        ) -> tuple[EarlierTerm | None, tuple[EarlierTerm, ...]]:
    """The kept term beginning on the purchase day is the one it was bought on (kept for a
    subscription with no order line, subscriptions.sync); the others are renewed terms."""
    if kept and kept[0].began_on <= purchased_on:
        return kept[0], kept[1:]
    return None, kept


def _as_bought(line_cycle: str | None, line_term: str | None, kept: EarlierTerm | None,
               cycle: str, term: str) -> tuple[int, int, Decimal | None, Decimal | None]:
    """B2: the charge cycle and term months and the prices before its first renewal (the
    Billed fields first_months … first_retail_unit_price): its order line's, else the
    bought term kept at that renewal, else today's (not renewed: the same). Values for the
    one construction of a Billed: building it and then replacing them cost a run over
    100,000 subscriptions a fifth of its time (bench/billing_run.py)."""
    if line_cycle is None and kept is not None:
        return kept.months, kept.term_months, kept.unit_price, kept.retail_unit_price
    months = rules.cycle_months(line_cycle or cycle)
    return months, rules.TERM_MONTHS.get(line_term or term, months), None, None


def before_renewal(sub: Billed) -> Billed:
    """Its terms before its first renewal, as bought: the order line's (or, imported, the
    kept bought term's) price, charge cycle and term, for cycles and seat changes before
    that renewal's day (B2)."""
    if sub.renewed_on is None:
        return sub
    first_renewal = sub.earlier_terms[0].began_on if sub.earlier_terms else sub.renewed_on
    return replace(sub, months=sub.first_months, term_months=sub.first_term_months,
                   billed_until=_until(sub, first_renewal),
                   unit_price=_or(sub.first_unit_price, sub.unit_price),
                   retail_unit_price=_or(sub.first_retail_unit_price, sub.retail_unit_price))


def renewed_term(sub: Billed) -> Billed:
    """R1/B1: from its latest renewal on, its terms as renewed: cycles anchored on the
    renewal's day at the price recorded for that term (the reminder's), today's billing."""
    if sub.renewed_on is None:
        raise ValueError("a subscription not renewed has no renewed term")
    return replace(sub, purchased_on=sub.renewed_on, first_term_end=None, converted_on=None,
                   unit_price=_or(sub.renewed_unit_price, sub.unit_price),
                   retail_unit_price=_or(sub.renewed_retail_unit_price, sub.retail_unit_price))


def renewed_terms(sub: Billed) -> list[Billed]:
    """Every renewed term known, oldest first, each billed from its own first day (its
    purchased_on) until the next began, at its own price, cycle and term."""
    if sub.renewed_on is None:
        return []
    return [*(_earlier(sub, at) for at in range(len(sub.earlier_terms))), renewed_term(sub)]


def _earlier(sub: Billed, at: int) -> Billed:
    term = sub.earlier_terms[at]
    ends_before = (sub.earlier_terms[at + 1].began_on if at + 1 < len(sub.earlier_terms)
                   else sub.renewed_on)
    return replace(sub, purchased_on=term.began_on, first_term_end=None, converted_on=None,
                   months=term.months,
                   term_months=term.term_months, billed_until=_until(sub, ends_before),
                   unit_price=_or(term.unit_price, sub.unit_price),
                   retail_unit_price=_or(term.retail_unit_price, sub.retail_unit_price))


def _until(sub: Billed, next_term: date) -> date:
    """The last day a cycle of a term ending where `next_term` begins may start."""
    last = next_term - timedelta(days=1)
    return last if sub.billed_until is None else min(sub.billed_until, last)


def term_on(sub: Billed, day: date) -> Billed:
    """The subscription as the term holding `day` bills it."""
    if sub.renewed_on is None:
        return sub
    for term in reversed(renewed_terms(sub)):
        if day >= term.purchased_on:
            return term
    return before_renewal(sub)


def charge_cycle(sub: Billed, day: date) -> ChargeCycle:
    """The charge cycle holding `day`, knowing a co-termed first term (R6) and a renewal
    that changed the price or billing (R1)."""
    sub = term_on(sub, day)
    return cycle_on(day, sub.unit_price, sub.months, sub.purchased_on, sub.term_months,
                    sub.first_term_end)


def _or(value, otherwise):
    return otherwise if value is None else value


def _price(sub_id: int, unit_price, currency, market, erp_price,
           retail_price) -> tuple[Decimal, str, str, Decimal | None]:
    """Unit price, currency, market and retail price: from the order line when there is one
    (what the buyer was shown), else from the catalog as subscriptions prices it."""
    if unit_price is not None:
        return (unit_price, currency, market or "",
                retail_price if retail_price is not None else erp_price)
    sub = db.session.get(Subscription, sub_id)
    price = price_of(sub)
    if price is None:
        return Decimal(0), "USD", "", None
    return buyer_unit_price(sub, price), price.currency, price.market, price.sell_price
