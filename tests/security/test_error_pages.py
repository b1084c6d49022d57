"""An unexpected error answers a proper 500 page, or JSON for the API, and leaks nothing:
the handler printed a property object on the page and raised on the JSON path. The app is
built as deployed (TESTING off), since tests otherwise see the real traceback."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from accounts.models import Role
from accounts.services import new_user
from persistence import db
from storefront import create_app
from tests.conftest import PASSWORD, login, on_database

SECRET_DETAIL = "connection to db.internal:5432 refused for user storefront"


def fail():
    raise RuntimeError(SECRET_DETAIL)


def fail_after_a_failed_write():
    """A write the database refuses leaves the session needing a rollback, which the error
    page's own queries (the signed-in user, the unread count) would trip over."""
    db.session.add(new_user("admin@test.example", PASSWORD, Role.PROVIDER_ADMIN))
    db.session.flush()


def fail_with_the_database_broken():
    """Even the error page cannot be drawn: its header counts unread notifications."""
    db.session.execute(text("DROP TABLE notifications"))
    db.session.commit()
    fail()


@pytest.fixture
def deployed(tmp_path):
    settings = on_database(f"sqlite:///{tmp_path / 'deployed.sqlite'}")
    app = create_app(type("Deployed", (settings,), {"TESTING": False}))
    app.add_url_rule("/fail", view_func=fail)
    app.add_url_rule("/api/v1/fail", view_func=fail)
    app.add_url_rule("/fail-after-write", view_func=fail_after_a_failed_write)
    app.add_url_rule("/fail-broken", view_func=fail_with_the_database_broken)
    with app.app_context():
        db.create_all()
        db.session.add(new_user("admin@test.example", PASSWORD, Role.PROVIDER_ADMIN))
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def assert_leaks_nothing(text: str) -> None:
    assert SECRET_DETAIL not in text and "Traceback" not in text
    assert "property object" not in text and "RuntimeError" not in text


def test_an_unexpected_error_is_a_500_page_that_leaks_nothing(deployed, caplog):
    with caplog.at_level(logging.ERROR, logger="storefront.errors"):
        response = deployed.test_client().get("/fail")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "500 · Internal Server Error" in page and "Nothing you entered was lost" in page
    assert_leaks_nothing(page)
    assert caplog.records and caplog.records[0].exc_info[1].args == (SECRET_DETAIL,)


def test_an_unexpected_error_is_a_json_500_for_json_clients(deployed):
    response = deployed.test_client().get("/fail", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json()["error"] == {
        "status": 500, "title": "Internal Server Error",
        "detail": "Something went wrong on our side. Nothing you entered was lost; please "
                  "try again."}
    assert_leaks_nothing(response.get_data(as_text=True))


def test_an_unexpected_error_in_the_api_is_json_with_the_security_headers(deployed):
    response = deployed.test_client().get("/api/v1/fail")
    assert response.status_code == 500 and response.get_json()["error"]["status"] == 500
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_500_page_renders_for_a_signed_in_user_after_a_failed_write(deployed):
    client = deployed.test_client()
    assert login(client, "admin@test.example").status_code == 302
    response = client.get("/fail-after-write")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "Internal Server Error" in page
    assert "Sign out" in page  # the page was drawn for the signed-in user
    assert_leaks_nothing(page)


def test_when_even_the_500_page_fails_a_plain_500_still_answers(deployed, caplog):
    client = deployed.test_client()
    assert login(client, "admin@test.example").status_code == 302
    with caplog.at_level(logging.ERROR, logger="storefront.errors"):
        response = client.get("/fail-broken")
    assert response.status_code == 500 and response.mimetype == "text/plain"
    assert "500 Internal Server Error" in response.get_data(as_text=True)
    assert_leaks_nothing(response.get_data(as_text=True))
    assert response.headers["Cache-Control"] == "no-store"  # still a signed-in answer
    assert [r.getMessage() for r in caplog.records][-1] == "the 500 page could not be drawn either"
