"""Typed values of new-commerce transitions (upgrades, R4): what a subscription may move to,
and a transition's status (transition-a-new-commerce-subscription)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.partner_center import wire


@dataclass(frozen=True)
class TargetSubscription:
    """An existing subscription the seats could move into, and why not when it cannot
    (codes 1 not active, 2 in its cancellation window, 3 shorter term, 4 ends earlier)."""

    subscription_id: str
    friendly_name: str
    term_duration: str
    billing_cycle: str
    eligible: bool
    error_codes: tuple[int, ...]

    @classmethod
    def from_wire(cls, data: Any) -> TargetSubscription:
        """Parse one subscriptionEligibilities entry."""
        return cls(wire.text(data, "subscriptionId"), wire.text(data, "subscriptionFriendlyName"),
                   wire.text(data, "subscriptionTermDuration"),
                   wire.text(data, "subscriptionBillingCycle").lower(),
                   bool(wire.get(data, "isEligible")),
                   tuple(int(e["code"]) for e in wire.items(data, "errors")
                         if str(wire.get(e, "code", "")).isdigit()))


@dataclass(frozen=True)
class TransitionEligibility:
    """A plan the subscription can move to: its catalog item, the transition types allowed
    now, and the existing subscriptions that could receive the seats."""

    catalog_item_id: str
    title: str
    quantity: int
    transition_types: tuple[str, ...]
    targets: tuple[TargetSubscription, ...]

    @classmethod
    def from_wire(cls, data: Any) -> TransitionEligibility:
        """Parse one item of transitionEligibilities; a missing target list is empty."""
        return cls(wire.text(data, "catalogItemId"), wire.text(data, "title"),
                   int(wire.get(data, "quantity", 0) or 0),
                   tuple(wire.text(e, "transitionType") for e in wire.items(data, "eligibilities")
                         if wire.get(e, "isEligible")),
                   tuple(TargetSubscription.from_wire(t)
                         for t in wire.items(data, "subscriptionEligibilities")))


@dataclass(frozen=True)
class Transition:
    """A transition as Partner Center answers it, with its latest event's status."""

    from_subscription_id: str
    to_subscription_id: str
    to_catalog_item_id: str
    quantity: int
    transition_type: str
    status: str  # Started, Completed or Failed ("Started " in the docs: trimmed)

    @classmethod
    def from_wire(cls, data: Any) -> Transition:
        """Parse a Transition resource (its "Events" come PascalCase in the docs)."""
        events = wire.items(data, "events")
        return cls(wire.text(data, "fromSubscriptionId"), wire.text(data, "toSubscriptionId"),
                   wire.text(data, "toCatalogItemId"), int(wire.get(data, "quantity", 0) or 0),
                   wire.text(data, "transitionType"),
                   wire.text(events[-1], "status").strip() if events else "")
