"""K9: a lite reseller's new tenant is created the way Microsoft documents ("Create a
customer for an indirect reseller"): App+User credentials and the reseller's tenant id."""

from __future__ import annotations

import json

from connectors.partner_center.sandbox import seed
from orders.models import Order
from persistence import db
from provisioning.jobs import run_job
from tests.provisioning.factories import make_order


def customer_creations(pc_responses) -> list:
    return [c.request for c in pc_responses.calls
            if c.request.method == "POST" and c.request.url.endswith("/v1/customers")]


def test_a_resellers_new_tenant_is_created_with_app_user_and_the_resellers_tenant_id(
        pc_app, pc_client, pc_responses):
    order = make_order()
    run_job(order.id, pc_client)

    (request,) = customer_creations(pc_responses)
    assert request.headers["Authorization"].startswith("Bearer sandbox-user:")
    assert json.loads(request.body)["associatedPartnerId"] == seed.RESELLER_TENANT_ID
    order = db.session.get(Order, order.id)
    assert order.status == "provisioned"
    assert order.customer.tenant_verified_by == "created"  # K11: ours by construction


def test_a_reseller_without_a_tenant_id_on_record_stops_the_order_for_attention(
        pc_app, pc_client, pc_responses):
    order = make_order()
    order.reseller.tenant_id = ""
    db.session.commit()
    run_job(order.id, pc_client)

    assert customer_creations(pc_responses) == []
    order = db.session.get(Order, order.id)
    assert order.status == "needs_attention"
    assert "tenant id" in order.events[-1].note


def test_a_direct_customers_tenant_is_created_with_app_only_credentials(
        pc_app, pc_client, pc_responses, world):
    order = make_order(world.direct_user, world.direct, mca=False)
    run_job(order.id, pc_client)

    requests = customer_creations(pc_responses)
    assert requests and requests[0].headers["Authorization"].startswith("Bearer sandbox-app:")
    assert "associatedPartnerId" not in json.loads(requests[0].body)
