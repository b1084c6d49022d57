"""What Microsoft bills the partner, derived from the sandbox's own subscriptions (B6).

New commerce rules (common-billing-scenarios-onetime-recurring, recon-file-charge-types,
modern-invoice-reconciliation-file on learn.microsoft.com/partner-center/billing):
- A charge cycle starts at the purchase and repeats every billing period (1, 12 or 36
  months) from the same day, clamped to the month's end (bought 31 Jan: 31 Jan-27 Feb,
  28 Feb-30 Mar, 31 Mar-29 Apr); its days are counted from its first to its last day.
- The first cycle is charged `new`, later ones `cycleCharge`; a one-time purchase (perpetual
  software, a prepaid reservation) is one `new` line.
- An upgrade (transition) is a conversion (`convert`, recon-file-charge-types): the source's
  seats before refunded and those left charged, the moved seats charged on the subscription
  that took them, from the transition's day to the end of the source's running cycle; a new
  subscription it makes is coterminous with its source and charged on the source's cycle
  days from then on [inferred: the type from the NCE ChargeType list, the dates from
  "a partial upgrade creates a subscription coterminous with its source"].
- Effective unit price = unit price / charge-cycle days x billable days, the billable days
  running from the change to the end of its cycle. A seat change is two lines with one
  ReferenceId and the change's type (addQuantity or removeQuantity): a refund of the old
  quantity for those days, then a charge of the new one. A cancellation inside the window
  is `cancelImmediate`, a refund of the same form; perpetual software cancelled inside 30
  days is refunded in full.
- Subtotal (license based) = ROUNDDOWN(EffectiveUnitPrice x PCToBCExchangeRate, 2) x
  BillableQuantity, in the partner's billing currency (USD here); no tax is modelled.
- A line belongs to the billing month (calendar month) of its order date.

Prices: Microsoft's partner price is the list price (catalog.LIST_PRICES_USD) converted to
the customer's market currency at MARKETS' rate and taken at PARTNER_SHARE, the same
figures as the demo's price list (demo/catalog.py), so the demo's cost prices are what
this Microsoft charges.
"""

from __future__ import annotations

import uuid
from calendar import monthrange
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import seed
from connectors.partner_center.sandbox.catalog import list_price
from connectors.partner_center.sandbox.customers import country_of
from connectors.partner_center.sandbox.state import Sandbox
from connectors.partner_center.sandbox.terms import term_over

# Market -> (currency, units of it per USD): demo/catalog.py's MARKETS.
MARKETS = {"US": ("USD", "1"), "PL": ("PLN", "4.00"), "DE": ("EUR", "0.92"),
           "GB": ("GBP", "0.79"), "AU": ("AUD", "1.52"), "BR": ("BRL", "5.40")}
PARTNER_SHARE = Decimal("0.80")  # demo/catalog.py's COST_SHARE
BILLING_CURRENCY = "USD"  # the partner's: the sandbox partner is in the US
CYCLE_MONTHS = {"monthly": 1, "annual": 12, "triennial": 36}
TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}
FREQUENCY = {"monthly": "Monthly", "annual": "Annual", "triennial": "Triennial"}
TERMS = {"P1M": "One-Month commitment", "P1Y": "One-Year commitment",
         "P3Y": "Three-Year commitment"}
CENT = Decimal("0.01")
SEAT_CHANGES = ("quantity", "convert")


def partner_price(product_id: str, term: str, cycle: str,
                  country: str) -> tuple[Decimal, str, Decimal]:
    """(the partner's price per unit and charge cycle, its currency, PCToBCExchangeRate)."""
    currency, per_usd = MARKETS.get(country.upper(), MARKETS["US"])
    local_list = (list_price(product_id, term, cycle) * Decimal(per_usd)).quantize(
        CENT, ROUND_HALF_UP)
    rate = (Decimal(1) / Decimal(per_usd)).quantize(Decimal("0.000000001"), ROUND_HALF_UP)
    return (local_list * PARTNER_SHARE).quantize(CENT, ROUND_HALF_UP), currency, rate


def record_quantity(sb: Sandbox, record: dict[str, Any], old: int, new: int) -> None:
    """Remember a seat change: Microsoft bills it as a removeQuantity/addQuantity pair."""
    record.setdefault("billingEvents", []).append(
        {"at": wire.iso(sb.now()), "kind": "quantity", "from": old, "to": new,
         "ref": str(uuid.uuid4())})


def record_conversion(sb: Sandbox, record: dict[str, Any], old: int, new: int) -> None:
    """Remember seats an upgrade moved out of (or into) a subscription: a `convert` pair."""
    record.setdefault("billingEvents", []).append(
        {"at": wire.iso(sb.now()), "kind": "convert", "from": old, "to": new,
         "ref": str(uuid.uuid4())})


