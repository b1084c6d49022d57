"""#21: password reset by email (same answer for any address, one hour, once, throttled,
ends every session) and the profile (name, language, email change confirmed from the
new address)."""

from __future__ import annotations

import re
import smtplib
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import event, func, select

from accounts.audit import AuditEvent
from accounts.models import ApiToken
from notifications.models import OutboxEmail
from notifications.tasks import deliver_task
from persistence import db
from storefront.recovery_tasks import password_reset_task
from tests.api.factories import bearer
from tests.conftest import PASSWORD, csrf_token, login, mailed_text, post_form
from tests.notifications.test_notifications import FakeSMTP, _fake_smtp
from tests.operations.orders import Published
from tests.security.test_invitations_and_roles import emailed_link

RESET_RE = re.compile(r"https://storefront\.example(/password/reset\?token=[\w-]+)")
EMAIL_RE = re.compile(r"https://storefront\.example(/account/email/confirm\?token=[\w-]+)")
NEW = "a fresh long passphrase"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ask_reset(client, email: str):
    """Ask for a link, then run the queued reset as a worker runs its message."""
    with Published() as queue:
        response = post_form(client, "/password/forgot", {"email": email})
    run_resets(queue)
    return response


def run_resets(queue: Published) -> None:
    for message in queue.messages:
        if message["task"] == "accounts.password_reset":
            password_reset_task.apply(args=message["body"][0], headers=message["headers"])


def emails_to(address: str) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEmail)
                             .where(OutboxEmail.to == address))


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client, world):
    known = ask_reset(client, world.reseller_a_user.email)
    unknown = ask_reset(client, "nobody@test.example")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert emails_to(world.reseller_a_user.email) == 1
    assert emails_to("nobody@test.example") == 0


def forgot(client, email: str) -> tuple[list[str], Published]:
    """The SQL the app's database runs while /password/forgot answers for this address
    (not while its form is fetched), and the task messages the answer queued."""
    token = csrf_token(client, "/password/forgot")
    seen: list[str] = []

    def note(_connection, _cursor, statement, _parameters, _context, _many) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        with Published() as queue:
            answer = client.post("/password/forgot", data={"email": email, "csrf_token": token})
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert answer.status_code == 200
    return seen, queue


def test_a_known_and_an_unknown_address_cost_the_request_the_same_statements(
        app, browser, world, monkeypatch):
    user, mine = world.reseller_a_user, browser()
    forgot(mine, "first@test.example")  # a first request's one-off work (its address bucket)
    known, known_queued = forgot(mine, user.email)
    unknown, unknown_queued = forgot(mine, "nobody@test.example")

    assert known == unknown  # the same statements, as many, in the same order
    assert [m["task"] for m in known_queued.messages] == ["accounts.password_reset"]
    assert [m["task"] for m in unknown_queued.messages] == ["accounts.password_reset"]
    assert emails_to(user.email) == 0  # nothing looked up or written in the request

    # A worker runs both messages; the mail server is handed the known address's link only.
    run_resets(known_queued)
    run_resets(unknown_queued)
    app.config.update(MAIL_SERVER="smtp.test", MAIL_USE_TLS=False, MAIL_USERNAME="")
    monkeypatch.setattr(smtplib, "SMTP", _fake_smtp())  # the network's edge
    assert deliver_task.apply().get() == 1
    [sent] = FakeSMTP.instances[0].messages
    assert sent["To"] == user.email
    link = RESET_RE.search(sent.get_content())[1]
    assert browser().get(link).status_code == 200


def test_a_reset_sets_the_password_and_ends_every_session(client, browser, world):
    user = world.reseller_a_user
    signed_in = browser()
    login(signed_in, user)
    assert signed_in.get("/account").status_code == 200
    ask_reset(client, user.email)
    link = emailed_link(RESET_RE, user.email)
    done = post_form(client, link, {"password": NEW, "confirm": NEW})
    assert done.status_code == 302
    assert signed_in.get("/account").status_code == 302  # signed out on the server
    assert login(browser(), user, PASSWORD).status_code == 422
    assert login(browser(), user, NEW).status_code == 302
    assert "password_reset" in set(db.session.scalars(select(AuditEvent.kind)))


def test_a_reset_revokes_the_users_api_tokens_and_says_so(client, browser, world):
    user = world.reseller_a_user
    headers = bearer(user)
    ask_reset(client, user.email)
    link = emailed_link(RESET_RE, user.email)
    assert "the API tokens you made stop working" in client.get(link).get_data(as_text=True)

    done = post_form(client, link, {"password": NEW, "confirm": NEW})

    assert "its API tokens are revoked" in client.get(
        done.headers["Location"]).get_data(as_text=True)
    assert browser().get("/api/v1/customers", headers=headers).status_code == 401
    assert db.session.scalars(select(ApiToken.revoked_at)).one() is not None


