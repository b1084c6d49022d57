"""Typed values for the catalog, carts, orders and subscriptions (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.partner_center import wire


@dataclass(frozen=True)
class Term:
    """A term duration (P1M, P1Y, P3Y) and how it is billed (monthly, annual, …)."""

    duration: str
    billing_cycle: str


@dataclass(frozen=True)
class Product:
    """A catalog product (12-character id)."""

    id: str
    title: str
    description: str
    product_type: str
    publisher_name: str

    @classmethod
    def from_wire(cls, data: Any) -> Product:
        """Parse a Product resource."""
        return cls(wire.text(data, "id"), wire.text(data, "title"),
                   wire.text(data, "description"),
                   wire.text(wire.obj(data, "productType"), "id"),
                   wire.text(data, "publisherName"))


@dataclass(frozen=True)
class Sku:
    """A purchasable variant of a product."""

    product_id: str
    id: str
    title: str
    minimum_quantity: int
    maximum_quantity: int
    is_trial: bool
    supported_billing_cycles: tuple[str, ...]
    purchase_prerequisites: tuple[str, ...]

    @classmethod
    def from_wire(cls, data: Any) -> Sku:
        """Parse a SKU resource."""
        return cls(
            product_id=wire.text(data, "productId"), id=wire.text(data, "id"),
            title=wire.text(data, "title"),
            minimum_quantity=int(wire.get(data, "minimumQuantity", 1)),
            maximum_quantity=int(wire.get(data, "maximumQuantity", 1)),
            is_trial=bool(wire.get(data, "isTrial")),
            supported_billing_cycles=tuple(wire.get(data, "supportedBillingCycles") or ()),
            purchase_prerequisites=tuple(wire.get(data, "purchasePrerequisites") or ()),
        )


@dataclass(frozen=True)
class Availability:
    """Where and how a SKU can be bought; `catalog_item_id` goes into cart lines."""

    id: str
    product_id: str
    sku_id: str
    catalog_item_id: str
    segment: str
    country: str
    is_purchasable: bool
    currency_code: str
    terms: tuple[Term, ...]

    @classmethod
    def from_wire(cls, data: Any) -> Availability:
        """Parse an Availability resource."""
        return cls(
            id=wire.text(data, "id"), product_id=wire.text(data, "productId"),
            sku_id=wire.text(data, "skuId"), catalog_item_id=wire.text(data, "catalogItemId"),
            segment=wire.text(data, "segment"), country=wire.text(data, "country"),
            is_purchasable=bool(wire.get(data, "isPurchasable")),
            currency_code=wire.text(wire.obj(data, "defaultCurrency"), "code"),
            terms=tuple(Term(wire.text(t, "duration"), wire.text(t, "billingCycle"))
                        for t in wire.items(data, "terms")),
        )


@dataclass(frozen=True)
class CartLineRequest:
    """One line to buy: a catalog item, seats, term and billing, and the reseller of record."""

    catalog_item_id: str
    quantity: int
    term_duration: str
    billing_cycle: str
    friendly_name: str = ""
    reseller_mpn_id: str = ""
    attestation_accepted: bool = False
    provisioning_context: tuple[tuple[str, str], ...] = ()
    # R6: the first term ends on this date (one Partner Center allows: custom-term-end-dates)
    custom_term_end_date: date | None = None

    def to_wire(self, index: int) -> dict[str, Any]:
        """Serialise to a cart line item with `index` as its id."""
        line: dict[str, Any] = {
            "id": index, "catalogItemId": self.catalog_item_id, "quantity": self.quantity,
            "termDuration": self.term_duration, "billingCycle": self.billing_cycle,
        }
        if self.friendly_name:
            line["friendlyName"] = self.friendly_name
        if self.reseller_mpn_id:
            line["participants"] = [{"key": "transaction_reseller", "value": self.reseller_mpn_id}]
        if self.attestation_accepted:
            line["attestationAccepted"] = True
        if self.provisioning_context:
            line["provisioningContext"] = dict(self.provisioning_context)
        if self.custom_term_end_date:
            line["customTermEndDate"] = f"{self.custom_term_end_date.isoformat()}T00:00:00"
        return line


@dataclass(frozen=True)
class LinePricing:
    """A cart or order line's prices (cart-resources Pricing): one billing period's price,
    and `extended_price` for the whole line (quantity and every period of the term)."""

    list_price: Decimal
    price: Decimal
    extended_price: Decimal


def _money(data: Any, key: str) -> Decimal:
    """A price, sent as a JSON number (30.4) or now and then a string."""
    try:
        return Decimal(str(wire.get(data, key) or 0))
    except InvalidOperation:
        return Decimal(0)


def _pricing(data: Any) -> LinePricing | None:
    """A line's pricing, or None when Partner Center sent none."""
    pricing = wire.obj(data, "pricing")
    if not pricing:
        return None
    return LinePricing(_money(pricing, "listPrice"), _money(pricing, "price"),
                       _money(pricing, "extendedPrice"))


