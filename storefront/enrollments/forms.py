"""Enrollment forms: shape only. Field names are unique across the enrollment page, which
shows every form at once; FIELD_MAP says where each domain problem's field is shown."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from commitments.enrollment import Document, Status, SuspensionReason
from commitments.notices import SettlementOption
from commitments.orders import OrderKind
from commitments.payment_terms import METHODS
from persistence import MAX_MONEY
from storefront.catalog_forms import AmountField
from storefront.forms import email_checks, options

DOCUMENT_LABELS = {
    Document.TERMS_AND_CONDITIONS: "OSPA Agreement terms and conditions",
    Document.ORDER_FORM: "Order form",
    Document.CONTACT_INFORMATION_SHEET: "Contact information sheet",
    Document.SIGNATURE_FORM: "Signature form",
}
YEARS = options([(1, "Year 1"), (2, "Year 2"), (3, "Year 3")])


class EnrollmentForm(FlaskForm):
    customer_id = SelectField("Customer", coerce=int, validators=[DataRequired()])
    start = DateField("Start date", validators=[DataRequired()])
    extended_term = BooleanField("Extended Term clause (service continues 90 days after expiry)")
    # O7: provisioned as the primary Enterprise Administrator (commitments.roles checks it).
    org_id = StringField("Customer's Org ID (primary Enterprise Administrator)",
                         validators=[DataRequired(), Length(max=254)],
                         render_kw={"placeholder": "name@yourdomain.partner.omschina.cn"})


class SignForm(FlaskForm):
    document = SelectField("Document", choices=options((d.value, DOCUMENT_LABELS[d])
                                                       for d in Document))
    signed_by = StringField("Signed by", validators=[DataRequired(), Length(max=120)])
    signed_on = DateField("Signed on", validators=[DataRequired()])


class StatusForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
    reason = SelectField("Suspension reason", validators=[Optional()], choices=options(
        [("", "—"), *((r.value, r.value.replace("_", " ")) for r in SuspensionReason)]))
    resolved_on = DateField("Paid or ordered on", validators=[Optional()])

    def validate_target(self, field) -> None:
        if field.data not in {s.value for s in Status}:
            raise ValidationError("Choose a status.")


class CreditCheckForm(FlaskForm):
    check_year = SelectField("Commitment year", coerce=int, choices=YEARS)
    check_passed = SelectField("Decision", choices=options([("yes", "Passed"),
                                                            ("no", "Not passed")]))
    check_note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])


class OrderForm(FlaskForm):
    order_kind = SelectField("Order", choices=options(
        [(OrderKind.INITIAL, "Initial (year 1)"), (OrderKind.ANNUAL, "Annual (years 2 and 3)"),
         (OrderKind.ADDITIONAL, "Additional")]))
    order_year = SelectField("Commitment year", coerce=int, choices=YEARS)
    order_amount = AmountField("Amount excluding tax (RMB)", example="1000.00",
                               validators=[InputRequired(), NumberRange(0, MAX_MONEY)])
    late_entry = BooleanField("Late entry by the provider (payment advice outstanding)")
    approved_by = StringField("True-down to zero approved by", validators=[Optional(),
                                                                           Length(max=120)])
    approved_on = DateField("Approved on", validators=[Optional()])


class UsageForm(FlaskForm):
    used_on = DateField("Usage date", validators=[DataRequired()])
    # O6: priced from the partner's price list (with price protection), never typed here.
    meter = SelectField("Meter (from the partner's price list)", validators=[DataRequired()],
                        validate_choice=False)
    quantity = AmountField("Quantity", example="12.5", places=4,
                           validators=[InputRequired(), NumberRange(0, MAX_MONEY)])
    # O5: usage per account and subscription; the account follows from the subscription.
    usage_subscription = SelectField("Subscription (its account follows)",
                                     validators=[Optional()], validate_choice=False)


def _order_id(value) -> int | None:
    """An order's id from the form ("" when none is chosen)."""
    return None if value in ("", None) else int(value)


def offset_order_choices(orders) -> list:
    """The enrollment's annual and additional orders, which may offset overage (O2, O3)."""
    offsetting = (OrderKind.ANNUAL.value, OrderKind.ADDITIONAL.value)
    return options([("", "— (paying)")] + [
        (o.id, f"{o.kind.title()} order, year {o.year}, {o.submitted_on.isoformat()}, "
               f"RMB {o.amount_excl_tax:,.2f}")
        for o in orders if o.kind in offsetting])


SETTLEMENT_OPTIONS = {SettlementOption.PAY: "Pay the overage invoice",
                      SettlementOption.OFFSET: "Offset with a commitment order"}


class SettlementForm(FlaskForm):
    settle_month = DateField("Overage month", format="%Y-%m", validators=[DataRequired()],
                             render_kw={"type": "month"})
    # Seed 000: the customer pays the overage, or offsets it with an annual or additional
    # order (O2, O3); paying is what an answer without a choice has always meant.
    settle_option = SelectField("Settlement option", default=SettlementOption.PAY.value,
                                choices=options((o.value, label)
                                                for o, label in SETTLEMENT_OPTIONS.items()))
    responded_on = DateField("Customer answered on", validators=[Optional()])
    settled_on = DateField("Paid on", validators=[Optional()])
    # The enrollment's annual and additional orders; any id reaches the O3 rule, which
    # refuses another enrollment's order by its code.
    offset_order = SelectField("Order that offsets it", coerce=_order_id, validators=[Optional()],
                               validate_choice=False)
    offset_amount = AmountField("Amount to offset (RMB, excl. tax; empty: all it can)",
                                example="1000.00",
                                validators=[Optional(), NumberRange(0, MAX_MONEY)])


class AccountForm(FlaskForm):
    account_name = StringField("Account name", validators=[DataRequired(), Length(max=120)])
    # O7: checked as an Org ID (name@domain.partner.omschina.cn) by commitments.roles.
    account_owner = StringField("Account owner (Org ID)", validators=email_checks())
    # The enrollment's departments, by name (storefront.enrollments.assist_forms fills them).
    account_department = SelectField("Department", validators=[Optional()],
                                     validate_choice=False,
                                     choices=options([("", "No department")]))


class SubscriptionForm(FlaskForm):
    account_id = SelectField("Account", coerce=int, validators=[DataRequired()])
    subscription_id = StringField("Subscription ID", validators=[DataRequired(),
                                                                 Length(max=64)])


class PaidForm(FlaskForm):
    invoice_id = IntegerField(validators=[DataRequired()])
    paid_on = DateField("Paid on", validators=[DataRequired()])
    # O6: checked again by commitments.payment_terms, so no other method is ever recorded.
    payment_method = SelectField("Paid by", choices=options(METHODS.items()),
                                 validate_choice=False)


FIELD_MAP = {
    "order": {"amount_excl_tax": "order_amount", "year": "order_year",
              "submitted_on": "order_kind", "approval": "approved_by"},
    "usage": {"used_on": "used_on", "meter": "meter", "subscription": "usage_subscription"},
    "status": {"reason": "reason"},
    "subscription": {"account": "account_id", "subscription_id": "subscription_id"},
    "account": {"org_id": "account_owner"},
    "settlement": {"month": "settle_month", "order": "offset_order", "amount": "offset_amount"},
}
