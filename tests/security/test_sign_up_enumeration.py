"""Sign-up does not tell whether an email has an account (a probe read "An account with this
email exists. Sign in instead."): every sign-up answers "check your email", the address
gets a confirmation link or, if it has an account, a note, and only the emailed link with
the password chosen at sign-up creates the account."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from accounts.models import User
from notifications.models import OutboxEmail
from persistence import db
from tests.conftest import confirm_link, csrf_token, post_form
from tests.security.test_sign_in_throttle import HEAVY
from tests.test_auth import SIGNUP

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TAKEN = "d@test.example"  # the world's direct customer user
NEW = SIGNUP["user_email"]


def users_with(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


def mail_to(email: str) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == email)))


def test_a_taken_and_a_new_email_get_the_same_answer(client, world):
    taken = post_form(client, "/signup", {**SIGNUP, "user_email": TAKEN})
    new = post_form(client, "/signup", SIGNUP)
    assert taken.status_code == new.status_code == 302
    assert taken.headers["Location"] == new.headers["Location"] == "/signup/sent"
    assert "Check your email" in client.get("/signup/sent").get_data(as_text=True)
    assert users_with(NEW) == 0  # nothing exists before the link is used


def test_a_taken_email_is_told_someone_tried_and_gets_no_link(client, world):
    post_form(client, "/signup", {**SIGNUP, "user_email": TAKEN.upper()})
    [note] = mail_to(TAKEN)
    assert note.subject == "Someone tried to sign up with your address"
    assert "/login" in note.body and "/signup/confirm" not in note.body
    assert users_with(TAKEN) == 1


def test_the_link_with_the_chosen_password_creates_the_account_and_signs_in(client, world):
    post_form(client, "/signup", SIGNUP)
    [mail] = mail_to(NEW)
    assert mail.subject == "Confirm your company account"
    link = confirm_link(NEW)
    wrong = post_form(client, link, {"password": "not the one I chose"})
    assert wrong.status_code == 422 and users_with(NEW) == 0
    assert "not the password you chose" in wrong.get_data(as_text=True)
    right = post_form(client, link, {"password": SIGNUP["password"]})
    assert right.status_code == 302 and users_with(NEW) == 1
    assert "Self Serve Ltd" in client.get("/company").get_data(as_text=True)


def test_the_link_works_once(app, client, world):
    post_form(client, "/signup", SIGNUP)
    link = confirm_link(NEW)
    assert post_form(client, link, {"password": SIGNUP["password"]}).status_code == 302
    stranger = app.test_client()
    with app.app_context():
        assert stranger.get(link).status_code == 404


def test_the_link_expires_after_24_hours(client, world):
    with time_machine.travel(START, tick=False):
        post_form(client, "/signup", SIGNUP)
        link = confirm_link(NEW)
        assert client.get(link).status_code == 200
    with time_machine.travel(START + timedelta(hours=24), tick=False):
        answer = client.get(link)
    assert answer.status_code == 404 and "more than 24 hours old" in answer.get_data(
        as_text=True)


def test_a_link_for_an_address_taken_meanwhile_creates_nothing(app, client, world):
    post_form(client, "/signup", SIGNUP)
    first = confirm_link(NEW)
    post_form(client, "/signup", {**SIGNUP, "company_name": "Second Try Ltd"})
    second = confirm_link(NEW)
    assert first != second
    assert post_form(client, first, {"password": SIGNUP["password"]}).status_code == 302
    other = app.test_client()
    with app.app_context():
        late = post_form(other, second, {"password": SIGNUP["password"]})
    assert late.status_code == 302 and late.headers["Location"] == "/login"
    assert users_with(NEW) == 1


def test_sign_ups_from_one_address_are_limited(app, client, world):
    app.config["SIGN_UP_LIMIT"] = 2
    with time_machine.travel(START, tick=False):
        answers = [post_form(client, "/signup", {**SIGNUP, "user_email": f"u{n}@x.example"})
                   for n in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert answers[2].headers["Retry-After"] == "3600"
    assert "Too many sign-ups from your address; try again in 60 minutes." in answers[
        2].get_data(as_text=True)
    assert len(mail_to("u2@x.example")) == 0


def test_a_taken_email_takes_as_long_to_answer_as_a_new_one(app, world):
    """Both paths hash the password: the note to a taken address is not sent sooner."""
    app.config["PASSWORD_HASH_METHOD"] = HEAVY
    app.config["SIGN_UPS_PER_ADDRESS_PER_DAY"] = 10  # the taken address is tried 4 times

    def timed(email: str) -> float:
        client = app.test_client()  # a stranger each time, signed in to nothing
        with app.app_context():
            token = csrf_token(client, "/signup")
        with app.app_context():
            started = time.perf_counter()
            answer = client.post("/signup", data={**SIGNUP, "user_email": email,
                                                  "csrf_token": token})
            assert answer.status_code == 302
            return time.perf_counter() - started

    new = [timed(f"new{n}@x.example") for n in range(4)]
    taken = [timed(TAKEN) for _ in range(4)]
    assert min(taken) > 0.6 * min(new)


def test_sign_ups_to_one_mailbox_are_limited_from_every_client_alike(app, browser, world):
    """The per-client limit alone let many clients mail one person at will; +tags reach
    the same mailbox. Whether the address has an account, the answer is the same."""
    app.config["SIGN_UPS_PER_ADDRESS_PER_DAY"] = 2
    local, _, domain = NEW.partition("@")
    tries = {NEW: [NEW, f"{local}+a@{domain}", f"{local}+b@{domain}"], TAKEN: [TAKEN] * 3}
    refused = []
    with time_machine.travel(START, tick=False):
        for addresses in tries.values():
            answers = []
            for n, email in enumerate(addresses):
                client = browser()
                client.environ_base["REMOTE_ADDR"] = f"10.0.{len(refused)}.{n}"
                answers.append(post_form(client, "/signup", {**SIGNUP, "user_email": email}))
            assert [a.status_code for a in answers] == [302, 302, 429]
            refused.append(answers[2])
    for third in refused:
        assert third.headers["Retry-After"] == str(24 * 3600)
        assert "Too many sign-up emails to this address; try again in 24 hours." in \
            third.get_data(as_text=True)
    assert len(mail_to(f"{local}+b@{domain}")) == 0 and len(mail_to(TAKEN)) == 2
