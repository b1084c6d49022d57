"""Perpetual software gets its product key when provisioning mirrors it (S6, S7)."""

from __future__ import annotations

from sqlalchemy import select

from persistence import db
from provisioning.jobs import run_job
from subscriptions.models import Subscription
from tests.provisioning.factories import make_order

WINDOWS_SERVER = ("DG7GMGF0DWMS", "0006", "Windows Server 2022 Standard - 16 Core License Pack",
                  "perpetual_software")


def test_a_provisioned_perpetual_licence_has_a_key_and_download_link(pc_app, pc_client):
    order = make_order(lines=((WINDOWS_SERVER, 2),))
    order.lines[0].billing_cycle, order.lines[0].term_duration = "one_time", ""
    db.session.commit()
    run_job(order.id, pc_client)
    assert order.status == "provisioned", order.status_reason
    sub = db.session.scalar(select(Subscription).filter_by(order_line_id=order.lines[0].id))
    [key] = sub.live_keys
    assert len(key.product_key) == 29 and key.download_url.endswith(".iso")
