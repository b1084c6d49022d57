"""S7: import many keys and download links at once from a CSV an admin prepared from
Partner Center. All or nothing: every row is checked first and every problem is reported
with its row and column; only a clean file is recorded, in one commit.

Columns (a header row, names in any case): `entitlement` (the storefront's entitlement
number) or `order_id` with `line_item` (Partner Center's referenceOrder id and lineItemId,
plus `product_id` to pick an included product), then `key`, `download_link`, `version`,
`language`, `file_type`, `os`.

Importing a file again (a re-upload after a timeout, a double click) is harmless: a row whose
key is recorded already, live, with the same link and choices, adds nothing and is counted
as already recorded.
"""

from __future__ import annotations

import csv
import io
from typing import NamedTuple

from sqlalchemy import select

from persistence import db, row_id
from subscriptions.entitlements import (
    KeyEntry,
    KeyProblem,
    KeysRefused,
    add_key,
    entry_problems,
)
from subscriptions.models import Entitlement

MAX_ROWS = 1000
ENTRY_COLUMNS = {"key": "product_key", "download_link": "download_url", "version": "version",
                 "language": "language", "file_type": "file_type", "os": "os"}


def _problem(code: str, message: str, field: str | None, line: int | None) -> KeyProblem:
    return KeyProblem("S7", code, message, field, line)


def _rows(text: str) -> list[dict[str, str]]:
    """The CSV's rows keyed by lower-case column name; refuses an unusable file."""
    reader = csv.DictReader(io.StringIO(text))
    names = [n.strip().lower() for n in reader.fieldnames or []]
    has_target = "entitlement" in names or {"order_id", "line_item"} <= set(names)
    if not has_target or not ({"key", "download_link"} & set(names)):
        raise KeysRefused([_problem("S7.csv_columns", "The CSV needs a header row with "
                                    "entitlement (or order_id and line_item) and key and/or "
                                    "download_link columns.", "file", None)])
    rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()
             if isinstance(v, str)} for row in reader]
    if not rows or len(rows) > MAX_ROWS:
        raise KeysRefused([_problem("S7.csv_rows", f"The CSV must hold 1 to {MAX_ROWS} rows "
                                    "below its header.", "file", None)])
    return rows


def _target(row: dict[str, str], line: int) -> Entitlement | KeyProblem:
    """The entitlement a row names, or why none matches."""
    if row.get("entitlement"):
        # A number past the database's integer range names no row (and would not bind).
        number = row_id(row["entitlement"])
        found = db.session.get(Entitlement, number) if number is not None else None
    else:
        query = select(Entitlement).filter_by(pc_order_id=row.get("order_id", ""),
                                              line_item_id=row.get("line_item", ""))
        if row.get("product_id"):
            query = query.filter_by(pc_product_id=row["product_id"])
        matches = db.session.scalars(query.order_by(Entitlement.id)).all()
        found = matches[0] if matches else None
    if found is None:
        return _problem("S7.csv_unknown_entitlement", f"Row {line}: no entitlement matches; "
                        "use the entitlement number shown on the entitlements page, or the "
                        "order id and line item from Partner Center.", "entitlement", line)
    return found


class Imported(NamedTuple):
    """How many rows were recorded, and how many were recorded already (a CSV imported
    again after a timeout, a row repeated): those add nothing."""

    recorded: int
    already: int


def import_keys(text: str, user) -> Imported:
    """Record every row of the CSV, or none; answers how many were recorded."""
    checked: list[tuple[Entitlement, KeyEntry]] = []
    problems: list[KeyProblem] = []
    for line, row in enumerate(_rows(text), start=2):  # row 1 is the header
        target = _target(row, line)
        if isinstance(target, KeyProblem):
            problems.append(target)
            continue
        entry = KeyEntry(**{f: row.get(c, "") for c, f in ENTRY_COLUMNS.items()}).cleaned()
        found = entry_problems(target, entry, line)
        problems += [KeyProblem(p.rule, p.code, f"Row {line}: {p.message}", p.field, line)
                     for p in found]
        checked.append((target, entry))
    if problems:
        raise KeysRefused(problems)
    added = sum(add_key(entitlement, entry, user) is not None for entitlement, entry in checked)
    db.session.commit()
    return Imported(added, len(checked) - added)
