"""The list pages' table controls, read from the query string the same way everywhere:
sort (?sort=column&dir=asc|desc), page size (?per_page=25|50|100), page, date ranges
(?from= & ?to=, the viewer's calendar days) and CSV export (?format=csv) of every row the
filters select. Every link a table draws keeps the filters, so paging or sorting never
loses them. The queries themselves stay in the domain (orders/listing.py ...)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import Response, request, stream_with_context, url_for

from exports.spreadsheet import csv_lines, download_headers
from storefront.local_times import viewer_zone
from storefront.pagination import paginate

PAGE_SIZES = (25, 50, 100)
DATE_HINT = "enter a date as YYYY-MM-DD, e.g. 2026-12-01"


@dataclass
class Listing:
    """One request's view of a table: its sort, page size, filters and what was wrong."""

    endpoint: str
    sort: str
    descending: bool
    per_page: int
    filters: dict[str, str]
    errors: list[str] = field(default_factory=list)

    def args(self, **changes) -> dict[str, object]:
        """The query string of this view with `changes`, empty values left out."""
        values = {**self.filters, "sort": self.sort, "dir": "desc" if self.descending else "asc",
                  "per_page": self.per_page, **changes}
        if values["per_page"] == PAGE_SIZES[0]:
            values.pop("per_page")
        return {key: value for key, value in values.items() if value not in ("", None)}

    def url(self, **changes) -> str:
        return url_for(self.endpoint, **{**request.view_args, **self.args(**changes)})

    def sort_url(self, key: str) -> str:
        """The column's link: the other direction if the table is sorted by it already."""
        descending = not self.descending if key == self.sort else key in DESCENDING_FIRST
        return self.url(sort=key, dir="desc" if descending else "asc", page=None)

    def aria_sort(self, key: str) -> str | None:
        if key != self.sort:
            return None
        return "descending" if self.descending else "ascending"

    @property
    def csv_url(self) -> str:
        return self.url(format="csv", page=None)

    @property
    def wants_csv(self) -> bool:
        return request.args.get("format") == "csv"


# Columns people read newest- or largest-first when they first click them.
DESCENDING_FIRST = frozenset({"placed", "total", "updated", "created", "term_end",
                              "quantity", "purchased"})


def listing(endpoint: str, sorts: Iterable[str], default: str, descending: bool,
            filter_names: Sequence[str]) -> Listing:
    """The requested view; an unknown sort or page size falls back to the default."""
    sort = request.args.get("sort", "")
    if sort not in sorts:
        sort = default
    else:
        descending = request.args.get("dir") == "desc"
    per_page = request.args.get("per_page", PAGE_SIZES[0], type=int)
    filters = {name: request.args.get(name, "").strip() for name in filter_names}
    return Listing(endpoint, sort, descending,
                   per_page if per_page in PAGE_SIZES else PAGE_SIZES[0], filters)


def int_filter(view: Listing, name: str) -> int | None:
    """A whole-number filter (a customer or reseller id); anything else is dropped with a
    message naming the field."""
    text = view.filters.get(name, "")
    if not text:
        return None
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    view.errors.append(f"{name}: choose one from the list (got {text!r}).")
    view.filters[name] = ""
    return None


def day_range(view: Listing, names: tuple[str, str] = ("from", "to")
              ) -> tuple[datetime | None, datetime | None]:
    """?from= and ?to= (both included; or the filters `names`) as moments in the viewer's
    zone: from's midnight, and the midnight after to. A bad date is dropped with a message
    naming the field."""
    first, last = _day(view, names[0]), _day(view, names[1])
    if first and last and last < first:
        view.errors.append(f"{names[1]}: the end date is before the start date; swap them.")
        return None, None
    return (_midnight(first) if first else None,
            _midnight(last + timedelta(days=1)) if last else None)


def _day(view: Listing, name: str) -> date | None:
    text = view.filters.get(name, "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        view.errors.append(f"{name}: {DATE_HINT} (got {text!r}).")
        view.filters[name] = ""
        return None


def _midnight(day: date) -> datetime:
    """The viewer's midnight as a UTC moment: SQLite compares stored UTC timestamps as text
    with a bound moment's own clock fields, so a zone's midnight bound as it is would move
    every list's date range by the viewer's offset (PostgreSQL converts; UTC suits both)."""
    return datetime.combine(day, time(), tzinfo=viewer_zone()).astimezone(UTC)


def page_of(query, view: Listing):
    return paginate(query, per_page=view.per_page)


def csv_download(filename: str, header: Sequence[str],
                 rows: Callable[[], Iterable[Sequence[object]]]) -> Response:
    """Every filtered row as a CSV download, streamed through the one CSV writer; `rows` is
    called as the file is sent (stream_download)."""
    return stream_download(filename, lambda: csv_lines(header, rows()))


def stream_download(filename: str, lines: Callable[[], Iterable[str]]) -> Response:
    """A CSV file sent as its lines are made, so a long export never sits whole in memory.

    `lines` is called while the body is sent, not in the view: Flask tears the view's app
    context down, and Flask-SQLAlchemy closes its session, before a server reads a streamed
    body, so a query run or an object loaded in the view cannot be read from there (every
    export failed after its header under waitress and gunicorn; tests hid it by holding an
    app context open). stream_with_context pushes the view's contexts again for the stream:
    its reads get a session of their own, closed when the stream ends. So `lines` names
    its rows by query or id, never by an object the view loaded."""
    def body() -> Iterable[str]:
        yield from lines()
    return Response(stream_with_context(body()), headers=download_headers(filename))
