"""WTForms forms: shape and field-level checks only; business rules live in checkout/."""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache

import pycountry
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from accounts import emails, passwords
from accounts.models import SPECIALIZED_SEGMENTS
from agreements.mca import date_agreed_problem
from checkout.validators.address import EXTRA_COUNTRIES, country_name
from checkout.validators.tax_id import FORMATS
from checkout.validators.tax_id_names import GENERIC, tax_id_labels, tax_id_name
from identifiers import guids
from persistence import utcnow
from storefront.local_times import choosable_zones

DOMAIN_PREFIX = r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,25}[a-zA-Z0-9]$"


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


@lru_cache(maxsize=1)
def _country_pairs() -> tuple[tuple[str, str], ...]:
    # pycountry lacks Kosovo (EXTRA_COUNTRIES); Partner Center sells there.
    codes = [c.alpha_2 for c in pycountry.countries] + list(EXTRA_COUNTRIES)
    pairs = [(code, country_name(code)) for code in codes]
    return (("", "Choose a country…"), *sorted(pairs, key=lambda p: _collation_key(p[1])))


def _collation_key(name: str) -> str:
    """Accents ignored, as readers expect: Côte d'Ivoire among the C's, Réunion before
    Romania (plain string order puts both after every unaccented name)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def country_choices() -> list[SelectChoice]:
    """ISO-2 codes with names, sorted by name."""
    return options(_country_pairs())


@lru_cache(maxsize=1)
def _tax_id_labels_json() -> str:
    """Every country's name for its tax ID, for the script that relabels the field."""
    codes = tuple(code for code, _ in _country_pairs() if code)
    return json.dumps(tax_id_labels(countries=codes), ensure_ascii=False, sort_keys=True)


class EmailLength:
    """The email length limits (accounts/emails.py); stops the chain so the vaguer format
    message does not follow the precise one."""

    def __call__(self, form, field) -> None:
        problem = emails.length_problem(field.data or "")
        if problem is not None:
            raise StopValidation(problem)


def email_checks() -> list:
    """The validators of every email field: given, within the length limits, well formed."""
    return [DataRequired(), EmailLength(), Email()]


