"""Enrollment roles and Org IDs (O7, seed 000 "Create Org ID" and "Onboarding Experiences").

Org ID format, from the seed: "Org ID is Organization ID goes with format of
***@***.partner.omschina.cn": a user name, ``@``, the customer's domain (one DNS label) and
``.partner.omschina.cn``, e.g. ``li.wei@contoso.partner.omschina.cn``. Compared in lower case.
"Customer OrgID is requested when signing the contract and this OrgID will be provisioned in
the system as primary Enterprise Administrator". More Org IDs are created "under the same
domain", so every administrator's Org ID shares the primary Enterprise Administrator's domain.

Roles, as the seed defines them: Enterprise Administrators manage the whole enrollment;
Department Administrators manage one department; Account Owners manage one account's
subscriptions ("As the Account Owner, they can add other Account Owners as Co-Admin"); Service
Administrators manage one subscription of an account, named by its Azure GUID in any case
(commitments.accounts).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from commitments.accounts import normalise_subscription_id, subscription_id_problems
from commitments.problems import Problem, problem, refuse_if_any

RULE = "O7"
ORG_ID_SUFFIX = ".partner.omschina.cn"
_ORG_ID = re.compile(r"[a-z0-9._%+-]{1,64}@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
                     + re.escape(ORG_ID_SUFFIX))


class AdminRole(StrEnum):
    """The four roles of an enrollment."""

    ENTERPRISE_ADMINISTRATOR = "enterprise_administrator"
    DEPARTMENT_ADMINISTRATOR = "department_administrator"
    ACCOUNT_OWNER = "account_owner"
    SERVICE_ADMINISTRATOR = "service_administrator"


ROLE_LABELS = {
    AdminRole.ENTERPRISE_ADMINISTRATOR: "Enterprise Administrator",
    AdminRole.DEPARTMENT_ADMINISTRATOR: "Department Administrator",
    AdminRole.ACCOUNT_OWNER: "Account Owner",
    AdminRole.SERVICE_ADMINISTRATOR: "Service Administrator",
}


def org_id_domain(org_id: str) -> str | None:
    """The customer domain of an Org ID ('contoso' in x@contoso.partner.omschina.cn)."""
    match = _ORG_ID.fullmatch(org_id.strip().lower())
    return match.group(1) if match else None


def org_id_problems(org_id: str, field: str = "org_id") -> list[Problem]:
    """O7.invalid_org_id unless the Org ID has the seed's ***@***.partner.omschina.cn form."""
    if org_id_domain(org_id) is not None:
        return []
    message = (f"{org_id.strip()!r} is not an Org ID: use name@yourdomain{ORG_ID_SUFFIX}, "
               "e.g. li.wei@contoso.partner.omschina.cn.")
    return [problem(RULE, "invalid_org_id", message, field)]


def normalise_org_id(org_id: str) -> str:
    """The Org ID as stored (lower case, trimmed), or CommitmentRefused when malformed."""
    refuse_if_any(org_id_problems(org_id))
    return org_id.strip().lower()


@dataclass(frozen=True)
class Administrator:
    """One role held by one Org ID, scoped to a department, an account or a subscription."""

    role: AdminRole
    org_id: str
    department: str | None = None
    account: str | None = None
    subscription_id: str | None = None
    primary: bool = False


@dataclass(frozen=True)
class Structure:
    """What an enrollment has for roles to refer to: departments, and accounts' subscriptions."""

    departments: frozenset[str]
    accounts: dict[str, frozenset[str]]
    administrators: tuple[Administrator, ...]

    def primary_domain(self) -> str | None:
        """The domain of the primary Enterprise Administrator's Org ID, once provisioned."""
        primary = next((a for a in self.administrators if a.primary), None)
        return org_id_domain(primary.org_id) if primary else None


def _scope_problems(new: Administrator, structure: Structure) -> list[Problem]:
    if new.role is AdminRole.DEPARTMENT_ADMINISTRATOR and new.department not in \
            structure.departments:
        message = "A Department Administrator needs one of this enrollment's departments."
        return [problem(RULE, "department_required", message, "department")]
    needs_account = {AdminRole.ACCOUNT_OWNER, AdminRole.SERVICE_ADMINISTRATOR}
    if new.role in needs_account and new.account not in structure.accounts:
        message = f"An {ROLE_LABELS[new.role]} needs one of this enrollment's accounts."
        return [problem(RULE, "account_required", message, "account")]
    return _subscription_problems(new, structure.accounts.get(new.account or "", frozenset()))


def _subscription_problems(new: Administrator, held: frozenset[str]) -> list[Problem]:
    """Any role's subscription id is a GUID (O7: only those are kept); a Service
    Administrator's is one the chosen account holds, in any case."""
    typed = new.subscription_id
    if typed is not None and (found := subscription_id_problems(typed)):
        return found
    if new.role is not AdminRole.SERVICE_ADMINISTRATOR:
        return []
    kept = {normalise_subscription_id(s) for s in held}
    if typed is None or normalise_subscription_id(typed) not in kept:
        message = "A Service Administrator manages a subscription of the chosen account."
        return [problem(RULE, "subscription_required", message, "subscription_id")]
    return []


def _role_key(a: Administrator) -> tuple:
    """What makes two roles one: the same subscription, in any case, is one."""
    subscription = a.subscription_id and normalise_subscription_id(a.subscription_id)
    return (a.role, a.org_id, a.department, a.account, subscription)


def _domain_problems(org_id: str, structure: Structure) -> list[Problem]:
    domain = structure.primary_domain()
    if domain is None or org_id_domain(org_id) == domain:
        return []
    message = (f"More Org IDs are created under the same domain: use "
               f"name@{domain}{ORG_ID_SUFFIX}.")
    return [problem(RULE, "org_id_other_domain", message, "org_id")]


def administrator_problems(new: Administrator, structure: Structure) -> list[Problem]:
    """Every reason `new` cannot be added: its Org ID, its domain, its scope, a duplicate."""
    found = org_id_problems(new.org_id)
    if found:
        return found
    found = _domain_problems(new.org_id, structure) + _scope_problems(new, structure)
    if any(_role_key(a) == _role_key(new) for a in structure.administrators):
        message = f"{new.org_id} already holds this role here."
        found.append(problem(RULE, "administrator_exists", message, "org_id"))
    return found


def account_owners(account: str, owner: str, administrators: Sequence[Administrator]) -> set[str]:
    """The account's owner and its co-admins (Account Owners added to the same account)."""
    co_admins = {a.org_id for a in administrators
                 if a.role is AdminRole.ACCOUNT_OWNER and a.account == account}
    return {owner} | co_admins


def co_admin_problems(
    account: str, owner: str, added_by: str, new_org_id: str, structure: Structure
) -> list[Problem]:
    """O7: only an Account Owner of `account` adds another Account Owner as Co-Admin."""
    found = []
    if added_by.strip().lower() not in account_owners(account, owner, structure.administrators):
        message = f"Only an Account Owner of {account} can add a co-admin: give your Org ID."
        found.append(problem(RULE, "co_admin_by_account_owner_only", message, "added_by"))
    new = Administrator(AdminRole.ACCOUNT_OWNER, new_org_id.strip().lower(), account=account)
    return found + administrator_problems(new, structure)