@dataclass(frozen=True)
class CartLineError:
    """Why a cart line cannot be bought (error codes 10000–10019)."""

    code: str
    description: str


@dataclass(frozen=True)
class CartLine:
    """A line of a cart, with the order group Partner Center assigned to it."""

    id: int
    catalog_item_id: str
    quantity: int
    term_duration: str
    billing_cycle: str
    order_group: str
    error: CartLineError | None
    pricing: LinePricing | None = None

    @classmethod
    def from_wire(cls, data: Any) -> CartLine:
        """Parse a cart line item."""
        error = wire.obj(data, "error")
        return cls(
            id=int(wire.get(data, "id", 0)), catalog_item_id=wire.text(data, "catalogItemId"),
            quantity=int(wire.get(data, "quantity", 0)),
            term_duration=wire.text(data, "termDuration"),
            billing_cycle=wire.text(data, "billingCycle"),
            order_group=wire.text(data, "orderGroup"),
            error=CartLineError(wire.text(error, "errorCode"), wire.text(error, "errorDescription"))
            if error else None,
            pricing=_pricing(data),
        )


@dataclass(frozen=True)
class Cart:
    """A cart: `Active` until checked out, then `Ordered`; expires after 7 days. `modified`
    (lastModifiedTimestamp) of an `Ordered` cart is when its checkout went through."""

    id: str
    status: str
    created: datetime | None
    expires: datetime | None
    lines: tuple[CartLine, ...]
    modified: datetime | None = None

    @classmethod
    def from_wire(cls, data: Any) -> Cart:
        """Parse a Cart resource."""
        return cls(wire.text(data, "id"), wire.text(data, "status"),
                   wire.timestamp(data, "creationTimestamp"),
                   wire.timestamp(data, "expirationTimestamp"),
                   tuple(CartLine.from_wire(li) for li in wire.items(data, "lineItems")),
                   wire.timestamp(data, "lastModifiedTimestamp"))


@dataclass(frozen=True)
class OrderLine:
    """A line of an order; `subscription_id` stays empty while provisioning runs."""

    line_item_number: int
    offer_id: str
    quantity: int
    term_duration: str
    friendly_name: str
    subscription_id: str | None
    partner_id_on_record: str
    pricing: LinePricing | None = None

    @classmethod
    def from_wire(cls, data: Any) -> OrderLine:
        """Parse an order line item."""
        return cls(
            line_item_number=int(wire.get(data, "lineItemNumber", 0)),
            offer_id=wire.text(data, "offerId"), quantity=int(wire.get(data, "quantity", 0)),
            term_duration=wire.text(data, "termDuration"),
            friendly_name=wire.text(data, "friendlyName"),
            subscription_id=wire.get(data, "subscriptionId") or None,
            partner_id_on_record=wire.text(data, "partnerIdOnRecord"),
            pricing=_pricing(data),
        )


