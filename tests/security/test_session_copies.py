"""Each worker keeps a detached copy of a signed-in browser's session, user and company, and
reads their current values from the database on every request (accounts/sessions.py, #27):
whatever changes in those rows counts on the very next request, whoever changed them, and
an unchanged session costs one statement. On both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from persistence import db
from tests.conftest import login


@pytest.fixture
def app(app_on_each_backend):
    return app_on_each_backend


def signed_in(client) -> bool:
    return client.get("/customers").status_code == 200


def test_a_company_switched_off_in_the_database_shuts_its_users_out_at_once(browser, world):
    theirs = browser()
    login(theirs, world.reseller_a_user)
    assert signed_in(theirs) and signed_in(theirs)  # the worker holds its copy by now
    world.reseller_a.active = False  # not through the admin page: nothing is revoked
    db.session.commit()
    assert not signed_in(theirs)
    world.reseller_a.active = True
    db.session.commit()
    # The session itself was never ended, so switching the company back on lets it in.
    assert signed_in(theirs)


def test_a_user_switched_off_in_the_database_is_nobody_at_once(browser, world):
    theirs = browser()
    login(theirs, world.direct_user)
    assert theirs.get("/account").status_code == 200
    world.direct_user.active = False
    db.session.commit()
    assert theirs.get("/account").status_code == 302  # to the sign-in page


def test_a_renamed_company_shows_in_the_header_on_the_next_page(browser, world):
    theirs = browser()
    login(theirs, world.reseller_a_user)
    assert world.reseller_a.company_name in theirs.get("/customers").text
    world.reseller_a.company_name = "Renamed Reseller Ltd"
    db.session.commit()
    assert "Renamed Reseller Ltd" in theirs.get("/customers").text


def test_an_unchanged_session_is_read_with_one_statement(browser, world):
    theirs = browser()
    login(theirs, world.reseller_a_user)
    theirs.get("/customers")
    reads: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if "user_sessions" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert signed_in(theirs)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert len(reads) == 1, reads
