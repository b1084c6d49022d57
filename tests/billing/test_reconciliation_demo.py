"""The demo's reconciliation (B6): `flask demo load` writes what the demo bought into the
state file the `make run` sandbox starts from, so that sandbox's Microsoft bills the same,
plus one deliberate mismatch for the admin to find."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from billing.charges import generate_charges
from billing.reconciliation import reconcile
from connectors.partner_center.sandbox import Sandbox
from connectors.partner_center.sandbox import billing as sandbox_billing
from connectors.partner_center.sandbox.bulk import add_existing_customers
from demo import catalog as demo_catalog
from demo.reconciliation import load_into_sandbox, mirror
from subscriptions.services import change_quantity
from tests.billing.conftest import price_in, provisioned

INVOICED = datetime(2021, 7, 8, 12, tzinfo=UTC)


def test_the_demo_sandbox_bills_what_the_demo_charged_but_one_seat(
        tmp_path, shop, clock, pc_sandbox, pc_client, graph_client):
    eur = price_in(shop, "DE", "EUR", erp="13.80")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, eur, 10, pc_client)
    clock.move_to(datetime(2021, 6, 19, 10, tzinfo=UTC))
    change_quantity(sub, 8, shop.reseller_a_user, pc_client)
    clock.move_to(INVOICED)
    generate_charges("2021-06", INVOICED.date())
    state = tmp_path / "sandbox-state.json"
    earlier = Sandbox()  # a sandbox that ran before, holding customers we never sold to
    add_existing_customers(earlier)
    earlier.save_to(state)
    assert mirror(state) == 2  # the purchase, and the planted mismatch
    assert mirror(state) == 0  # nothing twice
    # `make run`'s sandbox starts from that file.
    pc_sandbox.load(json.loads(state.read_text()))
    done = reconcile("2021-06", invoices=pc_client, exports=graph_client)
    ours = [i for i in done.items if i.pc_subscription_id == sub.pc_subscription_id]
    (item,) = ours  # the mismatch is planted on what the demo sold
    assert (item.kind, item.charge_type, item.quantity_ours, item.quantity_microsoft) == (
        "different", "new", 10, 11)
    assert {i.kind for i in done.items if i not in ours} <= {"unmatched_microsoft"}
    assert done.matched == 1  # the seat reduction's pair matches


def test_tests_never_write_the_demo_sandboxs_state(app):
    assert app.config["SANDBOX_STATE_FILE"] == "" and load_into_sandbox() == 0


def test_the_sandboxs_partner_prices_are_the_demo_price_lists_costs():
    assert sandbox_billing.MARKETS == demo_catalog.MARKETS
    assert sandbox_billing.PARTNER_SHARE == demo_catalog.COST_SHARE
