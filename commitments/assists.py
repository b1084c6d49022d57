"""Who acts on an Indirect OSPA enrollment: the partner assists, the provider decides (O6, O8).

Seed 000: "pricing and order form will be provided and assist to submit by indirect
partners"; "your partner will assist customer in Renew, Suspension, Termination, and
reactivation"; but "the Re-active request will be completed by 21V support team, customers
have no right do the re-active by themselves" (O8). So the partner (the enrollment's reseller)
submits the package, the orders and the renewal, and suspends or terminates on the
customer's behalf; it may *request* reactivation, which only the provider completes. The
provider keeps what 21Vianet does: the credit decision, activation (the contract becomes
effective when the provider receives the signed package), usage metering, expiry and
reactivation. The customer's own Account Owners add co-admins and confirm account ownership
(seed: "Account Owners can add other Account Owners as Co-Admin"; "Confirm Account Ownership
by signing into the Enterprise Portal"). The provider, as operator, may take every action but
confirming another's account ownership.

This table is the one place that says so; views and pages read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from commitments.enrollment import Actor
from commitments.problems import Problem, problem


class Action(StrEnum):
    """Something done to an enrollment from its page."""

    SIGN_DOCUMENT = "sign_document"
    PLACE_ORDER = "place_order"
    SUBMIT_FOR_CREDIT_CHECK = "submit_for_credit_check"
    RETURN_TO_DRAFT = "return_to_draft"
    RECORD_CREDIT_CHECK = "record_credit_check"
    ACTIVATE = "activate"
    SUSPEND = "suspend"
    TERMINATE = "terminate"
    EXPIRE = "expire"
    REQUEST_REACTIVATION = "request_reactivation"
    REACTIVATE = "reactivate"
    RECORD_USAGE = "record_usage"
    RECORD_SETTLEMENT = "record_settlement"
    MARK_INVOICE_PAID = "mark_invoice_paid"
    ADD_DEPARTMENT = "add_department"
    ADD_ADMINISTRATOR = "add_administrator"
    ADD_ACCOUNT = "add_account"
    ADD_SUBSCRIPTION = "add_subscription"
    ADD_CO_ADMIN = "add_co_admin"
    CONFIRM_ACCOUNT_OWNERSHIP = "confirm_account_ownership"
    CONVERT_SUBSCRIPTION = "convert_subscription"
    RENEW = "renew"
    SET_PAYMENT_TERMS = "set_payment_terms"
    RECORD_VAT_INVOICE = "record_vat_invoice"


_PROVIDER = frozenset({Actor.PROVIDER})
_PARTNER = frozenset({Actor.PROVIDER, Actor.RESELLER})
_OWNERS = frozenset({Actor.PROVIDER, Actor.RESELLER, Actor.CUSTOMER})

WHO: Mapping[Action, frozenset[Actor]] = {
    Action.SIGN_DOCUMENT: _PARTNER,
    Action.PLACE_ORDER: _PARTNER,
    Action.SUBMIT_FOR_CREDIT_CHECK: _PARTNER,
    Action.RETURN_TO_DRAFT: _PARTNER,
    Action.RECORD_CREDIT_CHECK: _PROVIDER,
    Action.ACTIVATE: _PROVIDER,
    Action.SUSPEND: _PARTNER,
    Action.TERMINATE: _PARTNER,
    Action.EXPIRE: _PROVIDER,
    Action.REQUEST_REACTIVATION: frozenset({Actor.RESELLER}),
    Action.REACTIVATE: _PROVIDER,
    Action.RECORD_USAGE: _PROVIDER,
    Action.RECORD_SETTLEMENT: _PARTNER,
    Action.MARK_INVOICE_PAID: _PARTNER,
    Action.ADD_DEPARTMENT: _PARTNER,
    Action.ADD_ADMINISTRATOR: _PARTNER,
    Action.ADD_ACCOUNT: _PARTNER,
    Action.ADD_SUBSCRIPTION: _PARTNER,
    Action.ADD_CO_ADMIN: _OWNERS,
    Action.CONFIRM_ACCOUNT_OWNERSHIP: frozenset({Actor.CUSTOMER}),
    Action.CONVERT_SUBSCRIPTION: _PARTNER,
    Action.RENEW: _PARTNER,
    # O6: the partner suggests the payment terms and issues the VAT invoice once paid.
    Action.SET_PAYMENT_TERMS: _PARTNER,
    Action.RECORD_VAT_INVOICE: _PARTNER,
}


def may(actor: Actor | None, action: Action) -> bool:
    """Whether `actor` may take `action` (None: someone with no part in the enrollment)."""
    return actor is not None and actor in WHO[action]


def actions_for(actor: Actor | None) -> frozenset[Action]:
    """Every action `actor` may take, for the page to offer exactly those."""
    return frozenset(a for a in Action if may(actor, a))


def action_problems(actor: Actor | None, action: Action) -> list[Problem]:
    """O8.reactivation_by_provider_only or O6.action_not_yours when `actor` may not act."""
    if may(actor, action):
        return []
    if action is Action.REACTIVATE:
        message = "Only the provider can reactivate an enrollment; the partner may request it."
        return [problem("O8", "reactivation_by_provider_only", message)]
    who = " or ".join(sorted(a.value for a in WHO[action]))
    message = f"{action.value.replace('_', ' ').capitalize()} is done by the {who}."
    return [problem("O6", "action_not_yours", message)]