@dataclass(frozen=True)
class Order:
    """An order: `pending` while provisioning, then `completed` (or `cancelled`)."""

    id: str
    customer_id: str
    status: str
    billing_cycle: str
    currency_code: str
    created: datetime | None
    lines: tuple[OrderLine, ...]

    @classmethod
    def from_wire(cls, data: Any) -> Order:
        """Parse an Order resource."""
        return cls(
            id=wire.text(data, "id"), customer_id=wire.text(data, "referenceCustomerId"),
            status=wire.text(data, "status"), billing_cycle=wire.text(data, "billingCycle"),
            currency_code=wire.text(data, "currencyCode"),
            created=wire.timestamp(data, "creationDate"),
            lines=tuple(OrderLine.from_wire(li) for li in wire.items(data, "lineItems")),
        )


@dataclass(frozen=True)
class OrderError:
    """An order group of a checkout that failed (partial success is normal)."""

    order_group_id: str
    code: str
    description: str


@dataclass(frozen=True)
class CheckoutResult:
    """What a checkout produced: orders and per-group errors."""

    orders: tuple[Order, ...]
    order_errors: tuple[OrderError, ...]

    @classmethod
    def from_wire(cls, data: Any) -> CheckoutResult:
        """Parse a CartCheckoutResult (the new-commerce sample shows one bare Order)."""
        orders = wire.items(data, "orders")
        if not orders and wire.get(data, "lineItems") is not None:
            orders = [data]
        return cls(
            orders=tuple(Order.from_wire(o) for o in orders),
            order_errors=tuple(
                OrderError(wire.text(e, "orderGroupId"), wire.text(e, "code"),
                           wire.text(e, "description"))
                for e in wire.items(data, "orderErrors")),
        )


@dataclass(frozen=True)
class LineProvisioning:
    """Provisioning of one order line: prefulfillmentpending, unfulfilled or fulfilled."""

    line_item_number: int
    status: str

    @classmethod
    def from_wire(cls, data: Any) -> LineProvisioning:
        """Parse one entry of an order's provisioning status."""
        return cls(int(wire.get(data, "lineItemNumber", 0)), wire.text(data, "status"))


@dataclass(frozen=True)
class RefundableSeats:
    """Seats that may still be removed for a refund, and until when (one per addition)."""

    quantity: int
    allowed_until: datetime | None

    @classmethod
    def from_wire(cls, data: Any) -> RefundableSeats:
        """Parse one refundableQuantity.details entry."""
        return cls(int(wire.get(data, "quantity", 0) or 0),
                   wire.timestamp(data, "allowedUntilDateTime"))


@dataclass(frozen=True)
class NextTerm:
    """Changes scheduled for the next term (scheduledNextTermInstructions, R1): the product
    (SKU and availability), its term and billing cycle, and the seat count the renewal
    applies (create-scheduled-changes)."""

    product_id: str
    sku_id: str
    availability_id: str
    term_duration: str
    billing_cycle: str
    quantity: int
    promotion_id: str = ""

    def to_wire(self) -> dict[str, Any]:
        """The instructions as the PATCH body carries them."""
        product = {"productId": self.product_id, "skuId": self.sku_id,
                   "availabilityId": self.availability_id, "billingCycle": self.billing_cycle,
                   "termDuration": self.term_duration}
        if self.promotion_id:
            product["promotionId"] = self.promotion_id
        return {"product": product, "quantity": self.quantity}

    @classmethod
    def from_wire(cls, data: Any) -> NextTerm | None:
        """Parse the instructions; None when nothing is scheduled (null or absent).
        Billing cycles arrive in either case ("Annual" in the docs' sample)."""
        if not isinstance(data, dict) or not data:
            return None
        product = wire.obj(data, "product")
        return cls(wire.text(product, "productId"), wire.text(product, "skuId"),
                   wire.text(product, "availabilityId"), wire.text(product, "termDuration"),
                   wire.text(product, "billingCycle").lower(),
                   int(wire.get(data, "quantity", 0) or 0), wire.text(product, "promotionId"))


