"""The catalog from the browser: upload Microsoft's price list and sync from Partner
Center as background jobs, with a progress page and a line-numbered error report."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from accounts.scoping import customers_by_country
from catalog import jobs, queries
from catalog.models import CatalogJob, CatalogSettings
from catalog.tasks import enqueue_catalog_job
from persistence import db
from storefront.security import admin_only
from storefront.tables import csv_download

bp = Blueprint("catalog_jobs", __name__, url_prefix="/admin/catalog/jobs")
UPLOAD_ENDPOINT = "catalog_jobs.upload"
RECENT_JOBS = 20
ERRORS_SHOWN = 200
CSV_HEADER = ("Line", "Column", "Problem", "How to fix it")


class UploadRefused(ValueError):
    """The uploaded file cannot be a price list; the message says how to fix it."""


@bp.record_once
def _allow_price_lists(state) -> None:
    # A price list is larger than the 1 MiB every other body may be. The CSRF and NUL
    # checks read the body in the app's before_request, so the upload's own limit must be
    # set ahead of them, as the app's first before_request function.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


def _upload_limit() -> None:
    if request.endpoint == UPLOAD_ENDPOINT:
        limit = request.max_content_length = _max_bytes(current_app)
        if (request.content_length or 0) > limit:
            # Refused before the parser spools any of it to a temporary file.
            raise RequestEntityTooLarge()


def _max_bytes(app: Flask) -> int:
    return int(app.config["PRICE_LIST_MAX_BYTES"])


@bp.route("")
@admin_only
def index():
    return _index()


def _index(upload_error: str = "", sync_error: str = "", status: int = 200):
    recent = db.session.scalars(select(CatalogJob).order_by(CatalogJob.id.desc())
                                .limit(RECENT_JOBS)).all()
    return render_template(
        "catalog_admin/jobs.html", jobs=recent, upload_error=upload_error,
        sync_error=sync_error, max_mb=_max_bytes(current_app) // (1024 * 1024),
        default_market=CatalogSettings.current().default_market,
        unpriced=_unpriced_markets()), status


def _unpriced_markets() -> dict[str, int]:
    """C7: the countries of customers who can buy nothing, as no price is listed in their
    market, with how many customers each has."""
    priced = queries.priced_markets()
    return {country: count for country, count
            in sorted(customers_by_country(db.session).items()) if country not in priced}


@bp.route("/upload", methods=["POST"])
@admin_only
def upload():
    """Queue an uploaded price list; the progress page follows it."""
    try:
        filename, content = _price_list(request.files.get("price_list"))
    except UploadRefused as refused:
        return _index(upload_error=str(refused), status=422)
    job = jobs.start_import(filename, content, current_user.id)
    enqueue_catalog_job(job.id)
    return redirect(url_for("catalog_jobs.show", job_id=job.id))


def _price_list(file) -> tuple[str, str]:
    """The file's name and text, or UploadRefused saying what to do instead."""
    if file is None or not file.filename:
        raise UploadRefused("Price list: choose the CSV file exported from Partner Center.")
    name = file.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]
    if not name.lower().endswith(".csv"):
        raise UploadRefused(f"Price list: {name!r} is not a .csv file; export the price list "
                            "from Partner Center as CSV and upload that.")
    limit = _max_bytes(current_app)
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(f"Price list: the file is larger than {limit // (1024 * 1024)} "
                            "MB; split it and upload each part.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if not text or "\x00" in text:
        raise UploadRefused("Price list: the file is empty or not CSV text; save it as "
                            "\"CSV UTF-8\" and upload it again.")
    return name, text


@bp.route("/sync", methods=["POST"])
@admin_only
def sync():
    """Queue a Partner Center catalog sync of one market."""
    market = (request.form.get("market", "").strip()
              or CatalogSettings.current().default_market).upper()
    if len(market) != 2 or not market.isalpha():
        return _index(sync_error="Market: use a 2-letter country code such as US.",
                      status=422)
    job = jobs.start_sync(market, current_user.id)
    enqueue_catalog_job(job.id)
    return redirect(url_for("catalog_jobs.show", job_id=job.id))


@bp.route("/<int:job_id>")
@admin_only
def show(job_id: int):
    job = db.session.get(CatalogJob, job_id) or abort(404)
    report = jobs.error_report(job)
    return render_template("catalog_admin/job.html", job=job, report=report[:ERRORS_SHOWN])


@bp.route("/<int:job_id>/status.json")
@admin_only
def status(job_id: int):
    """What catalog-job.js polls while the job runs."""
    job = db.session.get(CatalogJob, job_id) or abort(404)
    return jsonify({"id": job.id, "status": job.status, "phase": job.phase,
                    "percent": job.percent, "processed": job.processed, "total": job.total,
                    "final": job.final, "error_count": job.error_count})


@bp.route("/<int:job_id>/errors.csv")
@admin_only
def errors(job_id: int):
    """The error report as a spreadsheet; cells that look like formulas are neutralised."""
    db.session.get(CatalogJob, job_id) or abort(404)
    return csv_download(f"price-list-{job_id}-errors.csv", CSV_HEADER,
                        lambda: jobs.error_rows(db.session.get(CatalogJob, job_id)))
