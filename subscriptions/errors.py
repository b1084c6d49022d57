"""The one error family of subscription management: a refusal with a rule code."""

from __future__ import annotations

from refusals import Refused
from subscriptions.rules import Refusal


class SubscriptionRefused(Refused):
    """An action a rule (or Partner Center) refuses; `code` is stable, `message` is for people."""

    default_field = "subscription"

    def __init__(self, refusal: Refusal) -> None:
        super().__init__((refusal,))
        self.rule, self.code, self.message = refusal.rule, refusal.code, refusal.message
        self.until = refusal.until
        # K9: the provider's deactivation, which nothing in the request can change: 409,
        # as an admin's retry of such an order answers.
        self.status = 403 if self.forbidden else 409 if refusal.rule == "K9" else 422
        self.summary = refusal.message  # one reason: the API's detail is that reason

    @property
    def forbidden(self) -> bool:
        """A missing permission (S4, S7) rather than a refused change."""
        return self.code.endswith(".admin_agent_required")


def refuse(refusal: Refusal | None) -> None:
    """Raise the refusal a rule answered, if any."""
    if refusal is not None:
        raise SubscriptionRefused(refusal)
