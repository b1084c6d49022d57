"""The API tokens page: reseller and customer users create (shown once) and revoke tokens."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from accounts import api_tokens as tokens
from accounts.models import ApiToken
from persistence import db
from storefront import access_consequences
from storefront.confirmation import unconfirmed
from storefront.security import buyers_only

bp = Blueprint("api_tokens", __name__)


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)],
                       description="Say where it is used, e.g. “ERP order sync”.")


@bp.route("/api-tokens", methods=["GET", "POST"])
@buyers_only
def index():
    """List the owner's tokens; a new one's secret is shown on this response only."""
    form, secret = TokenForm(), None
    if form.validate_on_submit():
        try:
            _token, secret = tokens.issue(current_user, form.name.data,
                                          limit=current_app.config["API_TOKENS_PER_USER"])
        except tokens.TokenLimitReached as full:
            form.name.errors.append(str(full))
        else:
            form = TokenForm(formdata=None)
    rows = db.session.scalars(tokens.owned_by(current_user).order_by(ApiToken.id.desc())).all()
    status = 422 if form.errors else 201 if secret else 200
    return render_template("api/tokens.html", form=form, rows=rows, secret=secret), status


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@buyers_only
def revoke(token_id: int):
    token = db.session.scalar(tokens.owned_by(current_user).where(ApiToken.id == token_id))
    if token is None:
        abort(404)
    if page := unconfirmed(access_consequences.revoke_token(token)):
        return page
    tokens.revoke(token, actor=current_user._get_current_object())
    flash(f"Token “{token.name}” is revoked; requests with it now get 401.", "success")
    return redirect(url_for("api_tokens.index"))
