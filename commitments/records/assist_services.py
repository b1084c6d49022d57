"""Services for the partner's assistance: roles and Org IDs, ownership confirmation,
subscription conversion, renewal and reactivation requests (O6-O9). Each commits once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from accounts.models import Role, User
from commitments import roles
from commitments.accounts import kept_subscription_id, normalise_subscription_id
from commitments.conversion import Offer, Ownership, confirmation_problems, conversion_problems
from commitments.enrollment import Status, next_enrollment_number, renewal
from commitments.lifecycle import STOPPED
from commitments.problems import problem, refuse_if_any
from commitments.records import mapping, models
from commitments.records.daily import enrollment_path, recipients
from commitments.records.enrolled import enrolled_in
from commitments.records.locking import (
    lock_enrollment,
    lock_enrollment_numbers,
    lock_subscription,
)
from commitments.records.role_models import EnrollmentAdministrator, EnrollmentDepartment
from commitments.renewal import renewal_problems
from notifications import email, notify
from persistence import db

_ENTERPRISE = roles.AdminRole.ENTERPRISE_ADMINISTRATOR


def structure(row: models.Enrollment) -> roles.Structure:
    """The departments, accounts and administrators the role rules check against."""
    accounts = {a.name: frozenset(s.subscription_id for s in a.subscriptions)
                for a in row.accounts}
    admins = tuple(roles.Administrator(
        roles.AdminRole(a.role), a.org_id, a.department.name if a.department else None,
        a.account.name if a.account else None, a.subscription_id, a.primary)
        for a in row.administrators)
    return roles.Structure(frozenset(d.name for d in row.departments), accounts, admins)


def provision_primary_administrator(row: models.Enrollment, org_id: str, today: date) -> None:
    """The customer's Org ID becomes the primary Enterprise Administrator; caller commits."""
    row.administrators.append(EnrollmentAdministrator(
        role=_ENTERPRISE.value, org_id=roles.normalise_org_id(org_id), primary=True,
        added_on=today))


def add_department(row: models.Enrollment, name: str) -> EnrollmentDepartment:
    """A department of the enrollment; names are unique per enrollment."""
    name = name.strip()
    if name in {d.name for d in row.departments}:
        message = f"This enrollment already has a department named {name}."
        refuse_if_any([problem("O7", "department_exists", message, "department_name")])
    department = EnrollmentDepartment(name=name)
    row.departments.append(department)
    db.session.commit()
    return department


def _by_name(items, name: str | None):
    return next((i for i in items if name is not None and i.name == name), None)


def add_administrator(
    row: models.Enrollment, new: roles.Administrator, today: date, user: User
) -> EnrollmentAdministrator:
    """Give an Org ID one of the four roles, checked by commitments.roles (O7): once, a
    racing request for the same role seen; a subscription id only a GUID, kept in lower
    case (O7.subscription_id_not_a_guid otherwise, whoever calls)."""
    lock_enrollment(row.id)
    typed = normalise_subscription_id(new.subscription_id or "") or None
    new = roles.Administrator(new.role, new.org_id.strip().lower(), new.department,
                              new.account, typed)
    refuse_if_any(roles.administrator_problems(new, structure(row)))
    saved = EnrollmentAdministrator(
        role=new.role.value, org_id=new.org_id, subscription_id=new.subscription_id,
        department=_by_name(row.departments, new.department),
        account=_by_name(row.accounts, new.account), added_on=today, added_by_user_id=user.id)
    row.administrators.append(saved)
    db.session.commit()
    return saved


def add_co_admin(
    row: models.Enrollment, account: models.EnrollmentAccount, added_by: str, org_id: str,
    today: date, user: User,
) -> EnrollmentAdministrator:
    """An Account Owner adds another Account Owner of the same account as Co-Admin (O7),
    once."""
    lock_enrollment(row.id)
    refuse_if_any(roles.co_admin_problems(account.name, account.owner, added_by, org_id,
                                          structure(row)))
    saved = EnrollmentAdministrator(
        role=roles.AdminRole.ACCOUNT_OWNER.value, org_id=org_id.strip().lower(),
        account=account, added_by=added_by.strip().lower(), added_on=today,
        added_by_user_id=user.id)
    row.administrators.append(saved)
    db.session.commit()
    return saved


def _invite(row: models.Enrollment, account: models.EnrollmentAccount, today: date) -> None:
    """Conversion step 2: the owner is told they were invited to activate their account."""
    subject = f"{row.number}: activate your account {account.name}"
    body = (f"You have been added as the Account Owner of {account.name} in enrollment "
            f"{row.number}. Confirm account ownership by signing in to the enrollment page "
            f"with your Org ID {account.owner}.")
    email(account.owner, subject, body)
    notify(recipients(row), subject, body, enrollment_path(row))
    account.invited_on = today


def open_account(
    row: models.Enrollment, name: str, owner: str, department: str | None, today: date
) -> models.EnrollmentAccount:
    """Conversion step 1 and 2: add the Org ID as an account owner, then invite them."""
    owner = owner.strip().lower()
    found = roles.org_id_problems(owner, "account_owner")
    if not found:
        probe = roles.Administrator(roles.AdminRole.ENTERPRISE_ADMINISTRATOR, owner)
        found = [p for p in roles.administrator_problems(probe, structure(row))
                 if p.code == "O7.org_id_other_domain"]
    refuse_if_any(found)
    account = models.EnrollmentAccount(name=name.strip(), owner=owner,
                                       department=_by_name(row.departments, department))
    row.accounts.append(account)
    _invite(row, account, today)
    db.session.commit()
    return account


