"""The forms and page values of the partner's assistance on the enrollment page: roles and
Org IDs, departments, co-admins, account ownership, subscription conversion, renewal and
reactivation requests (O6-O9). Field names are unique across the enrollment page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from commitments.assists import WHO, Action, actions_for
from commitments.conversion import Offer, Step
from commitments.enrollment import Actor, Status
from commitments.records import assist_services
from commitments.records.models import Enrollment
from commitments.roles import ROLE_LABELS, AdminRole
from storefront.enrollments.acting import actor_of, status_action
from storefront.forms import options

OFFER_LABELS = {Offer.ONLINE_PURCHASE: "Online Purchase", Offer.TRIAL: "Trial"}
STEP_LABELS = {Step.OWNER_ADDED: "Step 1: owner added",
               Step.OWNER_INVITED: "Step 2: owner invited, awaiting confirmation",
               Step.OWNERSHIP_CONFIRMED: "Step 3: ownership confirmed"}
ACTION_LABELS = {
    Action.SIGN_DOCUMENT: "Record the signed contract package",
    Action.PLACE_ORDER: "Submit the pricing and order form (commitment orders)",
    Action.SUBMIT_FOR_CREDIT_CHECK: "Submit for the credit check",
    Action.RETURN_TO_DRAFT: "Take back from the credit check",
    Action.RECORD_CREDIT_CHECK: "Decide the credit check",
    Action.ACTIVATE: "Make the contract effective",
    Action.SUSPEND: "Suspension",
    Action.TERMINATE: "Termination",
    Action.EXPIRE: "Expiry at the end of service",
    Action.REQUEST_REACTIVATION: "Ask for reactivation",
    Action.REACTIVATE: "Reactivation",
    Action.RECORD_USAGE: "Usage metering",
    Action.RECORD_SETTLEMENT: "Overage answers",
    Action.MARK_INVOICE_PAID: "Payments of the partner's invoices",
    Action.ADD_DEPARTMENT: "Departments",
    Action.ADD_ADMINISTRATOR: "Administrators and Org IDs",
    Action.ADD_ACCOUNT: "Accounts and their owners (conversion step 1)",
    Action.ADD_SUBSCRIPTION: "Subscriptions of accounts",
    Action.ADD_CO_ADMIN: "Co-admins of an account",
    Action.CONFIRM_ACCOUNT_OWNERSHIP: "Account ownership (conversion step 3)",
    Action.CONVERT_SUBSCRIPTION: "Subscription conversion (one-way)",
    Action.RENEW: "Renewal enrollment",
    Action.SET_PAYMENT_TERMS: "Payment terms",
    Action.RECORD_VAT_INVOICE: "VAT invoices (fapiao), once paid",
}
ACTOR_LABELS = {Actor.PROVIDER: "Provider", Actor.RESELLER: "Partner (reseller)",
                Actor.CUSTOMER: "Customer (Account Owner)"}


class DepartmentForm(FlaskForm):
    department_name = StringField("Department name", validators=[DataRequired(),
                                                                 Length(max=120)])


class AdministratorForm(FlaskForm):
    admin_role = SelectField("Role", choices=options(ROLE_LABELS.items()))
    admin_org_id = StringField("Org ID", validators=[DataRequired(), Length(max=254)])
    admin_department = SelectField("Department (Department Administrator)",
                                   validate_choice=False, validators=[Optional()])
    admin_account = SelectField("Account (Account Owner, Service Administrator)",
                                validate_choice=False, validators=[Optional()])
    admin_subscription = StringField("Subscription ID (Service Administrator)",
                                     validators=[Optional(), Length(max=64)])


class CoAdminForm(FlaskForm):
    co_admin_account = SelectField("Account", coerce=int, validate_choice=False,
                                   validators=[DataRequired()])
    co_admin_added_by = StringField("Your Org ID (an Account Owner of the account)",
                                    validators=[DataRequired(), Length(max=254)])
    co_admin_org_id = StringField("Co-admin's Org ID", validators=[DataRequired(),
                                                                   Length(max=254)])


class OwnershipForm(FlaskForm):
    owner_account = SelectField("Account", coerce=int, validate_choice=False,
                                validators=[DataRequired()])
    owner_org_id = StringField("Sign in with your Org ID", validators=[DataRequired(),
                                                                       Length(max=254)])


class ConversionForm(FlaskForm):
    convert_account = SelectField("Account", coerce=int, validate_choice=False,
                                  validators=[DataRequired()])
    convert_subscription_id = StringField("Subscription ID", validators=[DataRequired(),
                                                                         Length(max=64)])
    # Not checked against the choices here: commitments.conversion names the one-way rule.
    from_offer = SelectField("Convert from", validate_choice=False,
                             choices=options(OFFER_LABELS.items()))


class PlainForm(FlaskForm):
    """A button with only its CSRF token: renew, request reactivation."""


FORMS = {"department": DepartmentForm, "administrator": AdministratorForm,
         "co_admin": CoAdminForm, "ownership": OwnershipForm, "conversion": ConversionForm,
         "renew": PlainForm, "reactivation_request": PlainForm}
FIELD_MAP = {
    "department": {"department_name": "department_name"},
    "administrator": {"org_id": "admin_org_id", "department": "admin_department",
                      "account": "admin_account", "subscription_id": "admin_subscription"},
    "co_admin": {"added_by": "co_admin_added_by", "org_id": "co_admin_org_id"},
    "ownership": {"owner_org_id": "owner_org_id"},
    "conversion": {"subscription_id": "convert_subscription_id", "from_offer": "from_offer",
                   "account": "convert_account"},
}


def fill_choices(row: Enrollment, built: dict) -> dict:
    """Give the forms that choose a department or an account this enrollment's."""
    departments = [("", "—")] + [(d.name, d.name) for d in row.departments]
    accounts = [(a.id, a.name) for a in row.accounts]
    if "account" in built:
        built["account"].account_department.choices = options(
            [("", "No department")] + departments[1:])
    if "administrator" in built:
        built["administrator"].admin_department.choices = options(departments)
        built["administrator"].admin_account.choices = options(
            [("", "—")] + [(a.name, a.name) for a in row.accounts])
    for name, field in (("co_admin", "co_admin_account"), ("ownership", "owner_account"),
                        ("conversion", "convert_account")):
        if name in built:
            built[name][field].choices = options(accounts)
    return built


