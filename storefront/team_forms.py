"""The forms of the users pages, invitations, password reset and the profile's account
settings (field-level checks only; the rules live in accounts/team.py and friends)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from accounts.models import CompanyRole
from accounts.profile import LANGUAGES
from storefront.forms import PasswordFields, email_checks, options

ROLE_LABELS = {CompanyRole.ADMIN: "Admin (orders, and manages the company's users)",
               CompanyRole.USER: "User (orders, no user management)",
               CompanyRole.BILLING: "Billing (invoices only)"}
ROLE_CHOICES = options((role.value, label) for role, label in ROLE_LABELS.items())


class InviteForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=email_checks())
    company_role = SelectField("Role", choices=ROLE_CHOICES, default=CompanyRole.USER.value)
    admin_agent = BooleanField("Admin agent (may cancel subscriptions and reveal product keys)")


class RoleForm(FlaskForm):
    company_role = SelectField("Role", choices=ROLE_CHOICES)
    admin_agent = BooleanField("Admin agent")


class ChoosePasswordForm(PasswordFields, FlaskForm):
    """An invitation's or a password reset's link: the new password, twice."""


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=email_checks())


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField("Code", validators=[DataRequired(), Length(max=40)])
    remember_device = BooleanField("Trust this browser for 30 days")


class EnrolForm(CodeForm):
    """Enrolling from a signed-in session: the code, and the password typed again."""

    password = PasswordField("Current password", validators=[DataRequired(
        "Type your current password: setting up two-factor sign-in asks for it, so a "
        "borrowed session cannot.")])


class ReplaceForm(FlaskForm):
    """Moving two-factor sign-in to a new app: its code, proof of the current one, the
    password."""

    code = StringField("Code from the new app", validators=[
        DataRequired("Type the six digits the new app shows."), Length(max=40)])
    current_code = StringField("Code from your current app, or a recovery code", validators=[
        DataRequired("Type a code from the app you have now, or one of your recovery "
                     "codes."), Length(max=40)])
    password = PasswordField("Current password", validators=[DataRequired(
        "Type your current password: replacing the authenticator asks for it.")])


class PasswordCheckForm(FlaskForm):
    password = PasswordField("Current password", validators=[DataRequired()])


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    language = SelectField("Language", choices=options(
        (("", "The storefront's language"), *LANGUAGES)))


class EmailChangeForm(FlaskForm):
    email = EmailField("New sign-in email", validators=email_checks())
    password = PasswordField("Current password", validators=[DataRequired()])
