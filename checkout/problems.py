"""Typed checkout problems with stable codes, and the error that carries them.

A problem names the rule it enforces (``K6``), a stable code (``K6.<snake_slug>``) that
tests, logs and the JSON API rely on, a message saying what is wrong and how to fix it,
and where it belongs: ``field`` is the name of a fact the user can change (a
``CustomerFacts`` or ``LineFacts`` attribute such as ``postal_code`` or ``quantity``, or
one of ``mca``, ``delegated_admin``, ``mpn_id``, ``mpa``), ``line``
is the cart line index, or None for a customer-level problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from refusals import Refused

_CODE = re.compile(r"(?P<rule>[A-Z]\d{1,2})\.[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Problem:
    """One reason the checkout cannot go ahead, placed beside the field that fixes it."""

    rule: str
    code: str
    message: str
    field: str
    fix_url: str | None = None
    line: int | None = None

    def __post_init__(self) -> None:
        match = _CODE.fullmatch(self.code)
        if match is None or match["rule"] != self.rule:
            raise ValueError(f"problem code {self.code!r} must read '{self.rule}.<snake_slug>'")

    def as_dict(self) -> dict[str, object]:
        """The problem as plain JSON-ready data (the API's 422 body lists these)."""
        return asdict(self)


@dataclass(frozen=True)
class PriceChange(Problem):
    """B1: a price the buyer was shown (None: none was shown for it) and the price the
    order would record now, both as decimal text in the currency's units."""

    currency: str = ""
    previous: str | None = None
    current: str = ""

    def amounts(self) -> dict[str, object]:
        """The old and the new amount, which the API adds to the problem."""
        return {"currency": self.currency, "previous": self.previous, "current": self.current}


class CheckoutRefused(Refused):
    """Raised once per checkout with every problem found, so the user sees them all."""

    summary = "The checkout rules refuse this order; fix every problem listed and try again."

    def problem_dicts(self) -> list[dict[str, object]]:
        """Every problem as JSON-ready data; a B1 price change adds its old and new amount."""
        return [{**data, **(p.amounts() if isinstance(p, PriceChange) else {})}
                for data, p in zip(super().problem_dicts(), self.problems, strict=True)]

    def __init__(self, problems: Iterable[Problem], plans: tuple = ()) -> None:
        problems = tuple(problems)
        if not problems:
            raise ValueError("CheckoutRefused needs at least one problem")
        super().__init__(problems)
        # C4's plans of the lines judged, so the page showing the refusal prices each line
        # as that checkout did (extra licences at the held subscription's price, B1).
        self.plans = plans


def by_field(problems: Iterable[Problem]) -> dict[str, list[Problem]]:
    """Customer-level problems grouped by field, to render each beside its input."""
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.line is None:
            grouped.setdefault(problem.field, []).append(problem)
    return grouped


def by_line(problems: Iterable[Problem]) -> dict[int, list[Problem]]:
    """Cart-line problems grouped by line index, to render each under its cart row."""
    grouped: dict[int, list[Problem]] = {}
    for problem in problems:
        if problem.line is not None:
            grouped.setdefault(problem.line, []).append(problem)
    return grouped
