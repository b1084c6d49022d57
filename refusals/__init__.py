"""The one base of every refusal a rule gives: checkout (C*, K*), subscriptions (S*) and
enterprise commitments (O*) each raise a subclass, so the web layer turns all of them into
pages and JSON in one place (storefront/errors.py).

A refusal carries every problem found, each naming its rule, a stable code
(``<rule>.<slug>``), a message for people, the field it belongs to, a fix link and the
cart line where it has them, plus the HTTP status it answers with: 422 for a rule's no,
403 for a missing permission. A leaf: it imports nothing of the project.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class ProblemLike(Protocol):
    """What every family's problem offers: rule, code, message and field at least."""

    rule: str
    code: str
    message: str


class Refused(Exception):
    """A rule refuses the action; `problems` lists every reason, in the rules' order."""

    status = 422
    summary = "A rule refuses this action; fix every problem listed and try again."
    default_field: str | None = None  # where a family's problems belong when they say none

    def __init__(self, problems: Iterable[ProblemLike]) -> None:
        self.problems: tuple = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @property
    def codes(self) -> tuple[str, ...]:
        """The stable codes, in the order the rules reported them."""
        return tuple(p.code for p in self.problems)

    def problem_dicts(self) -> list[dict[str, object]]:
        """Every problem as JSON-ready data with the same keys whatever the family."""
        return [{"rule": p.rule, "code": p.code, "message": p.message,
                 "field": getattr(p, "field", None) or self.default_field,
                 "fix_url": getattr(p, "fix_url", None), "line": getattr(p, "line", None)}
                for p in self.problems]
