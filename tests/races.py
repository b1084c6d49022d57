"""Two requests meeting at the same check: A is held just after its INSERT (or another
write, such as an UPDATE), before its commit, while B does the same thing; a lock
(persistence.locks) or a conditional UPDATE must make B wait for A's commit and then see
it (on SQLite too, whose driver opens a transaction only at a write)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask
from sqlalchemy import event

from persistence import db


def _runner(apps: dict[str, Flask], acts: dict[str, Callable[[], object]],
            outcomes: dict[str, object]) -> Callable[[str], None]:
    """Run one named act in its app, keeping what it answered (its value, or the exception
    it raised) in `outcomes`."""
    def run(name: str) -> None:
        with apps[name].app_context():
            try:
                outcomes[name] = acts[name]()
            except Exception as error:  # noqa: BLE001 - the caller asserts on it
                outcomes[name] = error
            finally:
                db.session.remove()

    return run


def race(apps: dict[str, Flask], insert_into: str, act: Callable[[], object], *,
         prefix: str = "INSERT INTO") -> tuple[bool, dict[str, object]]:
    """Whether B waited for A (still running a second after it began), and what `act`
    answered in each (its value, or the exception it raised). `apps` names each one's app
    (two workers may run with different settings); both share one database. A is held
    after its first statement "<prefix> <insert_into> ": its INSERT INTO that table, or
    with prefix="UPDATE" its UPDATE of it (a race with nothing to insert)."""
    inserted, release, outcomes = threading.Event(), threading.Event(), {}

    def hold(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(f"{prefix} {insert_into} ") and \
                threading.current_thread().name == "A":
            inserted.set()
            release.wait(timeout=30)

    run = _runner(apps, {"A": act, "B": act}, outcomes)

    with apps["A"].app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", hold)
    try:
        a = threading.Thread(target=run, args=("A",), name="A")
        a.start()
        assert inserted.wait(timeout=30), outcomes
        b = threading.Thread(target=run, args=("B",), name="B")
        b.start()
        b.join(timeout=1)
        waited = b.is_alive()
        release.set()
        a.join(timeout=30)
        b.join(timeout=30)
    finally:
        release.set()
        event.remove(engine, "after_cursor_execute", hold)
    return waited, outcomes


def before_statement(apps: dict[str, Flask], containing: str,
                     acts: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Two requests in turn, not at once: A runs until its first statement containing
    `containing` is about to execute, B then runs to its end (its commit), then A goes on.
    What each act answered (its value, or the exception it raised), by name; `apps` names
    each one's app, as for `race`. B's statements are its own: only A's are matched."""
    outcomes: dict[str, object] = {}

    run = _runner(apps, acts, outcomes)

    def then_b(conn, cursor, statement, parameters, context, executemany):
        if containing in statement and threading.current_thread().name == "A" \
                and "B" not in outcomes:
            b = threading.Thread(target=run, args=("B",), name="B")
            b.start()
            b.join(timeout=30)
            assert not b.is_alive(), "B waited for A: the two did not run in turn"

    with apps["A"].app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", then_b)
    try:
        a = threading.Thread(target=run, args=("A",), name="A")
        a.start()
        a.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", then_b)
    assert "B" in outcomes, f"A never ran a statement containing {containing!r}: {outcomes}"
    return outcomes