def test_a_reset_link_works_once(client, browser, world):
    user = world.reseller_a_user
    ask_reset(client, user.email)
    link = emailed_link(RESET_RE, user.email)
    post_form(client, link, {"password": NEW, "confirm": NEW})
    again = browser().get(link)
    assert again.status_code == 404
    assert "already used, or expired" in again.get_data(as_text=True)


def test_a_reset_link_expires_after_an_hour(client, browser, world):
    user = world.reseller_a_user
    with time_machine.travel(NOW, tick=False):
        ask_reset(client, user.email)
        link = emailed_link(RESET_RE, user.email)
    with time_machine.travel(NOW + timedelta(minutes=59), tick=False):
        assert browser().get(link).status_code == 200
    with time_machine.travel(NOW + timedelta(hours=1, seconds=1), tick=False):
        assert browser().get(link).status_code == 404


def test_a_newer_reset_link_replaces_the_older(client, browser, world):
    user = world.reseller_a_user
    ask_reset(client, user.email)
    first = emailed_link(RESET_RE, user.email)
    ask_reset(client, user.email)
    assert browser().get(first).status_code == 404


def test_reset_requests_are_throttled(client, world):
    answers = [ask_reset(client, world.reseller_a_user.email).status_code for _ in range(6)]
    assert answers[:5] == [200] * 5 and answers[5] == 429
    assert emails_to(world.reseller_a_user.email) == 5


def test_the_profile_saves_name_and_language(client, world):
    login(client, world.reseller_a_user)
    post_form(client, "/account/details", {"name": "Ada L.", "language": "de"},
              token_url="/account")
    db.session.refresh(world.reseller_a_user)
    assert (world.reseller_a_user.name, world.reseller_a_user.language) == ("Ada L.", "de")
    refused = post_form(client, "/account/details", {"name": "Ada", "language": "xx"},
                        token_url="/account")
    assert refused.status_code == 422 and "Language" in refused.get_data(as_text=True)


def test_an_email_change_counts_once_the_new_address_confirms(client, browser, world):
    user = world.reseller_a_user
    login(client, user)
    wrong = post_form(client, "/account/email", {"email": "new@a.example", "password": "no"},
                      token_url="/account")
    assert wrong.status_code == 422
    post_form(client, "/account/email", {"email": "New@A.example", "password": PASSWORD},
              token_url="/account")
    db.session.refresh(user)
    assert user.email == "a@test.example"  # not yet
    assert emails_to("a@test.example") == 1  # the old address is told
    link = emailed_link(EMAIL_RE, "new@a.example")
    assert browser().get(link).status_code == 302
    db.session.refresh(user)
    assert user.email == "new@a.example"
    assert browser().get(link).status_code == 404  # once
    assert login(browser(), "new@a.example").status_code == 302


def test_an_email_change_to_a_taken_address_tells_the_asker_nothing_and_changes_nothing(
        client, browser, world):
    """Refusing it ("Another account signs in with this address") told anyone signed in
    which addresses have accounts; the holder is told instead."""
    login(client, world.reseller_a_user)
    free = post_form(client, "/account/email", {"email": "free@a.example", "password": PASSWORD},
                     token_url="/account")
    taken = post_form(client, "/account/email",
                      {"email": world.reseller_b_user.email, "password": PASSWORD},
                      token_url="/account")
    assert free.status_code == taken.status_code == 302
    assert "already has an account, and each signs in with its own, so nothing changed" in \
        mailed_text(world.reseller_b_user.email)
    assert "/account/email/confirm" not in mailed_text(world.reseller_b_user.email)
    assert login(browser(), world.reseller_a_user).status_code == 302  # its address kept


def test_the_broker_holds_the_address_typed_sealed_and_drops_a_request_past_the_hour(
        app, client, world):
    """No address typed, known or not, is readable in the broker's messages; a message a
    worker takes up more than a reset link's hour later sends nothing."""
    user = world.reseller_a_user
    with time_machine.travel(NOW, tick=False) as clock:
        with Published() as queue:
            post_form(client, "/password/forgot", {"email": user.email})
        [message] = queue.messages
        assert user.email not in repr(message["body"])
        clock.move_to(NOW + timedelta(hours=1, minutes=1))
        run_resets(queue)
        assert emails_to(user.email) == 0
        with Published() as queue:
            post_form(client, "/password/forgot", {"email": user.email})
        clock.move_to(NOW + timedelta(hours=1, minutes=59))  # queued at 1:01: 58 min
        run_resets(queue)
        assert emails_to(user.email) == 1