@dataclass(frozen=True)
class Subscription:
    """A subscription; `status` is active, pending, suspended, deleted, expired or disabled.

    `commitment_end` is commitmentEndDate as Partner Center writes it; `term_end` is when
    the term is over and the next one begins, the one end every reader here uses. New
    commerce end dates are inclusive ("the term end date is at the end of the day",
    subscription-resources; get-a-subscription-by-id: commitmentEndDate 2022-01-13T00:00:00Z,
    commitmentEndDateTime 2022-01-13T23:59:59Z) and the renewal starts at 00:00 UTC the day
    after (create-scheduled-changes): `term_end` is then that midnight. Legacy end dates are
    exclusive: `term_end` is commitmentEndDate itself (see `term_end_of`).

    `refundable` lists the seats that can still be removed, per purchase, renewal or
    mid-term addition (refundableQuantity.details): each has its own 7-day window (S2)."""

    id: str
    offer_id: str
    offer_name: str
    friendly_name: str
    quantity: int
    status: str
    auto_renew_enabled: bool
    billing_cycle: str
    term_duration: str
    order_id: str
    partner_id: str
    created: datetime | None
    commitment_end: datetime | None
    term_end: datetime | None
    cancellation_allowed_until: datetime | None
    etag: str
    refundable: tuple[RefundableSeats, ...] | None = None  # None: not reported
    next_term: NextTerm | None = None  # R1: scheduledNextTermInstructions

    @property
    def refundable_quantity(self) -> int:
        """Seats that can still be removed now, whatever their windows."""
        return sum(seats.quantity for seats in self.refundable or ())

    @classmethod
    def from_wire(cls, data: Any) -> Subscription:
        """Parse a Subscription resource."""
        return cls(
            id=wire.text(data, "id"), offer_id=wire.text(data, "offerId"),
            offer_name=wire.text(data, "offerName"), friendly_name=wire.text(data, "friendlyName"),
            quantity=int(wire.get(data, "quantity", 0)), status=wire.text(data, "status"),
            auto_renew_enabled=bool(wire.get(data, "autoRenewEnabled")),
            billing_cycle=wire.text(data, "billingCycle"),
            term_duration=wire.text(data, "termDuration"), order_id=wire.text(data, "orderId"),
            partner_id=wire.text(data, "partnerId"), created=wire.timestamp(data, "creationDate"),
            commitment_end=wire.timestamp(data, "commitmentEndDate"),
            term_end=term_end_of(wire.timestamp(data, "commitmentEndDate"),
                                 new_commerce=termed_new_commerce(data)),
            cancellation_allowed_until=wire.timestamp(data, "cancellationAllowedUntilDate"),
            etag=wire.text(wire.obj(data, "attributes"), "etag"),
            refundable=tuple(RefundableSeats.from_wire(d) for d in
                             wire.items(wire.obj(data, "refundableQuantity"), "details"))
            if wire.get(data, "refundableQuantity") is not None else None,
            next_term=NextTerm.from_wire(wire.get(data, "scheduledNextTermInstructions")),
        )


def termed_new_commerce(data: Any) -> bool:
    """A new-commerce subscription with a term: its offerId is a catalog item ID (product:
    sku:availability, as every new-commerce sample shows; legacy ones are a GUID or
    MS-AZR-…). Without a term (an Azure plan, perpetual software) commitmentEndDate is no
    end date but "a date far away in the future" (subscription-resources), kept as is."""
    return wire.text(data, "offerId").count(":") == 2 and bool(wire.text(data, "termDuration"))


def term_end_of(commitment_end: datetime | None, *, new_commerce: bool = True
                ) -> datetime | None:
    """When a term whose commitmentEndDate is `commitment_end` is over: 00:00 UTC the day
    after it for new commerce (inclusive end dates), the date itself for legacy."""
    if commitment_end is None or not new_commerce:
        return commitment_end
    return datetime.combine(commitment_end.astimezone(UTC).date() + timedelta(days=1), time(),
                            UTC)
