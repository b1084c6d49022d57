"""What ending someone's access does, in the words its confirmation uses (confirmation.py,
as storefront.consequences for every other destructive action): an API token revoked, a
user, reseller or customer deactivated, an invitation revoked, the admin-agent permission
or a role withdrawn, a session ended, multi-factor sign-in disabled or reset.
"""

from __future__ import annotations

from accounts import team
from catalog.price_words import counted
from persistence import utcnow
from storefront.confirmation import Consequence


def revoke_token(token) -> Consequence:
    return Consequence(
        f"Revoke the token “{token.name}”",
        f"Every script or system using “{token.name}” is refused (401) from now on. A "
        "revoked token never works again: create a new one and give it to them instead.")


def deactivate_user(user) -> Consequence:
    return Consequence(
        f"Deactivate {user.email}",
        f"{user.email} is signed out everywhere at once, its API tokens and the "
        "invitations it sent that are still open stop working for good, and it cannot sign "
        "in until an administrator reactivates it (which brings back neither the sessions, "
        "the tokens nor the invitations).")


def revoke_invitation(row) -> Consequence:
    return Consequence(
        f"Revoke the invitation to {row.email}",
        f"The link emailed to {row.email} stops working at once: nobody can join with it. "
        "To invite them after all, send a new invitation.")


def deactivate_reseller(reseller, wanted_active: bool) -> Consequence | None:
    if not reseller.active or wanted_active or reseller.id is None:
        return None
    return Consequence(
        f"Deactivate {reseller.company_name}",
        f"Every user of {reseller.company_name} is signed out at once and cannot sign in, "
        "and its API tokens and its open invitations stop working for good; the same goes "
        "for the users of its customers and the invitations to them. It can no longer "
        "order for its customers. Reactivating it lets them sign in again, but brings back "
        "neither the sessions, the tokens nor the invitations. Its customers' subscriptions "
        "are not affected.")


def deactivate_customer(customer) -> Consequence | None:
    """A direct customer, stopped as a reseller is (accounts/services.set_customer_active)."""
    if not customer.active:
        return None
    return Consequence(
        f"Deactivate {customer.company_name}",
        f"Every user of {customer.company_name} is signed out at once and cannot sign in, "
        "and its API tokens and its open invitations stop working for good; its orders are "
        "refused (K9). Reactivating it lets its users sign in again, but brings back "
        "neither the sessions, the tokens nor the invitations. Nothing of its subscriptions "
        "is changed in Partner Center: they go on, and are billed, until you suspend or "
        "cancel them there.")


def withdraw_admin_agent(user, *, invitations: bool = True) -> Consequence | None:
    """Admin agent withdrawn; the open invitations the user sent making an admin agent end
    with it (accounts/team.py), said unless the caller says they end anyway."""
    if not user.admin_agent:
        return None
    sent = len(team.admin_agent_invitations_sent_by(user, utcnow())) if invitations else 0
    return Consequence(
        f"Withdraw admin agent from {user.email}",
        f"{user.email} can no longer cancel subscriptions, reveal product keys or download "
        f"software (S4, S7) until you make it an admin agent again{_agent_invitations(sent)}.")


def _agent_invitations(sent: int) -> str:
    if not sent:
        return ""
    return (f"; the {counted(sent, 'invitation')} it sent making an admin agent that "
            f"{'is' if sent == 1 else 'are'} still open stop{'s' if sent == 1 else ''} "
            "working at once")


def change_role(user, company_role: str, admin_agent: bool, sent: int) -> Consequence | None:
    """A role change ends the admin-agent permission when unticked, and the open
    invitations the user sent when it loses the admin role (accounts/team.py)."""
    losing_admin = sent and user.company_role == "admin" and company_role != "admin"
    # Losing the admin role ends every invitation it sent, those making an admin agent too.
    agent = withdraw_admin_agent(user, invitations=not losing_admin) if not admin_agent \
        else None
    if not losing_admin:
        return agent
    return Consequence(
        f"Take the admin role from {user.email}",
        f"{user.email} no longer manages the company's users, and the "
        f"{counted(sent, 'invitation')} it sent that {'is' if sent == 1 else 'are'} still "
        f"open stop{'s' if sent == 1 else ''} working at once."
        f"{' ' + agent.text if agent else ''}")


def end_session(row, current) -> Consequence:
    if current is not None and current.id == row.id:
        return Consequence("Sign out this browser",
                           "This browser is signed out at once; you sign in again to go on.")
    return Consequence(
        f"Sign out {row.user_agent or 'that browser'}",
        f"{row.user_agent or 'That browser'} ({row.address or 'address unknown'}) is signed "
        "out at once: whoever uses it must sign in again.")


def sign_out_everywhere() -> Consequence:
    return Consequence(
        "Sign out everywhere",
        "Every browser signed in as you, this one included, is signed out at once and must "
        "sign in again, and no browser stays trusted to skip the two-factor code. The API "
        "tokens you made stop working too: make new ones on the API tokens page.")


def disable_mfa() -> Consequence:
    return Consequence(
        "Turn off two-factor sign-in",
        "Signing in will ask for your password only; your recovery codes stop working and "
        "no browser stays trusted.")


def reset_mfa(user) -> Consequence:
    return Consequence(
        f"Reset two-factor sign-in of {user.email}",
        f"{user.email} is signed out everywhere at once; its authenticator app and recovery "
        "codes stop working, and no browser stays trusted. It signs in with its password "
        "and sets up a new authenticator (at once, if its role requires one). It is told "
        "by email that you did it.")
