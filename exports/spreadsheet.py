"""CSV meant to be opened in a spreadsheet: the one writer every export goes through.

Policy (OWASP "CSV Injection"): Excel, LibreOffice and Google Sheets run a cell that
begins with =, +, -, @, a tab or a carriage return as a formula, and accept the full-width
＝ ＋ － ＠ as well. Such a text cell is written with a single quote in front, which the
spreadsheet shows as text and never runs; the rest of the cell is kept as it was.

Numbers we emit as numbers (int, Decimal, float; never bool) are written unchanged, so a
negative amount stays a number: they come from our own arithmetic, not from someone's
typing. Anything else is text, including a number that arrives as a string: the writer
cannot tell "-5" from "-2+3", and a quote in front of a typed number costs nothing.

Rows stream: `csv_lines` yields one CSV record at a time, so a view can send a large
export without building it in memory first.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import chain

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
SAFE_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def safe_cell(value: object) -> object:
    """The value as it may go into a cell: numbers unchanged, formula-like text quoted."""
    if value is None:
        return ""
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Record:
    """A file-like sink holding what csv.writer wrote for the current row."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


def csv_lines(header: Sequence[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The header, then each row, one CSV record (with its line end) at a time."""
    record = _Record()
    writer = csv.writer(record)
    for row in chain([header], rows):
        writer.writerow([safe_cell(value) for value in row])
        yield record.take()


def csv_text(header: Sequence[str], rows: Iterable[Iterable[object]]) -> str:
    """The whole CSV file as one string, for callers that want it all at once."""
    return "".join(csv_lines(header, rows))


def download_headers(filename: str) -> dict[str, str]:
    """Content-Type and Content-Disposition for sending a CSV file as a download."""
    if not SAFE_FILENAME.fullmatch(filename):
        raise ValueError(f"download file name {filename!r}: use letters, digits, . _ -")
    return {"Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"'}
