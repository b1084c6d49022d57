"""Commerce operations: catalog, carts and checkout, orders, subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

from connectors.partner_center import paging, wire
from connectors.partner_center.commerce_types import (
    Availability,
    Cart,
    CartLineRequest,
    CheckoutResult,
    LineProvisioning,
    NextTerm,
    Order,
    Product,
    Sku,
    Subscription,
    termed_new_commerce,
)
from connectors.partner_center.coterm_types import CustomTermEndDate
from connectors.partner_center.transition_types import Transition, TransitionEligibility
from connectors.partner_center.transport import Call, Transport

# Reads of a 202's Location before answering what it shows (the mirror catches up later).
ACCEPTED_READS = 5


def _q(part: str) -> str:
    """Quote one path segment."""
    return quote(part, safe="")


def _c(customer_id: str) -> str:
    """Path of one customer."""
    return f"/v1/customers/{_q(customer_id)}"


def _catalog_params(country: str, target_view: str | None,
                    target_segment: str | None) -> dict[str, str]:
    """Query string of the catalog calls, leaving out what is not asked."""
    params = {"country": country, "targetView": target_view, "targetSegment": target_segment}
    return {k: v for k, v in params.items() if v}


class CommerceApi:
    """Mixin of PartnerCenterClient with one method per commerce operation."""

    _transport: Transport

    def list_products(self, country: str, target_view: str, target_segment: str | None = None,
                      *, correlation_id: str | None = None) -> tuple[Product, ...]:
        """List products of a catalog view; nonprofit comes back only when asked for."""
        response = self._transport.send(Call(
            "GET", "/v1/products", params=_catalog_params(country, target_view, target_segment),
            correlation_id=correlation_id))
        return tuple(Product.from_wire(p) for p in wire.items(response.json()))

    def list_skus(self, product_id: str, country: str, target_segment: str | None = None, *,
                  correlation_id: str | None = None) -> tuple[Sku, ...]:
        """List the SKUs of a product."""
        response = self._transport.send(Call(
            "GET", f"/v1/products/{_q(product_id)}/skus",
            params=_catalog_params(country, None, target_segment), correlation_id=correlation_id))
        return tuple(Sku.from_wire(s) for s in wire.items(response.json()))

    def list_availabilities(self, product_id: str, sku_id: str, country: str,
                            target_segment: str | None = None, *,
                            correlation_id: str | None = None) -> tuple[Availability, ...]:
        """List a SKU's availabilities; their ids rotate, so re-read before ordering."""
        response = self._transport.send(Call(
            "GET", f"/v1/products/{_q(product_id)}/skus/{_q(sku_id)}/availabilities",
            params=_catalog_params(country, None, target_segment), correlation_id=correlation_id))
        return tuple(Availability.from_wire(a) for a in wire.items(response.json()))

    def create_cart(self, customer_id: str, lines: Sequence[CartLineRequest], *,
                    partner_on_record_attestation: bool = True,
                    correlation_id: str | None = None, request_id: str | None = None,
                    line_ids: Sequence[int] | None = None) -> Cart:
        """Create a cart (201); lines Partner Center cannot sell come back with an error.
        `line_ids` (default 0..n-1) are the lines' ids, which the cart answers back."""
        ids = list(line_ids) if line_ids is not None else list(range(len(lines)))
        body: dict[str, Any] = {"lineItems": [ln.to_wire(i) for i, ln in zip(ids, lines,
                                                                            strict=True)]}
        if partner_on_record_attestation:
            body["PartnerOnRecordAttestationAccepted"] = True
        response = self._transport.send(Call(
            "POST", f"{_c(customer_id)}/carts", body=body, ok=(201,), request_id=request_id,
            correlation_id=correlation_id))
        return Cart.from_wire(response.json())

    def get_cart(self, customer_id: str, cart_id: str, *,
                 correlation_id: str | None = None) -> Cart:
        """Read a cart; `Ordered` means a checkout already went through."""
        response = self._transport.send(Call("GET", f"{_c(customer_id)}/carts/{_q(cart_id)}",
                                             correlation_id=correlation_id))
        return Cart.from_wire(response.json())

    def checkout_cart(self, customer_id: str, cart_id: str, *,
                      correlation_id: str | None = None,
                      request_id: str | None = None) -> CheckoutResult:
        """Buy the cart (201); keep `request_id` to replay safely after a crash or timeout."""
        response = self._transport.send(Call(
            "POST", f"{_c(customer_id)}/carts/{_q(cart_id)}/checkout", ok=(201,),
            request_id=request_id, correlation_id=correlation_id))
        return CheckoutResult.from_wire(response.json())

    def get_order(self, customer_id: str, order_id: str, *,
                  correlation_id: str | None = None) -> Order:
        """Read an order; subscription ids appear once provisioning completed."""
        response = self._transport.send(Call("GET", f"{_c(customer_id)}/orders/{_q(order_id)}",
                                             correlation_id=correlation_id))
        return Order.from_wire(response.json())

    def list_orders(self, customer_id: str, *, billing_type: str | None = None,
                    correlation_id: str | None = None) -> tuple[Order, ...]:
        """List a customer's orders of any date (new ones may lag behind); the only list
        that returns software bought before October 2021. `billing_type` (onetime,
        monthly, annual …) narrows it as get-a-list-of-orders-by-customer-and-billing-
        cycle-type documents."""
        call = Call("GET", f"{_c(customer_id)}/orders", correlation_id=correlation_id,
                    params={"billingType": billing_type} if billing_type else None)
        return tuple(Order.from_wire(o) for o in paging.items(self._transport, call))

    def get_order_provisioning_status(self, customer_id: str, order_id: str, *,
                                      correlation_id: str | None = None
                                      ) -> tuple[LineProvisioning, ...]:
        """Read per-line provisioning of an order (app+user)."""
        response = self._transport.send(Call(
            "GET", f"{_c(customer_id)}/orders/{_q(order_id)}/provisioningstatus",
            as_user=True, correlation_id=correlation_id))
        return tuple(LineProvisioning.from_wire(x) for x in wire.items(response.json()))

    def cancel_order(self, customer_id: str, order_id: str, line_item_numbers: Sequence[int],
                     *, correlation_id: str | None = None,
                     request_id: str | None = None) -> Order:
        """Cancel software lines of an order (perpetual: within 30 days) with an order PATCH.

        cancel-software-purchases: the PATCH cancels the lines its `lineItems` name (each
        with its offerId, read from the order) and leaves the others, which may be any
        one_time purchase of the same cart (an Azure plan); naming none cancels the whole
        order, so an empty `line_item_numbers` is refused here, never sent. Each named
        line is judged by its own purchase; an Azure plan or new-commerce line is refused
        (400/800063: cancelled by subscription only)."""
        named = set(line_item_numbers)
        if not named:
            raise ValueError(f"cancelling order {order_id} needs the line numbers to cancel")
        path = f"{_c(customer_id)}/orders/{_q(order_id)}"
        current = self._transport.send(Call("GET", path, correlation_id=correlation_id)).json()
        offers = {wire.get(li, "lineItemNumber"): wire.get(li, "offerId")
                  for li in wire.items(current, "lineItems")}
        lines = [{"lineItemNumber": n, "offerId": offers.get(n, "")} for n in sorted(named)]
        response = self._transport.send(Call(
            "PATCH", path, body={"id": order_id, "status": "cancelled", "lineItems": lines},
            request_id=request_id, correlation_id=correlation_id))
        return Order.from_wire(response.json())

    def list_subscriptions(self, customer_id: str, *, order_id: str | None = None,
                           correlation_id: str | None = None) -> tuple[Subscription, ...]:
        """List a customer's subscriptions, or only those an order created."""
        params = {"order_id": order_id} if order_id else None
        call = Call("GET", f"{_c(customer_id)}/subscriptions", params=params,
                    correlation_id=correlation_id)
        return tuple(Subscription.from_wire(s) for s in paging.items(self._transport, call))

    def get_subscription(self, customer_id: str, subscription_id: str, *,
                         correlation_id: str | None = None) -> Subscription:
        """Read one subscription."""
        return Subscription.from_wire(
            self._subscription_wire(customer_id, subscription_id, correlation_id))

    def update_subscription(
        self, customer_id: str, subscription_id: str, *, quantity: int | None = None,
        auto_renew_enabled: bool | None = None, status: str | None = None,
        correlation_id: str | None = None, request_id: str | None = None,
    ) -> Subscription:
        """Change seats, autorenew or status (suspended/active/deleted) keeping the rest.

        Partner Center expects the whole resource: a minimal body would switch autorenew
        off, so the current one is read first and sent back with only these fields changed.
        """
        changes = {"quantity": quantity, "autoRenewEnabled": auto_renew_enabled,
                   "status": status}
        return self._patch(customer_id, subscription_id,
                           {k: v for k, v in changes.items() if v is not None}, quantity,
                           correlation_id, request_id)

    def schedule_next_term(self, customer_id: str, subscription_id: str,
                           instructions: NextTerm | None, *, correlation_id: str | None = None,
                           request_id: str | None = None) -> Subscription:
        """R1: schedule the changes the next renewal applies, or withdraw them (None).

        create-scheduled-changes: the full resource with scheduledNextTermInstructions and
        autoRenewEnabled true (a schedule needs autorenew). Withdrawing sends null, the
        value the docs show for a subscription without a schedule."""
        changes = {"autoRenewEnabled": True, "scheduledNextTermInstructions":
                   instructions.to_wire() if instructions else None}
        return self._patch(customer_id, subscription_id, changes, None, correlation_id,
                           request_id)

    def get_custom_term_end_dates(
        self, customer_id: str, term_duration: str, *, term_start_date: date | None = None,
        target_coterm_subscription_id: str | None = None, correlation_id: str | None = None,
    ) -> tuple[CustomTermEndDate, ...]:
        """R6: the end dates a new subscription of this term may have instead of the
        standard one (month ends and existing subscriptions' end dates); pages of 300,
        the next one asked for with the MS-ContinuationToken the last one answered."""
        params = {"term_duration": term_duration,
                  "term_start_date": term_start_date.isoformat() if term_start_date else None,
                  "target_coterm_subscription_id": target_coterm_subscription_id}
        call = Call("GET", f"{_c(customer_id)}/subscriptions/customTermEndDates",
                    params={k: v for k, v in params.items() if v},
                    correlation_id=correlation_id)
        found = (CustomTermEndDate.from_wire(i)
                 for i in paging.header_items(self._transport, call))
        return tuple(d for d in found if d is not None)

    def get_transition_eligibilities(
        self, customer_id: str, subscription_id: str, eligibility_type: str = "immediate", *,
        correlation_id: str | None = None,
    ) -> tuple[TransitionEligibility, ...]:
        """R4: the plans this subscription can move to now (immediate) or at renewal
        (scheduled), and the existing subscriptions that could take its seats."""
        response = self._transport.send(Call(
            "GET", f"{_c(customer_id)}/subscriptions/{_q(subscription_id)}"
            "/transitionEligibilities", params={"eligibilityType": eligibility_type},
            correlation_id=correlation_id))
        return tuple(TransitionEligibility.from_wire(i) for i in wire.items(response.json()))

    def create_transition(
        self, customer_id: str, subscription_id: str, to_catalog_item_id: str, quantity: int,
        *, transition_type: str = "transition_only", to_subscription_id: str | None = None,
        correlation_id: str | None = None, request_id: str | None = None,
    ) -> Transition:
        """R4: move `quantity` seats to a higher plan (200 with the Transition); keep
        `request_id` to replay it safely."""
        body = {"fromSubscriptionId": subscription_id, "toCatalogItemId": to_catalog_item_id,
                "quantity": quantity, "transitionType": transition_type}
        if to_subscription_id:
            body["toSubscriptionId"] = to_subscription_id
        response = self._transport.send(Call(
            "POST", f"{_c(customer_id)}/subscriptions/{_q(subscription_id)}/transitions",
            body=body, ok=(200,), request_id=request_id, correlation_id=correlation_id))
        return Transition.from_wire(response.json())

    def get_transitions(
        self, customer_id: str, subscription_id: str, *, correlation_id: str | None = None,
    ) -> tuple[Transition, ...]:
        """R4: the transitions made from this subscription, each with its events
        (get-transitions), wherever they were made: the storefront or Partner Center."""
        response = self._transport.send(Call(
            "GET", f"{_c(customer_id)}/subscriptions/{_q(subscription_id)}/transitions",
            correlation_id=correlation_id))
        body = response.json()
        # The page's collection holds them under "transition", not "items".
        found = wire.items(body, "transition") or wire.items(body)
        return tuple(Transition.from_wire(t) for t in found)

    def _patch(self, customer_id: str, subscription_id: str, changes: dict[str, Any],
               quantity: int | None, correlation_id: str | None,
               request_id: str | None) -> Subscription:
        """PATCH the current resource with `changes`, with its ETag; a 202 is read again."""
        current = self._subscription_wire(customer_id, subscription_id, correlation_id)
        etag = wire.text(wire.obj(current, "attributes"), "etag") or None
        path = f"{_c(customer_id)}/subscriptions/{_q(subscription_id)}"
        response = self._transport.send(Call(
            "PATCH", path, body=current | changes, ok=(200, 202), if_match=etag,
            request_id=request_id, correlation_id=correlation_id))
        if response.status_code == 202:
            return self._accepted(response, path, quantity, correlation_id)
        answer = response.json()
        if quantity is not None and _windows_left_out(answer):
            # S2: read the seats' 7-day windows from the resource (get-a-subscription-by-id)
            # rather than leave the seats just added with no window until a sync.
            answer = self._subscription_wire(customer_id, subscription_id, correlation_id)
        return Subscription.from_wire(answer)

    def _accepted(self, response, path: str, quantity: int | None,
                  correlation_id: str | None) -> Subscription:
        """A slow change answered 202: read the Location until it shows the new seat count
        (a few reads with the retry backoff), then answer what it shows."""
        location = paging.api_path(response.headers.get("Location") or path)
        for attempt in range(1, ACCEPTED_READS + 1):
            data = self._transport.send(Call("GET", location,
                                             correlation_id=correlation_id)).json()
            if quantity is None or wire.get(data, "quantity") == quantity:
                break
            self._transport.wait(attempt)
        return Subscription.from_wire(data)

    def _subscription_wire(self, customer_id: str, subscription_id: str,
                           correlation_id: str | None) -> dict[str, Any]:
        """Fetch a subscription's JSON; stays inside the package."""
        response = self._transport.send(Call(
            "GET", f"{_c(customer_id)}/subscriptions/{_q(subscription_id)}",
            correlation_id=correlation_id))
        return response.json()


def _windows_left_out(answer: Any) -> bool:
    """A new-commerce subscription answered without refundableQuantity. The one new-commerce
    answer change-the-quantity-of-a-subscription shows carries it (its legacy one, with no
    such windows, does not), but nothing promises every answer does."""
    return wire.get(answer, "refundableQuantity") is None and termed_new_commerce(answer)
