"""Sign-in is throttled per account and per client address with growing locks, shared by
every worker, and a refused attempt costs no password hashing (a probe found 50 wrong
passwords in 12 s followed by a successful sign-in, and 16 parallel wrong sign-ins
slowing /healthz from 4 ms to 2.35 s)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from statistics import median

import pytest
import time_machine

from persistence import db
from storefront import create_app
from storefront.throttling import KEY
from tests.accounts.stores import STORES, make_store
from tests.conftest import PASSWORD, csrf_token, on_database

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WRONG = "not the password"
# About 0.1 s a hash here: hashing shows in a timing, a cheap refusal does not.
HEAVY = "pbkdf2:sha256:400000"


def attempt(client, email: str, password: str = WRONG, **headers):
    """One sign-in POST as a browser sends it, the CSRF token fetched first. Each request
    gets an app context of its own, as in a server: the test's context would share `g`
    (Flask-WTF's token, Flask-Login's user) between the test's several clients."""
    with client.application.app_context():
        token = csrf_token(client)
    with client.application.app_context():
        return client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token}, headers=headers)


def timed(client, email: str, password: str = WRONG) -> tuple[int, float]:
    """An attempt's status and how long its POST took (the CSRF fetch not counted)."""
    with client.application.app_context():
        token = csrf_token(client)
    with client.application.app_context():
        started = time.perf_counter()
        answer = client.post("/login", data={"email": email, "password": password,
                                             "csrf_token": token})
        return answer.status_code, time.perf_counter() - started


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_fifty_wrong_passwords_in_a_row_do_not_lead_to_the_right_one(client, world):
    with time_machine.travel(START, tick=False):
        codes = [attempt(client, "a@test.example").status_code for _ in range(50)]
        assert codes == [422] * 5 + [429] * 45
        right = attempt(client, "a@test.example", PASSWORD)
        assert right.status_code == 429 and right.headers["Retry-After"] == "2"
        assert "Too many sign-in attempts; try again in 2 seconds." in right.get_data(
            as_text=True)
    with time_machine.travel(START + timedelta(seconds=2), tick=False):
        assert attempt(client, "a@test.example", PASSWORD).status_code == 302


def test_each_further_attempt_locks_the_account_twice_as_long_up_to_fifteen_minutes(
        client, world):
    now, waits = START, []
    with time_machine.travel(now, tick=False):
        assert [attempt(client, "a@test.example").status_code for _ in range(4)] == [422] * 4
    for _ in range(11):
        with time_machine.travel(now, tick=False):
            assert attempt(client, "a@test.example").status_code == 422
            refused = attempt(client, "a@test.example")
            assert refused.status_code == 429
            waits.append(int(refused.headers["Retry-After"]))
        now += timedelta(seconds=waits[-1])
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert "try again in 15 minutes" in refused.get_data(as_text=True)


def test_a_locked_unknown_email_is_answered_exactly_like_a_locked_known_one(app, world):
    answers = []
    for email in ("a@test.example", "nobody@test.example"):
        client = app.test_client()
        with time_machine.travel(START, tick=False):
            seen = [attempt(client, email) for _ in range(6)]
        answers.append(([a.status_code for a in seen], seen[-1].headers.get("Retry-After"),
                         "Wrong email or password." in seen[0].get_data(as_text=True),
                         "Too many sign-in attempts; try again in 2 seconds."
                         in seen[-1].get_data(as_text=True)))
    assert answers[0] == answers[1] == ([422] * 5 + [429], "2", True, True)


def test_a_successful_sign_in_starts_the_account_afresh(app, world):
    with time_machine.travel(START, tick=False):
        first = app.test_client()
        assert [attempt(first, "a@test.example").status_code for _ in range(4)] == [422] * 4
        assert attempt(first, "a@test.example", PASSWORD).status_code == 302
        second = app.test_client()
        assert [attempt(second, "a@test.example").status_code for _ in range(4)] == [422] * 4


def test_one_address_trying_many_accounts_is_locked_and_other_addresses_are_not(app, world):
    attacker = client_at(app, "203.0.113.7")
    with time_machine.travel(START, tick=False):
        codes = [attempt(attacker, f"user{n}@test.example").status_code for n in range(25)]
        assert codes == [422] * 20 + [429] * 5
        assert attempt(attacker, "a@test.example", PASSWORD).status_code == 429
        assert attempt(client_at(app, "198.51.100.1"), "a@test.example",
                       PASSWORD).status_code == 302


def test_a_forged_x_forwarded_for_does_not_escape_the_address_limit(app, world):
    """No trusted proxy is configured, so the header is the client's own words."""
    attacker = client_at(app, "203.0.113.7")
    with time_machine.travel(START, tick=False):
        codes = [attempt(attacker, f"user{n}@test.example",
                         **{"X-Forwarded-For": f"10.0.0.{n}"}).status_code for n in range(25)]
    assert codes == [422] * 20 + [429] * 5


def test_successful_sign_ins_from_one_office_address_do_not_add_up(app, world):
    office = client_at(app, "192.0.2.10")
    with time_machine.travel(START, tick=False):
        for _ in range(30):
            assert attempt(office, "b@test.example", PASSWORD).status_code == 302
            office = client_at(app, "192.0.2.10")  # the next colleague, signed out
        assert attempt(office, "d@test.example", PASSWORD).status_code == 302


@pytest.mark.parametrize("backend", STORES)
def test_the_count_is_shared_by_every_worker(app, world, backend):
    """Two app instances on one database (or one Redis), as two gunicorn workers are."""
    other = create_app(on_database(app.config["SQLALCHEMY_DATABASE_URI"]))
    workers = [app, other]
    if backend != "database":
        store = make_store(backend)
        for worker in workers:
            worker.extensions[KEY] = store
    try:
        with time_machine.travel(START, tick=False):
            codes = [attempt(workers[n % 2].test_client(), "a@test.example").status_code
                     for n in range(6)]
    finally:
        with other.app_context():
            db.engine.dispose()
    assert codes == [422] * 5 + [429]


@pytest.fixture
def heavy_hashing(app, world):
    """Hash like production does (a tenth of a second), with reseller A's user hashed so."""
    app.config["PASSWORD_HASH_METHOD"] = HEAVY
    world.reseller_a_user.set_password(PASSWORD)
    db.session.commit()


def test_sixteen_parallel_wrong_passwords_hash_at_most_the_five_free_attempts(
        app, world, heavy_hashing):
    clients = [app.test_client() for _ in range(16)]
    tokens = []
    # Fetched on the attempts' clock: a session cookie signed after START reads as from
    # the future there, and is no session (no CSRF token, 400) once START has passed.
    with time_machine.travel(START, tick=False):
        for client in clients:
            with app.app_context():
                tokens.append(csrf_token(client))
    ready = threading.Barrier(16)

    def send(n: int) -> int:
        ready.wait()
        return clients[n].post("/login", data={"email": "a@test.example", "password": WRONG,
                                               "csrf_token": tokens[n]}).status_code

    with time_machine.travel(START, tick=False), ThreadPoolExecutor(16) as pool:
        codes = sorted(pool.map(send, range(16)))
    assert codes == [422] * 5 + [429] * 11


def test_a_refused_attempt_costs_no_password_hashing(client, world, heavy_hashing):
    with time_machine.travel(START, tick=False):
        hashed = [timed(client, "a@test.example") for _ in range(5)]
        refused = [timed(client, "a@test.example") for _ in range(5)]
    assert {code for code, _ in hashed} == {422} and {code for code, _ in refused} == {429}
    assert median(s for _, s in refused) < median(s for _, s in hashed) / 3
