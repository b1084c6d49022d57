"""The sandbox sells like Partner Center: carts, checkout, orders and subscriptions."""

from __future__ import annotations

import copy
import threading
import time
from datetime import timedelta

import pytest
import requests
import time_machine

from connectors.partner_center import (
    CartLineRequest,
    Conflict,
    InvalidRequest,
    NotFound,
)
from connectors.partner_center.client import LIVE_BASE_URL
from tests.connectors.commerce import (
    DYNAMICS,
    E1_LEGACY,
    NONPROFIT,
    REDHAT,
    START,
    active_subscription,
    buy,
)


def test_a_cart_gets_order_groups_and_expires_after_seven_days(pc_client, make_customer, line):
    with time_machine.travel(START, tick=False):
        customer = make_customer()
        cart = pc_client.create_cart(customer.id, [line(), line(term="P1Y", cycle="annual")])
    assert cart.status == "Active"
    assert cart.expires - cart.created == timedelta(days=7)
    assert [ln.order_group for ln in cart.lines] == ["0", "1"]
    assert all(ln.error is None for ln in cart.lines)


def test_a_cart_reports_problems_per_line(pc_client, make_customer, line):
    customer = make_customer()
    good = line()
    too_many = CartLineRequest(good.catalog_item_id, 301, "P1M", "monthly")
    unknown = CartLineRequest("CFQ7TTC0XXXX:0001:CFQ7TTC0K5DJ", 1, "P1M", "monthly")
    cart = pc_client.create_cart(customer.id, [good, too_many, unknown])
    assert [ln.error.code if ln.error else None for ln in cart.lines] == [None, "10010", "10001"]


def test_checkout_is_partial_success_with_order_errors_for_failed_groups(
        pc_client, make_customer, line):
    customer = make_customer()
    bad_annual = CartLineRequest(line().catalog_item_id, 0, "P1Y", "annual")
    result = buy(pc_client, customer.id, line(quantity=2), bad_annual)
    assert len(result.orders) == 1 and result.orders[0].status == "pending"
    assert [(e.order_group_id, e.code) for e in result.order_errors] == [("1", "10010")]


def test_refuses_a_purchase_without_the_microsoft_customer_agreement(
        pc_client, make_customer, line):
    customer = make_customer("nomca", mca=False)
    cart = pc_client.create_cart(customer.id, [line()])
    with pytest.raises(InvalidRequest) as caught:
        pc_client.checkout_cart(customer.id, cart.id)
    assert (caught.value.http_status, caught.value.code) == (403, "13605")


def test_refuses_a_third_business_subscription_for_one_customer(pc_client, make_customer, line):
    customer = make_customer()
    buy(pc_client, customer.id, line())
    buy(pc_client, customer.id, line(term="P1Y", cycle="annual"))
    cart = pc_client.create_cart(customer.id, [line()])
    with pytest.raises(InvalidRequest) as caught:
        pc_client.checkout_cart(customer.id, cart.id)
    assert caught.value.code == "800066"


def test_refuses_seats_beyond_the_pooled_three_hundred_seat_cap(pc_client, make_customer, line):
    customer = make_customer()
    buy(pc_client, customer.id, line(quantity=250))
    cart = pc_client.create_cart(customer.id, [line(quantity=51, term="P1Y", cycle="annual")])
    with pytest.raises(InvalidRequest, match="Only 50 seats remain") as caught:
        pc_client.checkout_cart(customer.id, cart.id)
    assert caught.value.code == "800088"


def test_a_dynamics_plan_can_be_bought_again_as_a_new_subscription(
        pc_client, make_customer, line):
    customer = make_customer()
    buy(pc_client, customer.id, line(DYNAMICS))
    buy(pc_client, customer.id, line(DYNAMICS))
    assert len(pc_client.list_subscriptions(customer.id)) == 2


def test_refuses_a_discontinued_plan(pc_client, make_customer, line):
    customer = make_customer()
    cart = pc_client.create_cart(customer.id, [line(E1_LEGACY)])
    with pytest.raises(InvalidRequest) as caught:
        pc_client.checkout_cart(customer.id, cart.id)
    assert (caught.value.http_status, caught.value.code) == (403, "2091")


