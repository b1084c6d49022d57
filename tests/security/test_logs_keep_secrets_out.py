"""Issue 26: the logs of a whole order (placed in the browser, provisioned by the worker)
carry one request id end to end and the Partner Center request ids, and none of the
secrets configured appears in any line."""

from __future__ import annotations

import io
import json
import logging
import shutil

import pytest
from celery import signals
from cryptography.fernet import Fernet

from connectors.graph.app_client import KEY as GRAPH_KEY
from connectors.graph.app_client import SIGN_IN_KEY
from connectors.partner_center.app_client import KEY
from orders import cart as carts
from orders.models import Order
from persistence import db
from provisioning.tasks import provision_order_task
from storefront import create_app
from tests.checkout.conftest import ready_customer
from tests.conftest import csrf_token, login, on_database

SECRETS = {
    "PARTNER_CENTER_CLIENT_SECRET": "fake-pc-client-secret-5d1e",
    "PARTNER_CENTER_REFRESH_TOKEN": "fake-pc-refresh-token-0b7c",
    "GRAPH_CLIENT_SECRET": "fake-graph-client-secret-91aa",
    "MCA_LEDGER_KEY": "fake-mca-ledger-key-that-is-long-enough-3c2f",
    "PRODUCT_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "SECRET_KEY": "fake-flask-secret-key-77e0",
    "MAIL_PASSWORD": "fake-smtp-password-4410",
    "METRICS_TOKEN": "fake-metrics-token-c0de",
}
CLICK = "click-0123456789abcdef"  # the request id a proxy in front would send


@pytest.fixture
def log_format() -> str:
    return "json"


@pytest.fixture
def app(tmp_path, empty_schema, pc_client, graph_client, sign_in_proof, log_format):
    """The usual test app, with recognisable fake secrets, logging everything."""
    database = tmp_path / "test.sqlite"
    shutil.copyfile(empty_schema, database)
    settings = type("WithFakeSecrets", (on_database(f"sqlite:///{database}"),),
                    {**SECRETS, "LOG_FORMAT": log_format, "LOG_LEVEL": "DEBUG"})
    app = create_app(settings)
    app.extensions[KEY] = pc_client
    app.extensions[GRAPH_KEY] = graph_client
    app.extensions[SIGN_IN_KEY] = sign_in_proof
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def log_lines():
    """What the app's own log handler writes, as text."""
    [handler] = [h for h in logging.getLogger().handlers if getattr(h, "csp_storefront", 0)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.fixture
def published():
    """The task messages as the broker receives them (headers and body)."""
    messages: list[dict] = []

    def keep(sender=None, body=None, headers=None, **_):
        messages.append({"task": sender, "body": body, "headers": dict(headers or {})})

    signals.before_task_publish.connect(keep, weak=False)
    yield messages
    signals.before_task_publish.disconnect(keep)


def place_order(client, world) -> tuple[Order, str]:
    customer = ready_customer(world)
    carts.add_line(carts.cart_for(world.reseller_a_user, customer), world.price.id, 2)
    login(client, world.reseller_a_user)
    token = csrf_token(client, f"/cart?customer={customer.id}")
    response = client.post(f"/cart/{customer.id}/place",
                           data={"idempotency_key": "k-logs", "csrf_token": token},
                           headers={"X-Request-Id": CLICK})
    assert response.status_code == 302, response.get_data(as_text=True)
    order = db.session.scalar(db.select(Order).filter_by(customer_id=customer.id))
    return order, response.headers["X-Request-Id"]


def test_one_order_is_followed_by_its_request_id_from_the_click_to_microsoft(
        client, world, log_lines, published):
    order, echoed = place_order(client, world)
    assert echoed == CLICK
    [message] = [m for m in published if m["task"] == "provisioning.provision_order"]
    assert message["headers"]["request_id"] == CLICK
    # What a worker does with the message: run the task with the message's headers.
    provision_order_task.apply(args=message["body"][0], headers=message["headers"])
    db.session.refresh(order)
    assert order.status == "provisioned", order.status_reason

    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    of_order = [line for line in lines if line.get("order_id") == order.id]
    assert {line["request_id"] for line in of_order} == {CLICK}
    messages = " | ".join(line["message"] for line in of_order)
    assert "queued task provisioning.provision_order" in messages
    assert "task provisioning.provision_order started" in messages
    calls = [line for line in of_order if line.get("upstream") == "partner_center"]
    assert calls, "the worker's Partner Center calls are logged with the order"
    assert all(line["ms_request_id"] and line["ms_correlation_id"] and line["operation"]
               and line["status"] and "latency_ms" in line for line in calls)
    assert any(line["operation"].startswith("POST /v1/customers/{id}/carts") for line in calls)
    placed = [line for line in lines if line.get("path") == f"/cart/{order.customer_id}/place"]
    assert placed and placed[0]["request_id"] == CLICK
    assert placed[0]["user_id"] == world.reseller_a_user.id
    assert placed[0]["reseller_id"] == world.reseller_a.id


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_no_secret_appears_in_any_log_line_of_a_whole_order(client, world, log_lines,
                                                            published):
    order, _ = place_order(client, world)
    [message] = [m for m in published if m["task"] == "provisioning.provision_order"]
    provision_order_task.apply(args=message["body"][0], headers=message["headers"])
    # Secrets that reach a log by accident: an exception text and an Authorization header.
    logging.getLogger("storefront.test").error(
        "upstream said no: Authorization: Bearer eyJhbGciOi.fake.token client_secret=%s",
        SECRETS["PARTNER_CENTER_CLIENT_SECRET"])
    try:
        raise RuntimeError(f"cannot open the ledger with {SECRETS['MCA_LEDGER_KEY']}")
    except RuntimeError:
        logging.getLogger("storefront.test").exception("while sealing order %s", order.id)
    text = log_lines.getvalue()
    assert text.count("\n") > 20, "the order wrote its log lines"
    for name, value in SECRETS.items():
        assert value not in text, f"{name} leaked into the logs"
    assert "eyJhbGciOi.fake.token" not in text
    assert "[scrubbed]" in text
