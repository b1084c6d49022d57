"""Typed values of new-commerce transitions (upgrades, R4): what a subscription may move to,
and a transition's status (transition-a-new-commerce-subscription)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
class TransitionEvent:
    """One step of a transition: Conversion (the seats change plan) or LicenseReassignment,
    Started, Completed or Failed, at its UTC timestamp (transition-resources)."""

    name: str
    status: str
    at: datetime | None

    @classmethod
    def from_wire(cls, data: Any) -> TransitionEvent:
        """Parse one event; the docs' "Started " carries a trailing space (trimmed)."""
        return cls(wire.text(data, "name").strip(), wire.text(data, "status").strip(),
                   wire.timestamp(data, "timestamp"))


@dataclass(frozen=True)
class Transition:
    """A transition as Partner Center answers it, with its latest event's status and its
    events (get-transitions: the history; the create answer has only "Started")."""

    from_subscription_id: str
    to_subscription_id: str
    to_catalog_item_id: str
    quantity: int
    transition_type: str
    status: str  # Started, Completed or Failed ("Started " in the docs: trimmed)
    events: tuple[TransitionEvent, ...] = ()

    @classmethod
    def from_wire(cls, data: Any) -> Transition:
        """Parse a Transition resource (its "Events" come PascalCase in the docs)."""
        events = tuple(TransitionEvent.from_wire(e) for e in wire.items(data, "events"))
        return cls(wire.text(data, "fromSubscriptionId"), wire.text(data, "toSubscriptionId"),
                   wire.text(data, "toCatalogItemId"), int(wire.get(data, "quantity", 0) or 0),
                   wire.text(data, "transitionType"),
                   events[-1].status if events else "", events)

    @property
    def converted_at(self) -> datetime | None:
        """When the seats moved: the Conversion event's completion; None until then."""
        return next((e.at for e in reversed(self.events)
                     if (e.name, e.status) == ("Conversion", "Completed")), None)
