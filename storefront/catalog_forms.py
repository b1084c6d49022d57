"""Forms of the catalog admin pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from catalog.models import SEGMENTS, Family
from persistence import MAX_ID, MAX_MONEY
from storefront.forms import options

FAMILY_LABELS = {
    Family.OFFICE365_BUSINESS: "Office 365 / Microsoft 365 Business",
    Family.MICROSOFT365: "Microsoft 365 / Office 365 enterprise",
    Family.DYNAMICS: "Dynamics 365",
    Family.SOFTWARE_SUBSCRIPTION: "Software subscription",
    Family.PERPETUAL_SOFTWARE: "Perpetual software",
    Family.AZURE_RESERVATION: "Azure reservation",
    Family.AZURE_PLAN: "Azure plan",
    Family.OTHER: "Other",
}


DELIVERY_LABELS = {
    "key_and_download": "A product key and a download",
    "key": "A product key only",
    "download": "A download only",
    "none": "Neither: no key or download needed",
}


class ProductForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    family = SelectField("Family", choices=options(FAMILY_LABELS.items()))
    segment = SelectField("Segment (C5)", choices=options((s, s.title()) for s in SEGMENTS))
    enabled = BooleanField("For sale in the shop")
    discontinued = BooleanField("Discontinued: only extra licenses on existing subscriptions (C3)")
    new_subscription_per_order = BooleanField(
        "New subscription per order, e.g. one per Dynamics instance (C4)")
    cancellable = BooleanField("Cancellable (RedHat and SUSE never are, S5)")
    delivery = SelectField("Comes with (S7)", choices=options(DELIVERY_LABELS.items()))
    install_instructions_url = StringField(
        "Installation instructions link (optional, e.g. Extended Security Updates)",
        validators=[Optional(), Length(max=500), Regexp(r"^https://[^\s<>\"']+$", message=(
            "Enter the full https:// address of the instructions page, or leave it empty."))])
    # Bounded by the database's integer: PostgreSQL refuses a larger one with an error.
    min_quantity = IntegerField("Minimum quantity",
                                validators=[InputRequired(), NumberRange(1, MAX_ID)])
    max_quantity = IntegerField("Maximum quantity",
                                validators=[InputRequired(), NumberRange(1, MAX_ID)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.max_quantity.data < self.min_quantity.data:
            self.max_quantity.errors.append("Must be at least the minimum quantity.")
            return False
        return ok


class SettingsForm(FlaskForm):
    annual_billing_cycle_enabled = BooleanField("Annual billing cycle (billing settings)")
    annual_provisioning_enabled = BooleanField(
        "Annual provisioning (Microsoft Cloud Services settings)")
    default_market = StringField(
        "Default market", validators=[DataRequired(), Regexp(r"^[A-Za-z]{2}$",
                                                             message="A 2-letter country code.")])


class MarkupForm(FlaskForm):
    product_id = SelectField("Product", validators=[Optional()])
    markup_percent = DecimalField("Markup on cost, %", places=2,
                                  validators=[InputRequired(), NumberRange(-100, 1000)])


class RetailPriceForm(FlaskForm):
    retail_price = DecimalField("Retail price", places=2,
                                validators=[Optional(), NumberRange(0, MAX_MONEY)])


class BulkPriceForm(FlaskForm):
    kind = SelectField("Change", choices=options([("percent", "by a percentage"),
                                                  ("fixed", "by an amount")]))
    value = DecimalField("By", places=2, validators=[
        InputRequired(message="Enter the change, e.g. 10 for +10 % or -2.50 for 2.50 less."),
        NumberRange(-MAX_MONEY, MAX_MONEY)])
    market = StringField("Market", validators=[Optional(), Regexp(
        r"^[A-Za-z]{2}$", message="Market: a 2-letter country code such as US, or empty "
                                  "for every market.")])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.kind.data == "percent" and self.value.data <= -100:
            self.value.errors.append("A cut of 100 % or more would make every price zero; "
                                     "enter a percentage above -100.")
            return False
        return ok
