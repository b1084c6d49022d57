"""Each worker keeps a detached copy of a signed-in browser's session, user and company, and
reads their current values from the database on every request (accounts/sessions.py, #27):
whatever changes in those rows counts on the very next request, whoever changed them, and
an unchanged session costs one statement. On both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from accounts import sessions
from accounts.models import MpaStatus, Role, User
from accounts.services import new_user
from persistence import db, utcnow
from tests.conftest import PASSWORD, login, post_form


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


def test_rows_the_session_already_holds_keep_their_unsaved_changes(app, world):
    # A request that read and changed the user before asking who is signed in: the copy
    # must not overwrite what the session holds (merging it would also drop the change).
    lifetimes = sessions.Lifetimes(remember=timedelta(days=30), idle=timedelta(hours=12),
                                   absolute=timedelta(hours=12))
    user_id = world.reseller_a_user.id
    _row, token = sessions.open_session(world.reseller_a_user, remember=False, user_agent="t",
                                        address="127.0.0.1", now=utcnow(), lifetimes=lifetimes)
    db.session.expunge_all()
    assert sessions.live_session(token, now=utcnow(), lifetimes=lifetimes) is not None  # kept
    db.session.expunge_all()
    user = db.session.get(User, user_id)
    user.name = "Not Yet Saved"
    found = sessions.live_session(token, now=utcnow(), lifetimes=lifetimes)
    assert found.user is user and user.name == "Not Yet Saved"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user_id).name == "Not Yet Saved"


def test_a_resellers_customers_user_is_shut_out_with_the_reseller_in_one_statement(
        browser, world):
    user = new_user("alpha@test.example", PASSWORD, Role.CUSTOMER_USER,
                    customer=world.customer_a)
    db.session.add(user)
    db.session.commit()
    theirs = browser()
    login(theirs, user)
    assert theirs.get("/account").status_code == 200  # the worker holds its copy by now
    reads: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if "resellers" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert theirs.get("/account").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert len(reads) == 1 and "user_sessions" in reads[0], reads
    world.reseller_a.active = False  # not through the admin page: nothing is revoked
    db.session.commit()
    assert theirs.get("/account").status_code == 302
    world.reseller_a.active = True
    db.session.commit()
    assert theirs.get("/account").status_code == 200


def test_the_reseller_a_customers_user_buys_through_is_read_as_it_is_now(browser, world):
    """The copy holds that reseller whole: its standing and MPN ID (K9, and the partner of
    record K8 puts on an order) and its name are what the database says on the next
    request, not what the copy held (session 53's audit: only its id and active flag
    were compared, so an order passed K9 on a standing Partner Center had withdrawn)."""
    user = new_user("alpha@test.example", PASSWORD, Role.CUSTOMER_USER,
                    customer=world.customer_a)
    db.session.add(user)
    db.session.commit()
    theirs = browser()
    login(theirs, user)
    assert world.reseller_a.company_name in theirs.get("/invoices").text
    theirs.get("/invoices")  # the worker holds its copy by now
    # Partner Center's fresh answer (a check made by another request): no re-check now.
    world.reseller_a.mpa_status, world.reseller_a.mpa_checked_at = (
        MpaStatus.NOT_ACCEPTED, utcnow())
    db.session.commit()
    customer = world.customer_a.id
    post_form(theirs, "/cart/add", {"customer": str(customer), "price_id": world.price.id,
                                    "quantity": "1"}, token_url=f"/shop?customer={customer}")
    placed = post_form(theirs, f"/cart/{customer}/place", {"idempotency_key": "k9-now"},
                       token_url=f"/cart?customer={customer}")
    assert placed.status_code == 422 and 'data-code="K9.mpa_not_signed"' in placed.text
    world.reseller_a.company_name = "Renamed Reseller Ltd"
    db.session.commit()
    assert "Renamed Reseller Ltd" in theirs.get("/invoices").text
