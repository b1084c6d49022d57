"""The provider's GDAP overview: every customer tenant's relationship with status and
expiry, and the roles, duration and security group new requests ask for (K4)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from persistence import db
from relationships.models import GdapRelationship, GdapSettings
from relationships.roles import ROLES, name_of
from relationships.services import save_settings
from storefront.forms import Guid, options
from storefront.pagination import paginate
from storefront.security import admin_only

bp = Blueprint("gdap_admin", __name__, url_prefix="/admin/gdap")


class GdapSettingsForm(FlaskForm):
    roles = SelectMultipleField("Roles asked of every customer tenant",
                                choices=options(ROLES.items()), validators=[DataRequired(
                                    "Choose at least one role.")])
    duration_days = IntegerField("Duration (days)", validators=[NumberRange(
        1, 730, "Microsoft allows 1 to 730 days (two years).")])
    auto_extend = BooleanField("Extend by 180 days at expiry (not with Global Administrator)")
    security_group_id = StringField(
        "Security group that receives the roles (object ID, optional)",
        validators=[Optional(), Guid("Give the group's object ID (a GUID).")])


@bp.route("/", methods=["GET", "POST"])
@admin_only
def index():
    settings = GdapSettings.current()
    form = GdapSettingsForm(obj=None if request.method == "POST" else settings)
    if request.method == "GET":
        form.roles.data = list(settings.role_ids)
    if form.validate_on_submit():
        save_settings(form.roles.data, form.duration_days.data, form.auto_extend.data,
                      form.security_group_id.data or "")
        flash("GDAP settings saved: new requests ask for these roles.", "success")
        return redirect(url_for("gdap_admin.index"))
    status = request.args.get("status", "")
    query = select(GdapRelationship).options(selectinload(GdapRelationship.customer)) \
        .order_by(GdapRelationship.ends_at.is_(None), GdapRelationship.ends_at,
                  GdapRelationship.id.desc())
    if status:
        query = query.where(GdapRelationship.status == status)
    db.session.commit()  # the settings row made on first view
    return render_template("gdap_admin/index.html", form=form, page=paginate(query),
                           status=status, role_name=name_of), 422 if form.errors else 200
