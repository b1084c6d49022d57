"""Sync: changes made directly in Partner Center (the sandbox) appear in the local mirror."""

from __future__ import annotations

from datetime import timedelta

from connectors.partner_center import wire
from persistence import db
from subscriptions import services
from subscriptions.models import Entitlement, Subscription
from subscriptions.sync import sync_all
from tests.subscriptions.conftest import WINDOWS_SERVER


def test_sync_reflects_quantity_status_and_autorenew_changed_in_partner_center(
        buy, pc_client, pc_sandbox):
    sub = buy(quantity=2)
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"] |= {
        "quantity": 7, "autoRenewEnabled": False, "status": "suspended"}
    report = sync_all(pc_client)
    db.session.expire_all()
    sub = db.session.get(Subscription, sub.id)
    assert (sub.quantity, sub.autorenew, sub.status) == (7, False, "suspended")
    assert (report.seen, report.changed, report.failed) == (1, 1, 0)
    assert sub.events[-1].kind == "synced" and "quantity 2 → 7" in sub.events[-1].note
    assert sub.synced_at is not None


def test_sync_shows_a_subscription_cancelled_elsewhere_as_cancelled(buy, pc_client, pc_sandbox):
    sub = buy()
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["status"] = "deleted"
    sync_all(pc_client)
    assert db.session.get(Subscription, sub.id).status == "cancelled"


def test_sync_without_changes_writes_no_history(buy, pc_client):
    sub = buy()
    assert sync_all(pc_client).changed == 0
    assert sub.events == []


def test_s7_sync_mirrors_software_entitlements_and_never_invents_a_key(buy, pc_client):
    sub = buy(WINDOWS_SERVER, "", "one_time", quantity=1, family="perpetual_software")
    sync_all(pc_client)
    sync_all(pc_client)
    rows = db.session.query(Entitlement).order_by(Entitlement.id).all()
    assert [(e.pc_product_id, e.subscription_id, e.parent_id is None) for e in rows] == [
        (WINDOWS_SERVER[0], sub.id, True), ("DG7GMGF0DWM2", sub.id, False)]  # included
    assert sub.keys == []  # keys come from an admin, copied from Partner Center


def test_flask_subscriptions_sync_command_refreshes_the_mirror(app, buy, pc_sandbox):
    sub = buy(quantity=2)
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["quantity"] = 4
    result = app.test_cli_runner().invoke(args=["subscriptions", "sync"])
    assert result.exit_code == 0, result.output
    assert "1 subscriptions seen, 1 changed" in result.output
    db.session.expire_all()
    assert db.session.get(Subscription, sub.id).quantity == 4


def test_sync_of_a_renewal_restarts_the_s3_window_at_the_new_term(buy, pc_client, pc_sandbox,
                                                                  world):
    sub = buy()
    remote = pc_client.get_subscription(sub.tenant_id, sub.pc_subscription_id)
    # commitmentEndDate is the term's last day: the next term starts at midnight after it.
    old_end, last_day = remote.term_end, remote.commitment_end
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["commitmentEndDate"] = \
        wire.iso(last_day + timedelta(days=31))
    sync_all(pc_client)
    assert services.facts(sub).term_start == old_end
    assert "renewed" in sub.events[-1].note
    world.reseller_a_user.admin_agent = True
    services.check_cancel(sub, world.reseller_a_user, old_end + timedelta(hours=2))  # no refusal


TRANSITIONS = "GET /v1/customers/*/subscriptions/*/transitions"


def _upgrade_in_partner_center(pc_client, sub: Subscription, seats: int) -> None:
    (offer,) = pc_client.get_transition_eligibilities(sub.tenant_id, sub.pc_subscription_id)
    pc_client.create_transition(sub.tenant_id, sub.pc_subscription_id, offer.catalog_item_id,
                                seats)


def _seen(sub: Subscription) -> tuple:
    db.session.expire_all()
    sub = db.session.get(Subscription, sub.id)
    return sub.quantity, [(e.kind, (e.data or {}).get("before"), (e.data or {}).get("after"))
                          for e in sub.events if e.kind != "synced"]


def test_r4_a_decrease_whose_transitions_partner_center_did_not_answer_waits_for_the_next_pass(
        buy, pc_client, pc_sandbox):
    # Judged without them, seats upgraded away would be billed as removed (or KEPT): the
    # row is left as it was, and the next pass writes the upgrade, once.
    sub = buy(quantity=5)
    sync_all(pc_client)
    _upgrade_in_partner_center(pc_client, sub, 2)
    fault = pc_sandbox.add_fault(endpoint=TRANSITIONS, status=503, count=None)
    report = sync_all(pc_client)
    assert (report.changed, report.failed) == (0, 0)
    assert _seen(sub) == (5, [])
    pc_sandbox.faults.clear()
    assert fault.fired >= 1
    sync_all(pc_client)
    sync_all(pc_client)
    assert _seen(sub) == (3, [("upgrade", 5, 3)])


def test_r4_transitions_are_read_only_when_a_subscriptions_seats_changed(
        buy, pc_client, pc_sandbox):
    sub = buy(quantity=5)
    fault = pc_sandbox.add_fault(endpoint=TRANSITIONS, status=503, count=None)
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["autoRenewEnabled"] = False
    sync_all(pc_client)
    assert fault.fired == 0 and _seen(sub)[0] == 5


def test_r4_seats_added_and_upgraded_between_two_passes_are_read_as_both(buy, pc_client):
    # 4 added in Partner Center, then 2 upgraded: a net increase of 2. Read as seats added
    # only, the 2 upgraded stayed billed here as well as where they moved. The transitions
    # (read for any change of count, one GET) tell the upgrade; the rest is added (chained
    # after the upgrade: Partner Center dates the conversion, the sandbox's addition not).
    sub = buy(quantity=5)
    sync_all(pc_client)
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=9)
    _upgrade_in_partner_center(pc_client, sub, 2)
    sync_all(pc_client)
    sync_all(pc_client)  # seen once
    assert _seen(sub) == (7, [("upgrade", 5, 3), ("quantity", 3, 7)])
