"""Issue 26: /healthz says the process lives; /readyz says whether it can serve, and names
each part that cannot."""

from __future__ import annotations

import socket
import time

from sqlalchemy import text

from connectors.partner_center.errors import ReauthenticationRequired
from operations import health, tokens
from persistence import db
from storefront import create_app
from tests.conftest import on_database


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_with(database_url: str, **settings):
    return create_app(type("Readiness", (on_database(database_url),), settings))


def test_ready_when_every_part_works(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready" and body["failed"] == []
    assert set(body["checks"]) == {"database", "broker", "partner_center", "graph",
                                   "migrations"}
    # The tests' schema comes from create_all: no migration history, every table present.
    assert body["checks"]["migrations"].startswith("ok (schema made without migrations")


def test_an_unreachable_database_is_named(tmp_path):
    app = app_with(f"postgresql+psycopg://storefront:pw@127.0.0.1:{closed_port()}/storefront")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready" and "database" in body["failed"]
    assert body["checks"]["database"] == "failed: OperationalError"
    assert body["checks"]["broker"] == "ok"
    assert "pw" not in response.get_data(as_text=True)  # public: no URL, no password


def test_an_unreachable_broker_is_named(app, tmp_path):
    broken = app_with(app.config["SQLALCHEMY_DATABASE_URI"],
                      CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["broker"]


def test_a_database_behind_the_code_is_named(client):
    db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) "
                            "NOT NULL PRIMARY KEY)"))
    db.session.execute(text("INSERT INTO alembic_version VALUES ('0001_initial')"))
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["migrations"]
    assert "0001_initial" in body["checks"]["migrations"]
    assert "flask db upgrade" in body["checks"]["migrations"]


def test_liveness_does_not_need_the_database():
    app = app_with(f"postgresql+psycopg://storefront:pw@127.0.0.1:{closed_port()}/storefront")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_every_response_carries_a_request_id(client):
    mine = client.get("/healthz", headers={"X-Request-Id": "lb-0001-abcdef"})
    assert mine.headers["X-Request-Id"] == "lb-0001-abcdef"
    # Free text would let a caller write whatever it likes into every log line.
    odd = client.get("/healthz", headers={"X-Request-Id": '"}, {"level": "fake'})
    assert len(odd.headers["X-Request-Id"]) == 32  # a new one instead
    assert client.get("/healthz").headers["X-Request-Id"] != odd.headers["X-Request-Id"]


def refused() -> None:
    raise ReauthenticationRequired("Entra ID refused the app credentials (AADSTS7000215).")


def test_live_tokens_count_as_ready_after_a_recent_success_without_asking_again():
    tokens.record("partner_center", "app", tokens.TokenState(True, tokens.now(),
                                                             tokens.now() + 3600))
    assert health.check_token("partner_center", "live", refused) == "ok"


def test_live_tokens_are_asked_for_when_none_was_had_recently_and_a_refusal_is_named():
    tokens.record("graph", "app", tokens.TokenState(True, tokens.now() - 7200))
    ready, body = health.run({"graph": lambda: health.check_token("graph", "live", refused)})
    assert not ready and body["checks"]["graph"] == "failed: ReauthenticationRequired"


def test_a_token_source_that_does_not_answer_is_not_waited_for():
    tokens.record("graph", "app", tokens.TokenState(False, tokens.now() - 120, problem="x"))
    started = time.perf_counter()
    ready, body = health.run({"graph": lambda: health.check_token(
        "graph", "live", lambda: time.sleep(2), timeout=0.2)})
    assert time.perf_counter() - started < 1.5
    assert not ready and "did not answer within 0.2 s" in body["checks"]["graph"]


def test_a_refused_token_is_the_answer_for_a_minute_instead_of_asking_entra_id_each_probe():
    """Load balancers probe every node every few seconds: each probe asking Entra ID again
    for a refused credential would hammer it (and wait up to 5 s) until someone fixes it."""
    asked = []

    def probe() -> None:
        asked.append(1)
        tokens.record("graph", "app", tokens.TokenState(False, tokens.now(),
                                                        problem="AADSTS7000215 secret"))
        refused()

    tokens.record("graph", "app", tokens.TokenState(True, tokens.now() - 7200))
    for _ in range(3):
        ready, body = health.run({"graph": lambda: health.check_token("graph", "live", probe)})
        assert not ready
    assert len(asked) == 1
    said = body["checks"]["graph"]
    assert said.startswith("failed: the token request 0 s ago failed") and "AADSTS" not in said
    tokens.record("graph", "app", tokens.TokenState(False, tokens.now() - 61))
    health.check_token("graph", "live", lambda: None)  # a minute on, asked again