def test_a_sku_withdrawn_in_one_country_is_not_purchasable_only_there(pc_client, pc_sandbox):
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001", country="US")
    [us] = pc_client.list_availabilities("CFQ7TTC0LDPB", "0001", "US")
    [gb] = pc_client.list_availabilities("CFQ7TTC0LDPB", "0001", "GB")
    assert (us.is_purchasable, gb.is_purchasable) == (False, True)
    pc_sandbox.relist_availability("CFQ7TTC0LDPB", "0001", country="US")
    [us] = pc_client.list_availabilities("CFQ7TTC0LDPB", "0001", "US")
    assert us.is_purchasable


def purchasable(pc_client, *countries: str) -> tuple[bool, ...]:
    """Business Basic's isPurchasable in each country, as Partner Center answers per market."""
    return tuple(pc_client.list_availabilities("CFQ7TTC0LDPB", "0001", c)[0].is_purchasable
                 for c in countries)


def test_a_sku_withdrawn_everywhere_and_relisted_in_one_country_sells_only_there(
        pc_client, pc_sandbox):
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001")  # everywhere
    pc_sandbox.relist_availability("CFQ7TTC0LDPB", "0001", country="GB")
    assert purchasable(pc_client, "GB", "US", "DE") == (True, False, False)
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001", country="GB")  # GB again
    assert purchasable(pc_client, "GB", "US") == (False, False)
    pc_sandbox.relist_availability("CFQ7TTC0LDPB", "0001", country="US")
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001")  # everywhere again: US too
    assert purchasable(pc_client, "GB", "US") == (False, False)
    pc_sandbox.relist_availability("CFQ7TTC0LDPB", "0001")  # everywhere: no exception left
    assert purchasable(pc_client, "GB", "US", "DE") == (True, True, True)


def test_refuses_a_checkout_of_a_sku_withdrawn_in_the_customers_country(
        pc_client, pc_sandbox, make_customer, line):
    customer = make_customer()  # a US customer
    cart = pc_client.create_cart(customer.id, [line()])
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001", country="US")
    with pytest.raises(InvalidRequest) as caught:
        pc_client.checkout_cart(customer.id, cart.id)
    assert (caught.value.http_status, caught.value.code) == (403, "2091")


def test_refuses_a_checkout_whose_availability_id_rotated(
        pc_client, pc_sandbox, make_customer, line):
    customer = make_customer()
    cart = pc_client.create_cart(customer.id, [line()])
    pc_sandbox.rotate_availability("CFQ7TTC0LDPB", "0001")
    with pytest.raises(NotFound) as caught:
        pc_client.checkout_cart(customer.id, cart.id)
    assert caught.value.code == "400019"
    assert buy(pc_client, customer.id, line()).orders  # re-read availability works


def test_nonprofit_plans_are_listed_only_when_asked_for(pc_client):
    default = {p.id for p in pc_client.list_products("US", "OnlineServices")}
    nonprofit = {p.id for p in pc_client.list_products("US", "OnlineServices", "nonprofit")}
    assert NONPROFIT[0] not in default
    assert nonprofit == {NONPROFIT[0]}


def test_a_concurrent_checkout_of_the_same_cart_is_refused_while_the_first_runs(
        pc_client, pc_sandbox, make_customer, line):
    customer = make_customer()
    cart = pc_client.create_cart(customer.id, [line()])
    pc_sandbox.config.checkout_seconds = 0.3
    first = threading.Thread(target=pc_client.checkout_cart, args=(customer.id, cart.id))
    first.start()
    time.sleep(0.1)
    with pytest.raises(Conflict) as caught:
        pc_client.checkout_cart(customer.id, cart.id)
    first.join()
    assert caught.value.code == "800064"
    assert pc_sandbox.count("orders", customer.id) == 1


