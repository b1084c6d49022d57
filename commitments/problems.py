"""Typed problems for enterprise commitments (rules O1-O9) and the one error that carries them.

Every refusal names its rule and a stable code such as ``O1.below_minimum_commitment`` so a
page, the JSON API and a test can trace it back to ../shared/domain/rules.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from refusals import Refused


@dataclass(frozen=True)
class Problem:
    """One broken rule: which rule, a stable code, a message for people, the field to fix."""

    rule: str
    code: str
    message: str
    field: str | None = None


class CommitmentRefused(Refused):
    """Raised when an enterprise commitment action breaks one or more O rules."""

    summary = "The enterprise commitment rules refuse this; fix every problem listed."


def problem(rule: str, name: str, message: str, field: str | None = None) -> Problem:
    """Build a Problem whose code is ``<rule>.<name>``, so codes always carry their rule."""
    return Problem(rule=rule, code=f"{rule}.{name}", message=message, field=field)


def refuse_if_any(problems: Iterable[Problem]) -> None:
    """Raise CommitmentRefused with every problem at once, or return when there are none."""
    found = tuple(problems)
    if found:
        raise CommitmentRefused(found)