@dataclass(frozen=True)
class Responsibility:
    """One row of the "who does what" table."""

    action: Action
    label: str
    who: str
    yours: bool


def responsibilities(actor: Actor | None) -> list[Responsibility]:
    """The whole table of commitments.assists, marking what the user may do."""
    mine = actions_for(actor)
    return [Responsibility(a, ACTION_LABELS[a],
                           ", ".join(ACTOR_LABELS[w] for w in Actor if w in WHO[a]), a in mine)
            for a in Action]


def page(row: Enrollment, user, given: dict) -> dict:
    """Template values: the user's actions, the assistance forms and the roles."""
    actor = actor_of(user, row)
    can = {a.value: True for a in actions_for(actor)}
    built = fill_choices(row, {n: given.get(n) or cls(formdata=None) for n, cls in FORMS.items()})
    ownership = {a.id: assist_services.ownership(a).step for a in row.accounts}
    renewal = row.renewals[0] if row.renewals else None
    may_move = {s.value for s in Status if status_action(row, s).value in can}
    return {"can": can, "may_move": may_move, "assist_forms": built,
            "responsibilities": responsibilities(actor),
            "role_labels": {r.value: label for r, label in ROLE_LABELS.items()},
            "ownership_steps": {k: STEP_LABELS[v] for k, v in ownership.items()},
            "offer_labels": {o.value: label for o, label in OFFER_LABELS.items()},
            "enterprise_role": AdminRole.ENTERPRISE_ADMINISTRATOR.value,
            "renewed_by": renewal, "renewal_start": row.end + timedelta(days=1)}
