"""R6 co-terming: a new subscription may end with an existing one of the customer.

Partner Center allows a custom end date for a new license-based subscription's first term
(custom-term-end-dates; align-subscription-end-dates): the end date of one of the
customer's active subscriptions that falls inside the new term, never a monthly one for an
annual or 3-year term, and for a monthly term not a 28th-30th unless the month's last day.
The storefront offers those subscriptions from its mirror, asks Partner Center which dates
it allows when the buyer picks one, and sends the date as the cart line's
customTermEndDate. The shortened first term is priced pro rata, by the one rule of
persistence.money: the term's price × its days to the chosen end ÷ the full term's days,
each licence's amount cut to the minor unit.

Dates here are Partner Center's: a subscription's end date and a line's custom_term_end
are a term's LAST day (new commerce end dates are inclusive; an aligned subscription's
commitmentEndDate), the day before the mirror's `term_end` (subscriptions/models.py).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from catalog.models import Family
from catalog.queries import buyer_price, markups_for
from connectors.partner_center import PartnerCenterClient
from orders.models import CartLine
from orders.retail import unit as retail_unit
from persistence import as_utc, db
from persistence.money import add_months, first_term_over, shortened_term_amount
from subscriptions.models import Subscription

TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}
CYCLE_MONTHS = {"monthly": 1, "annual": 12, "triennial": 36}
# Custom end dates are for license-based new-commerce subscriptions only.
NOT_ALIGNABLE = (Family.PERPETUAL_SOFTWARE, Family.AZURE_RESERVATION, Family.AZURE_PLAN,
                 Family.SOFTWARE_SUBSCRIPTION)


class CotermError(ValueError):
    """A co-terming choice that cannot be made; the message says what to pick instead."""


@dataclass(frozen=True)
class FirstTerm:
    """The shortened first term of a co-termed line and its prorated price (all licences)."""

    start: date
    end: date  # its last day, the customTermEndDate
    standard_end: date  # where a standard term would be over (the next term's first day)
    amount: Decimal
    currency: str

    @property
    def days(self) -> int:
        return (first_term_over(self.end) - self.start).days

    @property
    def term_days(self) -> int:
        return (self.standard_end - self.start).days


def standard_end(term: str, start: date) -> date:
    """Where the term would be over without a custom date (the next term's first day)."""
    return add_months(start, TERM_MONTHS[term])


def end_date(sub: Subscription) -> date | None:
    """A subscription's end date as Partner Center names it: its term's last day (UTC)."""
    return as_utc(sub.last_moment).date() if sub.term_end else None


def _alignable(sub: Subscription, term: str, start: date) -> bool:
    """The page's rules, on the local mirror: the subscription's last day falls inside the
    new term (after its first day, by its last)."""
    end = end_date(sub)
    if end is None or not start < end < standard_end(term, start):
        return False
    if term != "P1M" and sub.term_duration == "P1M":
        return False  # annual and 3-year terms cannot align with monthly ones
    last = calendar.monthrange(end.year, end.month)[1]
    return not (term == "P1M" and end.day in (28, 29, 30) and end.day != last)


def candidates(line: CartLine, today: date) -> list[Subscription]:
    """The customer's active subscriptions this new line could end with, soonest first."""
    term = line.price.term_duration
    if line.add_to_subscription_id or term not in TERM_MONTHS \
            or line.price.sku.product.family in NOT_ALIGNABLE:
        return []
    if CYCLE_MONTHS.get(line.price.billing_cycle) != TERM_MONTHS[term]:
        # Only where one charge covers the term (monthly for 1 month, annual for 1 year…):
        # then the shortened term is one prorated charge, the amount the cart quotes.
        return []
    subs = db.session.scalars(select(Subscription).where(
        Subscription.customer_id == line.cart.customer_id, Subscription.status == "active")
        .order_by(Subscription.term_end, Subscription.id))
    return [s for s in subs if s.family not in NOT_ALIGNABLE and _alignable(s, term, today)]


def first_term(line: CartLine, today: date, *, retail: bool = False) -> FirstTerm | None:
    """R6: the co-termed first term's price (at retail for an end customer's own user,
    orders/retail.py), or None for a standard term."""
    if line.custom_term_end is None:
        return None
    price = line.price
    unit = retail_unit(price) if retail else Decimal(buyer_price(
        price, price.sku.product_id, markups_for(line.cart.customer.reseller_id)))
    term_price = unit * TERM_MONTHS[price.term_duration] / CYCLE_MONTHS[price.billing_cycle]
    full = standard_end(price.term_duration, today)
    return FirstTerm(today, line.custom_term_end, full, shortened_term_amount(
        term_price, line.quantity, price.currency, today, full,
        first_term_over(line.custom_term_end)), price.currency)


def choose(line: CartLine, subscription_id: int | None, client: PartnerCenterClient,
           today: date) -> CartLine:
    """Align the line's first term with one of the candidates (None: the standard term);
    the date must be one Partner Center allows for this customer and term now."""
    if not subscription_id:
        line.custom_term_end, line.coterm_subscription_id = None, None
        db.session.commit()
        return line
    sub = next((s for s in candidates(line, today) if s.id == subscription_id), None)
    if sub is None:
        raise CotermError("End date: choose one of the subscriptions offered, or the "
                          "standard term.")
    end = end_date(sub)
    allowed = client.get_custom_term_end_dates(line.cart.customer.tenant_id,
                                               line.price.term_duration)
    if end not in {a.end_date for a in allowed}:
        raise CotermError(f"End date: Partner Center does not allow ending on {end:%d %b %Y} "
                          "for this purchase; keep the standard term.")
    line.custom_term_end, line.coterm_subscription_id = end, sub.id
    db.session.commit()
    return line