class Guid:
    """An Azure or Entra ID GUID (identifiers.guids: 8-4-4-4-12, any case, spaces around it
    aside); anything else is refused with the field's own `message`."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if not guids.is_valid(field.data):
            raise ValidationError(self.message)


class StrongPassword:
    """The password policy (accounts/passwords.py) as a field check."""

    def __call__(self, form, field) -> None:
        problem = passwords.problem(field.data or "")
        if problem is not None:
            raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=email_checks())
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in")


class ConfirmSignupForm(FlaskForm):
    """The emailed sign-up link asks for the password chosen at sign-up."""

    password = PasswordField("Password", validators=[DataRequired()])


class PasswordFields:
    password = PasswordField("Password", validators=[DataRequired(), StrongPassword()],
                             description=passwords.HINT)
    confirm = PasswordField(
        "Repeat password", validators=[EqualTo("password", message="The passwords differ.")]
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField("New password", validators=[DataRequired(), StrongPassword()],
                             description=passwords.HINT)
    confirm = PasswordField(
        "Repeat new password", validators=[EqualTo("password", message="The passwords differ.")]
    )
    # ASVS 3.3.3: shown only to a user holding live tokens; ticked unless they untick it.
    revoke_tokens = BooleanField("Also revoke my API tokens", default=True)


class TimeZoneForm(FlaskForm):
    """The zone a user reads times in; "" is the storefront's own (STOREFRONT_TIME_ZONE)."""

    time_zone = SelectField("Time zone", validate_choice=False)

    def __init__(self, *args, default_zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        zones = choosable_zones()
        self.time_zone.choices = options([("", f"The storefront's time zone ({default_zone})"),
                                          *((name, name.replace("_", " ")) for name in zones)])
        self.time_zone.validators = [AnyOf(("", *zones), message=(
            "Choose a time zone from the list, e.g. Europe/Warsaw, or the storefront's."))]


class CompanyFields:
    """Company and billing address fields shared by customer forms and sign-up (K1)."""

    company_name = StringField("Company name", validators=[DataRequired(), Length(max=200)])
    contact_first_name = StringField("Contact first name",
                                     validators=[DataRequired(), Length(max=50)])
    contact_last_name = StringField("Contact last name",
                                    validators=[DataRequired(), Length(max=50)])
    email = EmailField("Billing email", validators=email_checks())
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    address_line1 = StringField("Address line 1", validators=[DataRequired(), Length(max=200)])
    address_line2 = StringField("Address line 2", validators=[Optional(), Length(max=200)])
    city = StringField("City", validators=[DataRequired(), Length(max=100)])
    region = StringField("State / region", validators=[Optional(), Length(max=100)])
    postal_code = StringField("Postal code", validators=[Optional(), Length(max=20)])
    country = SelectField("Country", validators=[DataRequired(message="Choose a country.")])
    tax_id = StringField(GENERIC.label, validators=[Optional(), Length(max=50)])

    def init_company_choices(self) -> None:
        self.country.choices = country_choices()
        self.name_tax_id()

    def name_tax_id(self) -> None:
        """Label the tax ID as the chosen country names it (NIP, CNPJ, INN…: the number K3
        checks there); static/behaviour.js relabels it when another country is chosen."""
        self.tax_id.label.text = tax_id_name(self.country.data or "").label
        self.tax_id.render_kw = {"data-tax-id-labels": _tax_id_labels_json(),
                                 "data-tax-id-default": GENERIC.label}


class TenantFields:
    """The Microsoft tenant an order goes to: a new one (its domain prefix) or an existing
    one (its ID or domain); asked when a customer is created, by a reseller or at sign-up."""

    tenant_mode = RadioField(
        "New or existing tenant",
        choices=options([("new", "Create a new Microsoft tenant"),
                         ("existing", "Use an existing tenant")]),
        default="new",
    )
    domain_prefix = StringField(
        "New tenant domain prefix",
        validators=[Optional(), Regexp(DOMAIN_PREFIX, message=(
            "Use 2–27 letters, digits or hyphens, not starting or ending with a hyphen."))],
    )
    tenant_id = StringField(
        "Existing tenant ID", validators=[Optional(), Guid("Enter the tenant ID GUID.")]
    )
    tenant_domain = StringField("Existing tenant domain", validators=[Optional(), Length(max=255)])

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the fields the chosen tenant mode needs."""
        ok = super().validate(extra_validators)
        if self.tenant_mode.data == "new" and not self.domain_prefix.data:
            self.domain_prefix.errors.append(
                "Choose a domain prefix for the new tenant (prefix.onmicrosoft.com).")
            ok = False
        if self.tenant_mode.data == "existing" and not (
            self.tenant_id.data or self.tenant_domain.data
        ):
            self.tenant_id.errors.append("Give the existing tenant's ID or its domain.")
            ok = False
        return ok


class CustomerForm(TenantFields, CompanyFields, FlaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_company_choices()


class AdminCustomerForm(CustomerForm):
    qualifications = SelectMultipleField(
        "Approved specialized-industry segments (K7)",
        choices=options((s.value, s.value.title()) for s in SPECIALIZED_SEGMENTS),
        validators=[Optional()],
    )


class SignupForm(TenantFields, CompanyFields, PasswordFields, FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    user_email = EmailField("Your sign-in email", validators=email_checks())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_company_choices()


class ResellerForm(FlaskForm):
    company_name = StringField("Company name", validators=[DataRequired(), Length(max=200)])
    mpn_id = StringField(
        "MPN ID (PartnerID)",
        validators=[DataRequired(), Regexp(r"^\d{6,10}$", message="An MPN ID is 6–10 digits.")],
    )
    contact_name = StringField("Contact name", validators=[DataRequired(), Length(max=120)])
    contact_email = EmailField("Contact email", validators=email_checks())
    contact_phone = StringField("Contact phone", validators=[Optional(), Length(max=40)])
    active = BooleanField("Active", default=True)


class McaForm(FlaskForm):
    """K5: a direct customer accepts the MCA; a reseller confirms its customer accepted it."""

    signer_first_name = StringField("Signer first name",
                                    validators=[DataRequired(), Length(max=50)])
    signer_last_name = StringField("Signer last name", validators=[DataRequired(), Length(max=50)])
    signer_email = EmailField("Signer email", validators=email_checks())
    signer_phone = StringField("Signer phone", validators=[Optional(), Length(max=40)])
    date_agreed = DateField("Date accepted", validators=[DataRequired()])
    accepted = BooleanField("Accepted", validators=[DataRequired(
        message="Tick the box to record the acceptance.")])

    def validate_date_agreed(self, field) -> None:
        if field.data and (problem := date_agreed_problem(field.data, utcnow())):
            raise ValidationError(problem)


class CountryEntryForm(FlaskForm):
    """A country added to the K3 or K10 list."""

    list_name = SelectField("List", choices=options([("k3", "K3 · Tax ID required"),
                                                     ("k10", "K10 · No Azure reservations")]))
    code = SelectField("Country", validators=[DataRequired(message="Choose a country.")])
    required_from = DateField("Tax ID required from (K3)", validators=[Optional()])
    # A choice among the formats checkout knows: a mistyped name used to be stored and then
    # fail every checkout of that country's customers.
    validator = SelectField("Tax ID format (K3)", choices=options(
        [("", "The country's own format (free text where none is known)"),
         *((key, f"{key}: {fmt.description}") for key, fmt in FORMATS.items())]),
        default="", validate_choice=False, validators=[AnyOf(["", *FORMATS], message=(
            "Choose one of the listed formats, or the country's own."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.code.choices = country_choices()

    def country_options(self) -> list[tuple[str, str]]:
        return [(c.value, c.label) for c in self.code.choices if c.value]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.list_name.data == "k3" and not self.required_from.data:
            self.required_from.errors.append("K3 entries need the date the tax ID is required.")
            return False
        return ok