def ownership(account: models.EnrollmentAccount) -> Ownership:
    return Ownership(account.owner, account.invited_on, account.ownership_confirmed_on)


def confirm_ownership(
    account: models.EnrollmentAccount, org_id: str, today: date, user: User
) -> None:
    """Conversion step 3: the owner confirms by signing in with the Org ID they were given."""
    refuse_if_any(confirmation_problems(ownership(account), org_id))
    account.ownership_confirmed_on = today
    account.ownership_confirmed_by_id = user.id
    db.session.commit()


def convert_subscription(
    account: models.EnrollmentAccount, subscription_id: str, from_offer: str, today: date
) -> models.AccountSubscription:
    """Convert an Online Purchase or trial subscription into the account, one-way (O7);
    the account's 200th is refused, a racing one counted, and one any enrollment holds
    (in any case), or a racing conversion or addition of it, is refused as one-way; one not
    a GUID is refused (O7.subscription_id_not_a_guid), whoever calls."""
    subscription_id = kept_subscription_id(subscription_id)
    lock_enrollment(account.enrollment_id)
    lock_subscription(subscription_id)  # another enrollment adding or converting it is seen
    refuse_if_any(conversion_problems(mapping.to_account(account), ownership(account),
                                      subscription_id, from_offer, enrolled_in(subscription_id)))
    saved = models.AccountSubscription(subscription_id=subscription_id,
                                       converted_from=Offer(from_offer).value, converted_on=today)
    account.subscriptions.append(saved)
    db.session.commit()
    return saved


def _carry_over(old: models.Enrollment, new: models.Enrollment) -> None:
    """Departments, accounts (with subscriptions) and administrators move across (O9)."""
    departments = {d.id: EnrollmentDepartment(name=d.name) for d in old.departments}
    new.departments.extend(departments.values())
    accounts = {}
    for a in old.accounts:
        accounts[a.id] = models.EnrollmentAccount(
            name=a.name, owner=a.owner, department=departments.get(a.department_id),
            invited_on=a.invited_on, ownership_confirmed_on=a.ownership_confirmed_on,
            ownership_confirmed_by_id=a.ownership_confirmed_by_id,
            subscriptions=[models.AccountSubscription(
                subscription_id=s.subscription_id, converted_from=s.converted_from,
                converted_on=s.converted_on) for s in a.subscriptions])
    new.accounts.extend(accounts.values())
    new.administrators.extend(EnrollmentAdministrator(
        role=a.role, org_id=a.org_id, primary=a.primary, subscription_id=a.subscription_id,
        department=departments.get(a.department_id), account=accounts.get(a.account_id),
        added_by=a.added_by, added_by_user_id=a.added_by_user_id, added_on=a.added_on)
        for a in old.administrators)


def renew_enrollment(row: models.Enrollment, today: date) -> models.Enrollment:
    """The new three-year enrollment from the day after `row` expires, carrying its
    administrators, accounts, departments and subscriptions (O9); a draft to sign, once."""
    lock_enrollment(row.id)
    state = mapping.to_enrollment(row)
    refuse_if_any(renewal_problems(state, mapping.is_renewed(row)))
    lock_enrollment_numbers()  # another enrollment's racing renewal is numbered first
    numbers = db.session.scalars(select(models.Enrollment.number))
    draft = renewal(state, next_enrollment_number(numbers))
    new = models.Enrollment(
        number=draft.number, customer_id=row.customer_id,
        partner_reseller_id=row.partner_reseller_id, start=draft.start, end=draft.end,
        extended_term=draft.extended_term, status=Status.DRAFT.value, status_since=today,
        renewal_of_id=row.id)
    db.session.add(new)
    _carry_over(row, new)
    db.session.commit()
    return new


def request_reactivation(row: models.Enrollment, today: date, user: User) -> None:
    """The partner asks the provider to reactivate (O8: only the provider completes it);
    the provider's admins are told once a day per asking user."""
    lock_enrollment(row.id)
    key = f"{row.number}:reactivation_request:{today.isoformat()}:{user.id}"
    if key in {n.key for n in row.notices}:
        return  # asked already today: the provider has the request
    if mapping.to_enrollment(row).status not in STOPPED:
        message = "Only a suspended or terminated enrollment can be reactivated."
        refuse_if_any([problem("O8", "nothing_to_reactivate", message, "status")])
    admins = db.session.scalars(select(User).where(User.role == Role.PROVIDER_ADMIN,
                                                   User.active.is_(True)))
    subject = f"{row.number}: reactivation requested"
    body = (f"{user.email} asks to reactivate enrollment {row.number} of "
            f"{row.customer.company_name}: check the payment or new order, then reactivate.")
    notify(admins, subject, body, enrollment_path(row))
    row.notices.append(models.SentNotice(
        key=key, kind="reactivation_request", sent_on=today, message=body[:2000]))
    db.session.commit()
