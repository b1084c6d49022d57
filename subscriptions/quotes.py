"""S3/S6: what cancelling gives back, and the facts the rules judge a subscription by.

Kept apart from subscriptions.services (which imports the sync's mirror) so the sync can
quote the refund of a cancellation made in Partner Center itself as the cancel page quotes
the storefront's (B3): one computation, one amount.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from catalog.pricing import buyer_locale, format_money
from persistence import as_utc
from persistence.money import first_term_over
from subscriptions import rules
from subscriptions.conversions import conversion
from subscriptions.models import Subscription
from subscriptions.term_prices import buyer_unit_price, price_of, retail_unit_price


@dataclass(frozen=True)
class Quote:
    """What cancelling now gives back: the refund (S3) or credit (S6), and when that ends.

    The cancel page shows it, `cancel` stores it with the cancellation, and billing credits
    exactly it: one computation, so the promise and the invoice agree to the cent (B3)."""

    amount: Decimal
    currency: str
    closes: datetime
    credit: rules.Credit

    def as_data(self) -> dict:
        """The quote as the cancellation event stores it (JSON: amounts as exact text)."""
        c = self.credit
        return {"amount": str(self.amount), "currency": self.currency,
                "unit_price": str(c.unit_price),
                "effective_unit_price": str(c.effective_unit_price), "quantity": c.quantity,
                "period_start": c.period_start.isoformat(),
                "period_end": c.period_end.isoformat()}


def buyer_money(sub: Subscription, amount: Decimal, currency: str) -> str:
    """An amount as the subscription's customer reads money (its language and country, as
    its invoices write it): for the history lines, requests and messages about it."""
    return format_money(amount, currency, buyer_locale(sub.customer.language,
                                                       sub.customer.country))


def now_or(now: datetime | None) -> datetime:
    """`now` in UTC, or the present moment."""
    return as_utc(now) or datetime.now(UTC)


def facts(sub: Subscription) -> rules.Facts:
    """The facts the rules need, from the local mirror."""
    purchased = as_utc(sub.purchased_at)
    return rules.Facts(family=sub.family, cancellable=sub.product.cancellable,
                       status=sub.status, purchased_at=purchased,
                       term_start=as_utc(sub.term_start) or purchased,
                       max_quantity=sub.product.max_quantity,
                       refundable=_refundable(sub.refundable),
                       cancel_until=as_utc(sub.cancellation_allowed_until))


def _refundable(stored: str) -> tuple[tuple[int, datetime], ...] | None:
    """The mirrored refundableQuantity details; None before Partner Center reported them."""
    if not stored:
        return None
    return tuple((int(s["quantity"]), datetime.fromisoformat(s["until"]))
                 for s in json.loads(stored))


def cancellation_quote(sub: Subscription, now: datetime | None = None, *,
                       retail: bool = False) -> Quote:
    """S3/S6: the refund or credit cancelling now would give, computed before confirming:
    the buyer's, or with `retail` the one a reseller's re-invoice credits its end customer
    (the same days and rounding at the retail price, billing/reinvoice.py; B1, B3)."""
    f, at = facts(sub), now_or(now)
    price = price_of(sub)
    unit = retail_unit_price(sub, price) if retail else buyer_unit_price(sub, price)
    currency = price.currency if price else "USD"
    if f.family == rules.PERPETUAL:
        credit = rules.perpetual_credit(unit, sub.quantity, utc_day(f.purchased_at), currency)
        return Quote(credit.amount, currency, f.purchased_at + rules.PERPETUAL_WINDOW, credit)
    line = sub.order_line
    anchor = utc_day(f.purchased_at)
    custom_end = first_term_over(line.custom_term_end) if line else None
    converted = conversion(sub)
    if converted is not None:  # R4: billed on its source's cycles from the upgrade's day
        anchor, custom_end = converted.anchor, converted.first_term_end
    if sub.renewed_on is not None and utc_day(at) >= sub.renewed_on:
        # R1/B1: the renewed term is refunded at what billing charged it, over its cycles.
        anchor, custom_end, converted = sub.renewed_on, None, None
        unit = renewed_unit(sub, unit, retail)
    credit = rules.cancellation_refund(
        unit, sub.quantity, sub.billing_cycle, anchor, f.term_start, at, currency,
        term_months=rules.TERM_MONTHS.get(sub.term_duration), custom_end=custom_end,
        charged_from=converted.on if converted else None)
    return Quote(credit.amount, currency, rules.cancel_closes(f.term_start, f.cancel_until),
                 credit)


def renewed_unit(sub: Subscription, bought, retail: bool):
    """The renewed term's unit price as the sync recorded it (billing.billed charges the
    same), else the price it was bought at."""
    renewed = sub.renewed_retail_unit_price if retail else sub.renewed_unit_price
    return bought if renewed is None else Decimal(renewed)


def utc_day(moment: datetime) -> date:
    """Charge cycles run on UTC dates, as Microsoft's do."""
    return moment.astimezone(UTC).date()
