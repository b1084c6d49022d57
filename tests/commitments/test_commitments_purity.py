"""The commitments domain is pure: no Flask, no database, no clock, the same answer any day."""

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from commitments.balance import UsageRecord
from commitments.due import due_notices
from commitments.enrollment import Enrollment, Status
from commitments.notices import EnrollmentFacts, OverageSettlement
from commitments.orders import CommitmentOrder, OrderKind

PACKAGE = Path(__file__).resolve().parents[2] / "commitments"
FORBIDDEN_IMPORTS = ("flask", "sqlalchemy", "flask_sqlalchemy", "storefront", "requests")
CLOCK_CALLS = {"today", "now", "utcnow", "time"}


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_domain_imports_no_web_database_or_http_library():
    for path in PACKAGE.glob("*.py"):
        assert not _imports(ast.parse(path.read_text())) & set(FORBIDDEN_IMPORTS), path.name


def test_the_domain_never_reads_the_clock():
    for path in PACKAGE.glob("*.py"):
        calls = {
            node.func.attr
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        assert not calls & CLOCK_CALLS, path.name


START = date(2025, 4, 1)
ENROLLMENT = Enrollment("V5700001", "c", "p", START, status=Status.ACTIVE, status_since=START)
INITIAL = CommitmentOrder(OrderKind.INITIAL, 1, Decimal("100000"), date(2025, 3, 20))

days = st.dates(min_value=START, max_value=date(2028, 12, 31))
records = st.lists(
    st.builds(
        UsageRecord,
        used_on=days,
        quantity=st.decimals(min_value=0, max_value=60000, places=2),
        unit_price=st.just(Decimal("1")),
    ),
    max_size=6,
)
settlements = st.lists(
    st.builds(
        OverageSettlement,
        month=days.map(lambda d: d.replace(day=1)),
        responded_on=st.none() | days,
        settled_on=st.none() | days,
    ),
    max_size=3,
)


@settings(max_examples=60, deadline=None)
@given(records, settlements, days, st.booleans())
def test_due_notices_is_idempotent_given_what_was_already_sent(usage, paid, today, extended):
    enrollment = Enrollment(
        ENROLLMENT.number, "c", "p", START, extended, status=Status.ACTIVE, status_since=START
    )
    facts = EnrollmentFacts(enrollment, (INITIAL,), tuple(usage), tuple(paid))
    first = due_notices(facts, today, set())
    assert len({n.key for n in first}) == len(first)
    assert all(n.due_on <= today for n in first)
    assert due_notices(facts, today, {n.key for n in first}) == []
    half = {n.key for n in first[::2]}
    assert due_notices(facts, today, half) == [n for n in first if n.key not in half]


def test_due_notices_gives_the_same_answer_whatever_the_wall_clock_says():
    usage = (UsageRecord(date(2025, 5, 20), Decimal("101000"), Decimal("1")),)
    facts = EnrollmentFacts(ENROLLMENT, (INITIAL,), usage)
    answers = []
    for wall_clock in ("2020-01-01", "2031-07-15"):
        with time_machine.travel(wall_clock, tick=False):
            answers.append(due_notices(facts, date(2025, 6, 16), set()))
    assert answers[0] == answers[1] and answers[0]