def test_an_order_stays_pending_without_subscription_ids_until_enough_polls(
        pc_client, pc_sandbox, make_customer, line):
    pc_sandbox.config.provisioning_polls = 2
    customer = make_customer()
    order = buy(pc_client, customer.id, line()).orders[0]
    assert order.lines[0].subscription_id is None
    assert pc_client.list_subscriptions(customer.id)[0].status == "pending"
    assert pc_client.get_order(customer.id, order.id).status == "pending"
    status = pc_client.get_order_provisioning_status(customer.id, order.id)
    assert [s.status for s in status] == ["prefulfillmentpending"]
    done = pc_client.get_order(customer.id, order.id)
    assert done.status == "completed" and done.lines[0].subscription_id
    assert pc_client.get_subscription(customer.id, done.lines[0].subscription_id).status == \
        "active"
    assert [s.status for s in pc_client.get_order_provisioning_status(
        customer.id, order.id)] == ["fulfilled"]


def test_an_order_can_complete_after_configured_seconds(
        pc_client, pc_sandbox, make_customer, line):
    pc_sandbox.config.provisioning_seconds = 120
    customer = make_customer()
    order = buy(pc_client, customer.id, line()).orders[0]
    assert pc_client.get_order(customer.id, order.id).status == "pending"
    pc_sandbox.advance(121)
    assert pc_client.get_order(customer.id, order.id).status == "completed"


def test_a_pending_subscription_cannot_be_changed_yet(pc_client, pc_sandbox, make_customer,
                                                      line):
    pc_sandbox.config.provisioning_polls = 5
    customer = make_customer()
    buy(pc_client, customer.id, line())
    pending = pc_client.list_subscriptions(customer.id)[0]
    with pytest.raises(Conflict) as caught:
        pc_client.update_subscription(customer.id, pending.id, quantity=2)
    assert caught.value.code == "800082"


def test_a_patch_without_autorenew_switches_it_off_like_partner_center(
        pc_client, pc_responses, make_customer, line):
    customer = make_customer()
    sub = active_subscription(pc_client, customer.id, line())
    assert sub.auto_renew_enabled is True
    response = requests.patch(
        f"{LIVE_BASE_URL}/v1/customers/{customer.id}/subscriptions/{sub.id}",
        json={"quantity": 1}, headers={"Authorization": "Bearer sandbox-app:p"}, timeout=5)
    assert response.status_code == 200 and response.json()["autoRenewEnabled"] is False


def test_the_client_sends_the_full_resource_so_autorenew_survives_a_seat_change(
        pc_client, make_customer, line):
    customer = make_customer()
    sub = active_subscription(pc_client, customer.id, line(quantity=2))
    updated = pc_client.update_subscription(customer.id, sub.id, quantity=5)
    assert (updated.quantity, updated.auto_renew_enabled) == (5, True)
    assert pc_client.update_subscription(customer.id, sub.id,
                                         auto_renew_enabled=False).auto_renew_enabled is False


def test_cancels_within_168_hours_and_refuses_afterwards(pc_client, make_customer, line):
    with time_machine.travel(START, tick=False) as traveller:
        customer = make_customer()
        early = active_subscription(pc_client, customer.id, line())
        late = active_subscription(pc_client, customer.id, line(term="P1Y", cycle="annual"))
        assert early.cancellation_allowed_until == START + timedelta(hours=168)
        traveller.shift(timedelta(hours=167))
        assert pc_client.update_subscription(customer.id, early.id,
                                             status="deleted").status == "deleted"
        traveller.shift(timedelta(hours=2))
        with pytest.raises(InvalidRequest) as caught:
            pc_client.update_subscription(customer.id, late.id, status="deleted")
    assert caught.value.code == "900213"


def test_seats_can_be_added_any_time_but_removed_only_within_168_hours(
        pc_client, make_customer, line):
    with time_machine.travel(START, tick=False) as traveller:
        customer = make_customer()
        sub = active_subscription(pc_client, customer.id, line(quantity=10))
        assert pc_client.update_subscription(customer.id, sub.id, quantity=8).quantity == 8
        traveller.shift(timedelta(hours=169))
        assert pc_client.update_subscription(customer.id, sub.id, quantity=12).quantity == 12
        # The 4 seats added now have their own window; the 8 bought earlier are past theirs.
        with pytest.raises(InvalidRequest) as caught:
            pc_client.update_subscription(customer.id, sub.id, quantity=7)
    assert caught.value.code == "900214"


