"""Why an order needs a person, in plain words, and what that person should do next.

Partner Center business errors (a refused customer, a missing MCA, a plan limit) cannot be
fixed by trying again; the order moves to needs_attention with the code's meaning from the
connector (`describe`) and a next step chosen here by code.
"""

from __future__ import annotations

from connectors.partner_center.errors import (
    PartnerCenterError,
    ReauthenticationRequired,
    describe,
)

ADMIN_RETRY = "then retry the order from the attention queue (Admin → Orders)."
DEFAULT_NEXT_STEP = ("An administrator should look the error up in Partner Center, fix its "
                     "cause, " + ADMIN_RETRY)

NEXT_STEPS: dict[str, str] = {
    "13605": "Record the customer's acceptance of the Microsoft Customer Agreement on the "
             "customer's page, " + ADMIN_RETRY,
    "800066": "The customer already holds the most subscriptions Microsoft allows for this "
              "plan: add licenses to an existing subscription instead and cancel this order.",
    "800088": "Lower the quantity (the tenant's seat limit for this product is reached), or "
              "cancel this order.",
    "600049": "Enter the organisation registration number (tax ID) on the customer's page, "
              + ADMIN_RETRY,
    "600050": "Correct the organisation registration number (tax ID) on the customer's page, "
              + ADMIN_RETRY,
    "600002": "Remove the registration number from the customer's page, " + ADMIN_RETRY,
    "600051": "Add a phone number to the customer's billing address, " + ADMIN_RETRY,
    "2091": "The product is no longer sold: cancel this order and offer a replacement.",
    "400019": "Partner Center renewed an offer's availability twice while the order was "
              "bought (a retry buys it through a new cart read just then): wait a few "
              "minutes, " + ADMIN_RETRY,
    "800008": "Fix what held the order up (see its history), " + ADMIN_RETRY
              + " A new cart replaces the expired one.",
    "900123": "The reseller must accept the Microsoft Partner Agreement first, " + ADMIN_RETRY,
    "900124": "The reseller must accept the Microsoft Partner Agreement first, " + ADMIN_RETRY,
    "10004": "Check the reseller's MPN ID on the reseller's page, " + ADMIN_RETRY,
}


class NeedsAttention(Exception):
    """Provisioning cannot go on without a person; carries the reason and the next step."""

    def __init__(self, reason: str, next_step: str = DEFAULT_NEXT_STEP, code: str = "") -> None:
        super().__init__(reason)
        self.reason, self.next_step, self.code = reason, next_step, code


def next_step_for(code: str | None) -> str:
    """What a person should do about a Partner Center error code."""
    return NEXT_STEPS.get(str(code or ""), DEFAULT_NEXT_STEP)


def meaning(code: str | None, description: str = "") -> str:
    """The code's plain-language meaning, with Partner Center's own words when ours are generic."""
    text = describe(code)
    if code and text.startswith("Partner Center refused") and description:
        text = f"Partner Center refused the request: {description}"
    return f"{text} (Partner Center code {code})" if code else text


def explain(error: PartnerCenterError) -> NeedsAttention:
    """Turn a final Partner Center error into the reason and next step shown to people."""
    if isinstance(error, ReauthenticationRequired):
        return NeedsAttention(
            "Partner Center refused our sign-in: " + error.meaning,
            "An administrator must sign in to Partner Center again (consent), " + ADMIN_RETRY,
            error.code or "")
    return NeedsAttention(meaning(error.code, error.description), next_step_for(error.code),
                          error.code or "")
