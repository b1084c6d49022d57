"""Issue 26: /healthz says the process lives; /readyz says whether it can serve, and names
each part that cannot. Only this node's own parts (its database, its migrations) take it
out of rotation: an outage of what every node shares (the broker, Partner Center's and
Graph's tokens) is named as "degraded" with 200, or the load balancer would pull every node
at once while browsing, carts and checkout still work."""

from __future__ import annotations

import json
import socket
import time

import responses
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
    assert body["status"] == "ready" and body["failed"] == [] and body["degraded"] == []
    assert set(body["checks"]) == {"database", "broker", "partner_center", "graph",
                                   "migrations"}
    # The tests' schema comes from create_all: no migration history, every table present.
    assert body["checks"]["migrations"].startswith("ok (schema made without migrations")


def test_an_unreachable_database_takes_the_node_out_of_rotation(tmp_path):
    app = app_with(f"postgresql+psycopg://storefront:pw@127.0.0.1:{closed_port()}/storefront")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready" and "database" in body["failed"]
    assert body["degraded"] == []
    assert body["checks"]["database"] == "failed: OperationalError"
    assert body["checks"]["broker"] == "ok"
    assert "pw" not in response.get_data(as_text=True)  # public: no URL, no password


def test_an_unreachable_broker_leaves_the_node_in_rotation_and_is_named_as_degraded(app):
    """Every node shares the broker: orders wait as job rows (the reconciler re-queues
    them), so pulling every node for it would only stop the browsing and checkout that
    still work."""
    broken = app_with(app.config["SQLALCHEMY_DATABASE_URI"],
                      CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded" and body["degraded"] == ["broker"]
    assert body["failed"] == []
    assert body["checks"]["broker"].startswith("failed: ")
    assert body["checks"]["database"] == "ok"


def test_a_node_whose_database_is_down_is_out_of_rotation_whatever_else_is_down():
    app = app_with(f"postgresql+psycopg://storefront:pw@127.0.0.1:{closed_port()}/storefront",
                   CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["failed"] == ["database", "migrations"] and body["degraded"] == ["broker"]


AUTHORITY = "https://login.microsoftonline.com/partner-tenant"
DISCOVERY = {"token_endpoint": f"{AUTHORITY}/oauth2/v2.0/token",
             "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize",
             "issuer": f"{AUTHORITY}/v2.0"}


def test_a_live_credential_entra_id_refuses_leaves_the_node_in_rotation(app):
    """Entra ID answers every node the same: a refused secret is the operator's to fix
    (named here, on /metrics and /admin/system), not a reason to stop serving the shop."""
    live = app_with(app.config["SQLALCHEMY_DATABASE_URI"], GRAPH_MODE="live",
                    GRAPH_TENANT_ID="partner-tenant", GRAPH_CLIENT_ID="app",
                    GRAPH_CLIENT_SECRET="s3cret-value")
    tokens.record("graph", "app", tokens.TokenState(True, tokens.now() - 7200))
    with responses.RequestsMock() as entra:
        entra.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration", json=DISCOVERY)
        entra.post(f"{AUTHORITY}/oauth2/v2.0/token", status=401, body=json.dumps(
            {"error": "invalid_client", "error_codes": [7000215],
             "error_description": "AADSTS7000215: Invalid client secret provided."}))
        response = live.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded" and body["degraded"] == ["graph"]
    assert body["checks"]["graph"] == "failed: ReauthenticationRequired"
    assert "s3cret" not in response.get_data(as_text=True)


def test_a_database_behind_the_code_takes_the_node_out_of_rotation(client):
    db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) "
                            "NOT NULL PRIMARY KEY)"))
    db.session.execute(text("INSERT INTO alembic_version VALUES ('0001_initial')"))
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["failed"] == ["migrations"] and body["degraded"] == []
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
    assert ready and body["degraded"] == ["graph"]  # shared by every node: not ours alone
    assert body["checks"]["graph"] == "failed: ReauthenticationRequired"


def test_a_token_source_that_does_not_answer_is_not_waited_for():
    tokens.record("graph", "app", tokens.TokenState(False, tokens.now() - 120, problem="x"))
    started = time.perf_counter()
    ready, body = health.run({"graph": lambda: health.check_token(
        "graph", "live", lambda: time.sleep(2), timeout=0.2)})
    assert time.perf_counter() - started < 1.5
    assert ready and body["degraded"] == ["graph"]
    assert "did not answer within 0.2 s" in body["checks"]["graph"]


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
        assert ready and body["degraded"] == ["graph"]
    assert len(asked) == 1
    said = body["checks"]["graph"]
    assert said.startswith("failed: the token request 0 s ago failed") and "AADSTS" not in said
    tokens.record("graph", "app", tokens.TokenState(False, tokens.now() - 61))
    health.check_token("graph", "live", lambda: None)  # a minute on, asked again