def test_refuses_changes_to_a_deleted_subscription(pc_client, make_customer, line):
    customer = make_customer()
    sub = active_subscription(pc_client, customer.id, line())
    pc_client.update_subscription(customer.id, sub.id, status="deleted")
    with pytest.raises(InvalidRequest) as caught:
        pc_client.update_subscription(customer.id, sub.id, quantity=3)
    assert caught.value.code == "2011"


def test_refuses_to_cancel_a_red_hat_subscription(pc_client, make_customer, line):
    customer = make_customer()
    sub = active_subscription(pc_client, customer.id, line(REDHAT, term="P1Y", cycle="annual"))
    with pytest.raises(InvalidRequest) as caught:
        pc_client.update_subscription(customer.id, sub.id, status="deleted")
    assert caught.value.code == "900213"


def test_lists_a_customers_orders(pc_client, make_customer, line):
    customer = make_customer()
    order = buy(pc_client, customer.id, line()).orders[0]
    assert [o.id for o in pc_client.list_orders(customer.id)] == [order.id]
    with pytest.raises(NotFound) as caught:
        pc_client.get_order(customer.id, "nope")
    assert caught.value.code == "20000"


def test_an_order_completed_by_a_read_stays_completed_after_a_restart(
        pc_client, pc_sandbox, make_customer, line, tmp_path):
    from connectors.partner_center.sandbox.__main__ import build

    state = tmp_path / "sandbox.json"
    pc_sandbox.on_change = lambda _data: pc_sandbox.save_to(state)
    customer = make_customer()
    order = buy(pc_client, customer.id, line()).orders[0]
    pc_client.get_order(customer.id, order.id)  # completes it (provisioning_polls = 0)
    restarted = build(state)
    assert restarted.data["orders"][order.id]["wire"]["status"] == "completed"
    assert {s["wire"]["status"] for s in restarted.data["subscriptions"].values()
            if s["wire"].get("orderId") == order.id} == {"active"}


def test_more_than_300_custom_term_end_dates_come_in_pages_by_the_continuation_header(
        pc_client, pc_sandbox, pc_responses, make_customer, line):
    with time_machine.travel(START, tick=False):
        tenant = make_customer().id
        sub = active_subscription(pc_client, tenant, line(term="P1Y", cycle="annual"))
        record = pc_sandbox.data["subscriptions"][sub.id]
        for day in range(1, 321):  # 320 annual subscriptions, each ending on its own day
            twin = copy.deepcopy(record)
            twin["wire"] |= {"id": f"twin-{day}", "commitmentEndDate":
                             (START + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")}
            pc_sandbox.data["subscriptions"][f"twin-{day}"] = twin
        dates = pc_client.get_custom_term_end_dates(tenant, "P1Y")
    asked = [c for c in pc_responses.calls if "customTermEndDates" in c.request.url]
    assert len(dates) == 322 and len({d.end_date for d in dates}) == 322  # + month end, sub
    assert [len(c.response.json()["items"]) for c in asked] == [300, 22]
    token = asked[0].response.headers["MS-ContinuationToken"]
    assert asked[1].request.headers["MS-ContinuationToken"] == token
    assert "term_duration=P1Y" in asked[1].request.url
    assert "MS-ContinuationToken" not in asked[1].response.headers


def test_an_upgrade_s_history_names_the_seats_it_moved_and_when_its_conversion_completed(
        pc_sandbox, pc_client, make_customer, line):
    # R4 made in Partner Center itself: GET .../transitions (get-transitions) is how the
    # sync tells seats upgraded away from seats removed.
    customer = make_customer().id
    source = active_subscription(pc_client, customer, line(quantity=5))
    (offer,) = pc_client.get_transition_eligibilities(customer, source.id)
    before = pc_sandbox.now()
    moved = pc_client.create_transition(customer, source.id, offer.catalog_item_id, 2)
    (seen,) = pc_client.get_transitions(customer, source.id)
    assert (seen.from_subscription_id, seen.to_subscription_id, seen.quantity) == (
        source.id, moved.to_subscription_id, 2)
    assert (seen.to_catalog_item_id, seen.status) == (offer.catalog_item_id, "Completed")
    assert before <= seen.converted_at <= pc_sandbox.now()
    assert pc_client.get_transitions(customer, moved.to_subscription_id) == ()
