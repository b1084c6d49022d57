"""Provisioning a software order mirrors its entitlements from Partner Center, and invents no
key: keys are recorded by admins against the entitlement (S7)."""

from __future__ import annotations

from sqlalchemy import select

from persistence import db
from provisioning.jobs import run_job
from subscriptions.models import Entitlement, Subscription
from tests.provisioning.factories import make_order

WINDOWS_SERVER = ("DG7GMGF0DWMS", "0006", "Windows Server 2022 Standard - 16 Core License Pack",
                  "perpetual_software")


def test_s7_a_provisioned_perpetual_licence_gets_its_entitlement_and_no_invented_key(
        pc_app, pc_client):
    order = make_order(lines=((WINDOWS_SERVER, 2),))
    order.lines[0].billing_cycle, order.lines[0].term_duration = "one_time", ""
    db.session.commit()
    run_job(order.id, pc_client)
    assert order.status == "provisioned", order.status_reason
    sub = db.session.scalar(select(Subscription).filter_by(order_line_id=order.lines[0].id))
    assert sub.keys == []
    top = db.session.scalar(select(Entitlement).filter_by(parent_id=None))
    assert (top.subscription_id, top.pc_product_id, top.quantity, top.pc_order_id) == (
        sub.id, "DG7GMGF0DWMS", 2, order.lines[0].pc_order_id)
    assert top.customer_id == order.customer_id and top.expires_at is None  # perpetual


def test_an_order_is_provisioned_even_when_its_entitlements_cannot_be_read(
        pc_app, pc_client, pc_sandbox):
    # e.g. no App+User consent yet: Partner Center refuses the app-only fallback
    pc_sandbox.add_fault("error", endpoint="GET */entitlements", status=403, code="900329",
                         count=None)
    order = make_order(lines=((WINDOWS_SERVER, 1),))
    order.lines[0].billing_cycle, order.lines[0].term_duration = "one_time", ""
    db.session.commit()
    run_job(order.id, pc_client)
    assert order.status == "provisioned", order.status_reason
    assert db.session.scalar(select(Entitlement)) is None  # the next sync reads them
