"""Forms of the catalog admin pages."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from catalog.models import SEGMENTS, Family
from catalog.price_words import percent_figure
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


MARKUP_STEP = Decimal("0.0001")  # a Money column's four decimals
# The largest amount the database holds, as a form says it (not rounded up past it).
LARGEST = f"{MAX_MONEY.quantize(Decimal('0.01'), rounding=ROUND_DOWN):,}"
# 13,50 or 1.234,50: an amount written with a decimal comma, as many locales write it.
DECIMAL_COMMA = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+")
# 1,234.50: thousands separated by commas; 1,234 alone could be either.
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


class AmountField(DecimalField):
    """A decimal whose refusal says how to write it: a decimal comma (the usual slip) is
    answered with the same amount written with a dot. NaN and infinity, which Decimal reads
    and NumberRange cannot compare (a 500), are refused as no number."""

    def __init__(self, label: str, validators=None, example: str = "12.50", places: int = 2,
                 **kwargs):
        super().__init__(label, validators, places=places, **kwargs)
        self.example = example

    def process_formdata(self, valuelist) -> None:
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not text:
            return  # Optional or InputRequired says what an empty field means
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ValueError(self.how_to_write(text))
        self.data = value

    def pre_validate(self, form) -> None:
        if self.process_errors:  # said already; a range check of no number adds noise
            raise StopValidation()

    def how_to_write(self, text: str) -> str:
        """What is wrong with `text` as an amount and the amount written right."""
        plain = text.replace(",", "")
        if THOUSANDS.fullmatch(text) and "." in text:
            return f"“{text}” is not a number: leave out the thousands separators: {plain}"
        if THOUSANDS.fullmatch(text):
            dotted = text.replace(",", ".")
            return (f"“{text}” is not a number: write {plain} (no thousands separators), "
                    f"or {dotted} if the comma marks decimals")
        if DECIMAL_COMMA.fullmatch(text):
            dotted = text.replace(".", "").replace(",", ".")
            return f"“{text}” is not a number: use a dot for decimals: {dotted}"
        return (f"“{text}” is not a number: write it like {self.example}, with a dot for "
                "decimals and no currency sign or spaces")


class PercentField(AmountField):
    """A percentage that reads back as the number it is (12.345, not 12.35), so a value
    shown in the field is the one saved again."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else percent_figure(self.data)


class MarkupForm(FlaskForm):
    product_id = SelectField("Product", validators=[Optional()])
    markup_percent = PercentField("Markup on cost, %", example="10 or 12.5", validators=[
        InputRequired(message="Enter the markup, e.g. 10 for cost plus 10 %."),
        NumberRange(-100, 1000, message="Enter a markup from -100 to 1000 (percent).")])

    def validate_markup_percent(self, field) -> None:
        # A markup is kept to a Money column's four decimals (B1): a fifth would be
        # previewed, then rounded away on saving, and charged as a markup nobody saw.
        if field.data != field.data.quantize(MARKUP_STEP):
            raise ValidationError("Enter the markup with at most four decimals, e.g. 12.3456.")


class RetailPriceForm(FlaskForm):
    retail_price = AmountField("Retail price", validators=[Optional(), NumberRange(
        0, MAX_MONEY, message=f"must be from 0 to {LARGEST}; leave it empty to use "
                              "Microsoft's ERP price")])


class BulkPriceForm(FlaskForm):
    kind = SelectField("Change", choices=options([("percent", "by a percentage"),
                                                  ("fixed", "by an amount")]))
    value = AmountField("By", example="10 or -2.50", validators=[
        InputRequired(message="Enter the change, e.g. 10 for +10 % or -2.50 for 2.50 less."),
        NumberRange(-MAX_MONEY, MAX_MONEY, message=f"Enter a change from -{LARGEST} to "
                                                   f"{LARGEST}.")])
    market = StringField("Market", validators=[Optional(), Regexp(
        r"^[A-Za-z]{2}$", message="Enter a 2-letter country code such as US, or leave it "
                                  "empty for every market.")])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.kind.data == "percent" and self.value.data <= -100:
            self.value.errors.append("A cut of 100 % or more would make every price zero; "
                                     "enter a percentage above -100.")
            return False
        return ok
