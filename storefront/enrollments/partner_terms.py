"""The partner's terms on the enrollment pages (O6): who acts as the partner, the forms of
the price list, payment terms and VAT invoices, and the page values they need.

The partner is the enrollment's reseller (its users act for it) or, for a direct customer,
the provider; a provider admin may act for any partner, as it assists every enrollment."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from commitments.assists import Action
from commitments.payment_terms import MAX_TERMS_DAYS, METHODS, MIN_TERMS_DAYS
from commitments.records import price_list
from commitments.records.models import Enrollment
from persistence import MAX_MONEY
from storefront.catalog_forms import AmountField
from storefront.enrollments.acting import allowed
from storefront.forms import options


class PriceForm(FlaskForm):
    meter = StringField("Meter", validators=[DataRequired(), Length(max=120)])
    unit_price = AmountField("Unit price (RMB, excl. tax)", example="0.0125", places=4,
                             validators=[InputRequired(), NumberRange(0, MAX_MONEY)])
    effective_from = DateField("Effective from", validators=[DataRequired()])


class TermsForm(FlaskForm):
    payment_terms_days = IntegerField("Payment terms (days)", validators=[
        InputRequired(), NumberRange(MIN_TERMS_DAYS, MAX_TERMS_DAYS)])


class VatInvoiceForm(FlaskForm):
    vat_invoice_id = IntegerField(validators=[DataRequired()])
    vat_number = StringField("VAT invoice (fapiao) number", validators=[Optional(),
                                                                       Length(max=40)])
    vat_issued_on = DateField("Issued on", validators=[Optional()])


FORMS = {"terms": TermsForm, "vat": VatInvoiceForm}
# Each form is an action of commitments.assists' one table of who does what.
ACTIONS = {"terms": Action.SET_PAYMENT_TERMS, "vat": Action.RECORD_VAT_INVOICE}


def acts_as_partner(user, row: Enrollment, form: str = "terms") -> bool:
    """Whether the user may submit the partner's `form` (terms, VAT invoices)."""
    return ACTIONS[form] in allowed(user, row)


def meter_choices(row: Enrollment):
    """The usage form's meters: those the enrollment's partner has priced."""
    priced = price_list.meters(row.partner_reseller_id)
    return options([("", "Choose a priced meter…")] + [(m, m) for m in priced])


def page(row: Enrollment, user, given: dict) -> dict:
    """Template values: whether the user acts as the partner, and the partner's forms."""
    partner = acts_as_partner(user, row)
    built = {}
    if partner:
        built = {name: given.get(name) or cls(formdata=None) for name, cls in FORMS.items()}
        built["terms"].payment_terms_days.data = (built["terms"].payment_terms_days.data
                                                  or row.payment_terms_days)
    return {"partner": partner, "terms_forms": built, "payment_methods": METHODS,
            "priced_meters": price_list.meters(row.partner_reseller_id)}
