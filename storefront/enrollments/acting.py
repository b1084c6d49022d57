"""Who the signed-in user is to an enrollment, and so which actions of
commitments.assists they may take (O6, O8): the provider admin acts as the provider, the
enrollment's partner reseller's users as the partner, the customer's users as the customer."""

from __future__ import annotations

from commitments.assists import Action, actions_for
from commitments.enrollment import Actor, Status
from commitments.lifecycle import STOPPED
from commitments.records.models import Enrollment

# The status form's targets, as actions of the table; "active" is activation or reactivation.
STATUS_ACTIONS = {
    Status.CREDIT_CHECK: Action.SUBMIT_FOR_CREDIT_CHECK,
    Status.DRAFT: Action.RETURN_TO_DRAFT,
    Status.SUSPENDED: Action.SUSPEND,
    Status.TERMINATED: Action.TERMINATE,
    Status.EXPIRED: Action.EXPIRE,
}
ANY_STATUS_ACTION = (*STATUS_ACTIONS.values(), Action.ACTIVATE, Action.REACTIVATE)


def actor_of(user, row: Enrollment) -> Actor | None:
    """The user's part in the enrollment, or None (another reseller's or customer's user)."""
    if user.is_provider_admin:
        return Actor.PROVIDER
    if user.is_reseller and row.partner_reseller_id is not None \
            and user.reseller_id == row.partner_reseller_id:
        return Actor.RESELLER
    if user.is_customer and user.customer_id == row.customer_id:
        return Actor.CUSTOMER
    return None


def allowed(user, row: Enrollment) -> frozenset[Action]:
    """Every action the user may take on the enrollment."""
    return actions_for(actor_of(user, row))


def status_action(row: Enrollment, target: Status) -> Action:
    """The table's action for moving the enrollment to `target`."""
    if target is Status.ACTIVE:
        return Action.REACTIVATE if Status(row.status) in STOPPED else Action.ACTIVATE
    return STATUS_ACTIONS[target]
