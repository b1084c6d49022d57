"""Pagination of select() queries with page numbers from the query string."""

from __future__ import annotations

from flask import request

from storefront.extensions import db

PER_PAGE = 25


def paginate(query, per_page: int = PER_PAGE):
    """A Flask-SQLAlchemy Pagination; a bad ?page= falls back to the first page."""
    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
