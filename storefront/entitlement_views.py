"""Provider-admin pages for software entitlements (S7): what Partner Center says each
customer is entitled to, and the keys and download links admins record against it, pasted
one at a time or imported from a CSV. Recorded keys are never shown here: admin agents
reveal them on the subscription's page, where every reveal is logged. In sandbox mode only,
the entitlement's page also shows what the sandbox's Partner Center would show an admin
agent (a sandbox-only extension), so the demo can copy a key as from Partner Center."""

from __future__ import annotations

from functools import partial

import requests
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from accounts.models import Customer
from catalog.price_words import counted
from connectors.partner_center.app_client import get_client
from connectors.partner_center.errors import PartnerCenterError, describe
from persistence import MAX_ID, db
from refusals import Refused
from storefront.errors import respond_to_refusal
from storefront.pagination import paginate
from storefront.security import admin_only
from subscriptions.entitlements import (
    KeyEntry,
    KeyProblem,
    customer_entitlements,
    mirror_entitlements,
    record_key,
)
from subscriptions.key_import import import_keys
from subscriptions.models import Entitlement

bp = Blueprint("entitlements", __name__, url_prefix="/admin/entitlements")
MAX_CSV_BYTES = 1024 * 1024


class KeyForm(FlaskForm):
    """One key and/or download as Partner Center shows it (checked by the service)."""

    product_key = StringField("Product key")
    download_url = StringField("Download link (https://…)")
    version = StringField("Version")
    language = StringField("Language")
    file_type = StringField("File type")
    os = StringField("Operating system")

    def entry(self) -> KeyEntry:
        return KeyEntry(**{name: getattr(self, name).data or "" for name in
                           ("product_key", "download_url", "version", "language",
                            "file_type", "os")})


def _customer_filter() -> int | None:
    value = request.args.get("customer", type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


def _index(problems=(), status: int = 200):
    customer_id = _customer_filter()
    customers = db.session.scalars(db.select(Customer).where(Customer.tenant_id != "")
                                   .order_by(Customer.company_name)).all()
    return render_template("entitlements/index.html",
                           page=paginate(customer_entitlements(customer_id)),
                           customers=customers, customer_id=customer_id,
                           problems=problems), status


@bp.route("")
@admin_only
def index():
    """Every mirrored software entitlement, optionally one customer's, with their keys."""
    return _index()


@bp.route("/sync", methods=["POST"])
@admin_only
def sync():
    """Read one customer's entitlements from Partner Center now (App+User)."""
    customer_id = request.form.get("customer", type=int)
    customer = db.session.get(Customer, customer_id) if customer_id and \
        0 < customer_id <= MAX_ID else None
    if customer is None or not customer.tenant_id:
        abort(400)
    try:
        listed = mirror_entitlements(get_client(), customer.id, customer.tenant_id)
    except PartnerCenterError as error:
        db.session.rollback()
        flash(f"Partner Center did not answer: {describe(error.code)}", "error")
    else:
        db.session.commit()
        flash(f"{customer.company_name}: Partner Center lists "
              f"{counted(listed, 'software entitlement')}.", "success")
    return redirect(url_for("entitlements.index", customer=customer.id))


def _entitlement(entitlement_id: int) -> Entitlement:
    return db.session.get(Entitlement, entitlement_id) or abort(404)


@bp.route("/<int:entitlement_id>", methods=["GET", "POST"])
@admin_only
def show(entitlement_id: int):
    """The entitlement, its recorded keys (masked) and the form to record one."""
    item = _entitlement(entitlement_id)
    form = KeyForm()
    if form.validate_on_submit():
        try:
            key = record_key(item, form.entry(), current_user)
        except Refused as error:
            return respond_to_refusal(error, partial(_show, item, form, error.problems, 422))
        if key is None:  # a resubmitted form
            flash("Already recorded: nothing was added.", "info")
        else:
            flash("Recorded. Admin agents can now reveal it on the subscription's page.",
                  "success")
        return redirect(url_for("entitlements.show", entitlement_id=item.id))
    return _show(item, form, (), 422 if form.errors else 200)


def _show(item: Entitlement, form: KeyForm, problems, status: int):
    for problem in problems:
        field = getattr(form, problem.field or "", None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, problem.message]
    return render_template("entitlements/show.html", item=item, form=form,
                           problems=problems, sandbox=_sandbox_shows(item)), status


def _sandbox_shows(item: Entitlement) -> dict | None:
    """Sandbox mode only: the key and downloads the sandbox's Partner Center shows for this
    entitlement (its sandbox-only /_sandbox view), for the admin to copy as from Partner
    Center's own pages. None in live mode, where no API returns them."""
    if current_app.config.get("PARTNER_CENTER_MODE") != "sandbox":
        return None
    url = f"{get_client().base_url}/_sandbox/customers/{item.tenant_id}/software-keys"
    try:
        items = requests.get(url, timeout=5).json().get("items", [])
    except (requests.RequestException, ValueError, AttributeError):
        return None
    return next((i for i in items if i["referenceOrder"]["id"] == item.pc_order_id
                 and i["referenceOrder"]["lineItemId"] == item.line_item_id
                 and i["productId"] == item.pc_product_id), None)


@bp.route("/import", methods=["POST"])
@admin_only
def import_csv():
    """S7: record many keys and links from a CSV, all or none."""
    file = request.files.get("keys")
    data = file.stream.read(MAX_CSV_BYTES + 1) if file and file.filename else b""
    try:
        text = data.decode("utf-8-sig") if len(data) <= MAX_CSV_BYTES else ""
    except UnicodeDecodeError:
        text = ""
    if not text or "\x00" in text:
        return _index(problems=[_upload_problem()], status=422)
    try:
        done = import_keys(text, current_user)
    except Refused as error:
        return respond_to_refusal(error, partial(_index, error.problems, 422))
    already = (f"; {done.already} {'was' if done.already == 1 else 'were'} already recorded"
               if done.already else "")
    flash(f"Recorded {counted(done.recorded, 'key or download link', 'keys and download links')}"
          f"{already}.", "success")
    return redirect(url_for("entitlements.index"))


def _upload_problem() -> KeyProblem:
    return KeyProblem("S7", "S7.csv_file", "Keys file: choose a CSV file (UTF-8 text, at "
                      "most 1 MB) with the columns described below.", "file")
