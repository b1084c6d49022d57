"""Text search conditions for the search boxes: one helper, so every box treats what a user
types the same way. `%` and `_` are LIKE's wildcards; typed into a box they must match
themselves (a search for "100%" finds "100% Cotton", not every name holding "100"), so the
value is escaped and the statement says ESCAPE, which SQLite and PostgreSQL both honour."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement


def contains(column, text: str) -> ColumnElement[bool]:
    """The column holds the text, in any case, with LIKE's wildcards taken literally."""
    # autoescape puts "/" before each %, _ and / of the value and adds ESCAPE '/'.
    return func.lower(column).contains(text.lower(), autoescape=True)
