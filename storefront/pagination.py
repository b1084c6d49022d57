"""Pagination of select() queries with page numbers from the query string."""

from __future__ import annotations

from flask import request

from persistence import MAX_ID, db

PER_PAGE = 25


def page_number() -> int:
    """The requested page; a bad ?page= falls back to the first page."""
    # Capped: an absurd page would overflow PostgreSQL's OFFSET; past the end is empty anyway.
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_ID)


def paginate(query, per_page: int = PER_PAGE):
    """A Flask-SQLAlchemy Pagination of the requested page."""
    return db.paginate(query, page=page_number(), per_page=per_page, error_out=False)