def record_cancel(sb: Sandbox, record: dict[str, Any]) -> None:
    """Remember a cancellation inside its window: Microsoft refunds it (cancelImmediate)."""
    record.setdefault("billingEvents", []).append(
        {"at": wire.iso(sb.now()), "kind": "cancel", "quantity": record["wire"]["quantity"],
         "ref": str(uuid.uuid4())})


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _cycle(anchor: date, months: int, index: int) -> tuple[date, date]:
    """The `index`-th charge cycle from the purchase: its first and last day."""
    return (add_months(anchor, index * months),
            add_months(anchor, (index + 1) * months) - timedelta(days=1))


def _cycle_holding(anchor: date, months: int, day: date) -> tuple[date, date] | None:
    """The charge cycle `day` falls in, or None before the purchase."""
    if day < anchor:
        return None
    index = ((day.year - anchor.year) * 12 + day.month - anchor.month) // months
    while add_months(anchor, index * months) > day:
        index -= 1
    return _cycle(anchor, months, index)


def _day(value: str) -> date:
    """The UTC calendar day of a stored timestamp."""
    return wire.timestamp({"v": value}, "v").date()  # type: ignore[union-attr]


class _Subscription:
    """One subscription's facts, read once: prices, cycles, events, who bought."""

    def __init__(self, sb: Sandbox, record: dict[str, Any]) -> None:
        sub = record["wire"]
        self.sb, self.record, self.sub = sb, record, sub
        # A subscription an upgrade made counts its cycles from its source's first day, and
        # is charged from the upgrade's day (the conversion) on.
        self.anchor = _day(record.get("billingAnchor") or sub["creationDate"])
        self.converted = _day(record["convertedOn"]) if record.get("convertedOn") else None
        end = term_over(sub)
        # Perpetual software and an Azure plan have no term: their commitment end is a date
        # far in the future (orders.NO_TERM_END), no term's end. Else the day after the
        # term's last day (commitmentEndDate, inclusive): the next term's first day.
        self.term_end = end.date() if end and sub.get("termDuration") else None
        self.country = country_of(sb, record["customerId"])
        self.price, self.currency, self.rate = partner_price(
            record["productId"], sub.get("termDuration", ""), sub["billingCycle"],
            self.country)
        self.events = sorted(record.get("billingEvents", []), key=lambda e: e["at"])
        quantities = [e for e in self.events if e["kind"] in SEAT_CHANGES]
        self.initial = quantities[0]["from"] if quantities else int(sub["quantity"])
        self.months = CYCLE_MONTHS.get(sub["billingCycle"])
        self.term_months = TERM_MONTHS.get(sub.get("termDuration", ""), self.months or 1)
        # Microsoft renews an autorenewing term at its end (ChargeType renew).
        self.renews = bool(sub.get("autoRenewEnabled")) and sub["status"] != "deleted"

    def term_of(self, day: date) -> tuple[date, date]:
        """The term (first and last day) a day of a renewing subscription falls in."""
        return _cycle(self.anchor, self.term_months,
                      ((day.year - self.anchor.year) * 12 + day.month - self.anchor.month)
                      // self.term_months) if day >= self.anchor else (self.anchor, self.anchor)

    def quantity_before(self, day: date) -> int:
        """Seats in effect at the start of `day` (changes made that day come after)."""
        seats = self.initial
        for event in self.events:
            if event["kind"] in SEAT_CHANGES and _day(event["at"]) < day:
                seats = event["to"]
        return seats


def lines(sb: Sandbox) -> Iterator[dict[str, Any]]:
    """Every billed line of every completed subscription up to the sandbox's today."""
    today = sb.now().date()
    for record in sb.data["subscriptions"].values():
        if record["wire"]["status"] != "pending":
            yield from subscription_lines(_Subscription(sb, record), today)


def subscription_lines(s: _Subscription, today: date) -> Iterator[dict[str, Any]]:
    """The lines of one subscription: cycle charges, then seat changes and cancellation."""
    if s.months is None or s.term_end is None:
        yield from _one_time(s)
        return
    cancelled = next((_day(e["at"]) for e in s.events if e["kind"] == "cancel"
                      or (e["kind"] == "convert" and e["to"] == 0)), None)
    index = 0
    while (cycle := _cycle(s.anchor, s.months, index))[0] <= today:
        start = cycle[0]
        if (start >= s.term_end and not s.renews) or (cancelled and start > cancelled):
            break
        if s.converted is not None and start <= s.converted:  # the conversion charges it
            index += 1
            continue
        elapsed = index * s.months
        kind = "new" if not index else "renew" if elapsed % s.term_months == 0 \
            else "cycleCharge"
        yield _line(s, kind, start, cycle[1], s.quantity_before(start), s.price,
                    start.isoformat())
        index += 1
    for event in s.events:
        yield from _change(s, event)


def _one_time(s: _Subscription) -> Iterator[dict[str, Any]]:
    """A purchase paid once; cancelled inside its window, it is refunded in full."""
    end = s.term_end - timedelta(days=1) if s.term_end else None
    yield _line(s, "new", s.anchor, end, s.initial, s.price, s.anchor.isoformat())
    for event in s.events:
        if event["kind"] == "cancel":
            yield _line(s, "cancelImmediate", s.anchor, end, event["quantity"], -s.price,
                        event["at"], event["ref"])


def _change(s: _Subscription, event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The refund (and new charge) of a seat change or cancellation, prorated by day."""
    day = _day(event["at"])
    cycle = _cycle_holding(s.anchor, s.months or 1, day)
    if cycle is None:
        return
    start, end = cycle
    effective = s.price / ((end - start).days + 1) * ((end - day).days + 1)
    if event["kind"] == "cancel":
        yield _line(s, "cancelImmediate", day, end, event["quantity"], -effective,
                    event["at"], event["ref"])
        return
    # Both lines carry the change's type (recon-file-charge-types: addQuantity "refunds and
    # charges when you add seats", removeQuantity the same when you remove them).
    kind = "addQuantity" if event["to"] > event["from"] else "removeQuantity"
    if event["kind"] == "convert":
        kind = "convert"
    if event["from"]:  # no line for no seats (a new subscription, an emptied source)
        yield _line(s, kind, day, end, event["from"], -effective, event["at"], event["ref"])
    if event["to"]:
        yield _line(s, kind, day, end, event["to"], effective, event["at"], event["ref"])


def decimal_text(value: Decimal, places: str = "0.000001") -> str:
    """A number the way the documented samples write them: a string ("14.4", "9.408")."""
    text = format(value.quantize(Decimal(places), ROUND_HALF_UP).normalize(), "f")
    return "0" if text in ("-0", "") else text


def subtotal(effective: Decimal, rate: Decimal, quantity: int) -> Decimal:
    """ROUNDDOWN(EffectiveUnitPrice x PCToBCExchangeRate, 2) x BillableQuantity."""
    return (effective * rate).quantize(CENT, ROUND_DOWN) * quantity


def _line(s: _Subscription, charge_type: str, start: date, end: date | None, quantity: int,
          effective: Decimal, ordered: str, reference: str | None = None) -> dict[str, Any]:
    """One reconciliation line item with the attributes the documented samples carry."""
    sub, record = s.sub, s.record
    product, sku, availability = (sub["offerId"].split(":") + ["", "", ""])[:3]
    amount = subtotal(effective, s.rate, quantity)
    tenant = s.sb.data["customers"].get(record["customerId"], {})
    profile = tenant.get("companyProfile", {})
    cycle = sub["billingCycle"]
    term = s.term_of(start) if s.months else (
        s.anchor, s.term_end - timedelta(days=1) if s.term_end else s.anchor)
    return {
        "partnerId": seed.PARTNER_TENANT_ID, "customerId": record["customerId"],
        "customerName": profile.get("companyName", ""),
        "customerDomainName": profile.get("domain", ""), "customerCountry": s.country,
        "invoiceNumber": "", "mpnId": "", "resellerMpnId": sub.get("partnerId") or "0",
        "orderId": sub["orderId"], "orderDate": ordered if "T" in ordered
        else f"{ordered}T00:00:00Z", "productId": product, "skuId": sku,
        "availabilityId": availability, "productName": sub.get("friendlyName", ""),
        "skuName": sub.get("offerName", ""), "productQualifiers": [],
        "chargeType": charge_type, "unitPrice": decimal_text(s.price),
        "effectiveUnitPrice": decimal_text(effective), "unitType": "", "quantity": str(quantity),
        "subtotal": decimal_text(amount, "0.01"), "taxTotal": "0",
        "total": decimal_text(amount, "0.01"), "currency": BILLING_CURRENCY,
        "publisherName": sub.get("publisherName") or "Microsoft Corporation",
        "publisherId": "", "subscriptionDescription": sub.get("friendlyName", ""),
        "subscriptionId": sub["id"],
        "subscriptionStartDate": f"{term[0].isoformat()}T00:00:00Z",
        "subscriptionEndDate": f"{term[1].isoformat()}T00:00:00Z" if s.term_end else "",
        "chargeStartDate": f"{start.isoformat()}T00:00:00Z",
        "chargeEndDate": f"{end.isoformat()}T00:00:00Z" if end else "",
        "termAndBillingCycle": f"{TERMS[sub['termDuration']]} for "
        f"{FREQUENCY.get(cycle, cycle).lower()} billing" if sub.get("termDuration") in TERMS
        else "", "alternateId": sub["orderId"][:12], "referenceId": reference or "",
        "priceAdjustmentDescription": "", "discountDetails": "",
        "pricingCurrency": s.currency, "pcToBCExchangeRate": decimal_text(s.rate, "0.000000001"),
        "pcToBCExchangeRateDate": f"{start.replace(day=1).isoformat()}T00:00:00Z",
        "billableQuantity": str(quantity), "meterDescription": "",
        "billingFrequency": FREQUENCY.get(cycle, ""), "reservationOrderId": "",
        "promotionId": ""}


def billing_month(line: dict[str, Any]) -> str:
    """The calendar month ("YYYY-MM") of a line's order date: the invoice it is billed on."""
    return str(line["orderDate"])[:7]
