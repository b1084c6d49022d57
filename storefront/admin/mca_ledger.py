"""K5: the provider admin's view of the append-only MCA acceptance ledger."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import current_app, render_template, request
from sqlalchemy import select

from accounts.models import Customer
from accounts.scoping import name_contains
from agreements import heads
from agreements.keys import from_config
from agreements.mca import McaAcceptance, export_csv, verify_configured
from persistence import db
from storefront.admin import bp
from storefront.pagination import paginate
from storefront.security import admin_only
from storefront.tables import stream_download


@bp.route("/mca")
@admin_only
def mca_ledger():
    """K5: the append-only MCA acceptance log, filtered by customer and date; CSV export."""
    q = request.args.get("q", "").strip()
    start, end = request.args.get("from", ""), request.args.get("to", "")
    query = select(McaAcceptance).join(Customer).order_by(McaAcceptance.id.desc())
    if q:
        query = query.where(name_contains(q))
    query = _date_range(query, start, end)
    if request.args.get("format") == "csv":
        return stream_download("mca-ledger.csv", lambda: export_csv(db.session.scalars(query)))
    return render_template("admin/mca.html", page=paginate(query), q=q, start=start, end=end,
                           report=verify_configured(current_app.config), head=_latest_head())


def _latest_head() -> heads.HeadCheck | None:
    """The newest signed head statement compared with the ledger, if one was written."""
    config = current_app.config
    path = heads.latest(Path(config["MCA_HEAD_DIR"]))
    return heads.check(path, from_config(config)) if path else None


def _date_range(query, start: str, end: str):
    """Keep rows recorded between two ISO dates (inclusive); bad dates are ignored."""
    for value, compare in ((start, lambda d: McaAcceptance.recorded_at >= d),
                           (end, lambda d: McaAcceptance.recorded_at < d + timedelta(days=1))):
        try:
            query = query.where(compare(datetime.combine(date.fromisoformat(value), time())))
        except ValueError:
            continue
    return query
