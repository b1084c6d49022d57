"""The demo's perpetual software is refundable (S6): the demo's sandbox holds each demo
purchase under the order id the storefront recorded, so cancelling Wingtip's Windows
Server licence within its 30 days reaches Partner Center, credits it in full and revokes
its keys, as the page promised."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import time_machine
from sqlalchemy import select

from demo import azure as demo_azure
from demo import billing as demo_billing
from demo import load as demo
from demo import software as demo_software
from persistence import db
from subscriptions.models import Subscription
from tests.conftest import login
from tests.subscriptions.conftest import confirm_cancel

LOADED = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _load_demo(app, pc_sandbox, tmp_path) -> dict:
    """`make run`: the demo loaded, then its sandbox started from the state file."""
    state = tmp_path / "sandbox.json"
    app.config.update(SANDBOX_STATE_FILE=str(state), PARTNER_CENTER_MODE="sandbox")
    demo.load()
    data = json.loads(state.read_text(encoding="utf-8"))
    pc_sandbox.load(data)
    return data


def test_s6_the_demo_software_is_refunded_in_full_within_30_days(
        app, client, pc_sandbox, tmp_path):
    with time_machine.travel(LOADED, tick=False):
        _load_demo(app, pc_sandbox, tmp_path)
        sub = db.session.scalar(select(Subscription).filter_by(
            pc_subscription_id=demo_software.PC_SUBSCRIPTION_ID))
        assert sub.keys  # the recorded key the cancellation must revoke
        login(client, "anna@northwind.example", "demo-reseller-pass")
    with time_machine.travel(datetime(2026, 3, 20, 12, tzinfo=UTC), tick=False):
        page = client.get(f"/subscriptions/{sub.id}/cancel").get_data(as_text=True)
        assert "in full" in page
        done = confirm_cancel(client, sub.id, page)
    assert done.status_code == 302, done.get_data(as_text=True)
    db.session.refresh(sub)
    assert sub.status == "cancelled"
    assert all(key.revoked_at is not None for key in sub.keys)
    cancelled = sub.events[-1]
    assert cancelled.kind == "cancel"  # billing credits the quote it stores (B3)
    line = sub.order_line
    assert Decimal(cancelled.data["amount"]) == line.unit_price * line.quantity > 0
    remote = pc_sandbox.data["subscriptions"][demo_software.PC_SUBSCRIPTION_ID]["wire"]
    assert remote["status"] == "deleted"
    assert pc_sandbox.data["orders"][demo_software.PC_ORDER_ID]["wire"]["status"] == \
        "cancelled"


def test_the_demo_sandbox_holds_each_demo_purchase_under_its_recorded_order(
        app, pc_sandbox, tmp_path):
    with time_machine.travel(LOADED, tick=False):
        data = _load_demo(app, pc_sandbox, tmp_path)
    for pc_subscription_id in (demo_software.PC_SUBSCRIPTION_ID,
                               demo_billing.PC_SUBSCRIPTION_ID, demo_azure.PC_PLAN_ID):
        sub = db.session.scalar(select(Subscription).filter_by(
            pc_subscription_id=pc_subscription_id))
        remote = data["subscriptions"][pc_subscription_id]["wire"]
        assert remote["orderId"] == sub.pc_order_id, sub.title
        order = data["orders"][sub.pc_order_id]
        assert order["subscriptionIds"] == [pc_subscription_id]
        assert order["wire"]["id"] == sub.pc_order_id
