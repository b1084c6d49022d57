"""S6 in the sandbox as on Microsoft's pages (cancel-software-purchases,
cancel-an-order-from-the-integration-sandbox, error-codes): perpetual software is cancelled
by an order PATCH naming its lines, each judged by its own purchase's window; online
services and Azure plan lines never are."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
import time_machine

from connectors.partner_center import CartLineRequest, InvalidRequest
from connectors.partner_center.client import LIVE_BASE_URL
from tests.connectors.commerce import (
    AZURE_PLAN,
    REDHAT,
    RESERVATION,
    SQL_SERVER,
    START,
    WINDOWS_SERVER,
    active_subscription,
    buy,
)
from tests.connectors.documented import sample


def test_perpetual_software_is_cancelled_by_order_within_30_days_only(
        pc_client, make_customer, line):
    with time_machine.travel(START, tick=False) as traveller:
        customer = make_customer()
        keep = buy(pc_client, customer.id, line(WINDOWS_SERVER, term="", cycle="one_time"))
        drop = buy(pc_client, customer.id, line(WINDOWS_SERVER, term="", cycle="one_time"))
        traveller.shift(timedelta(days=29))
        assert pc_client.cancel_order(customer.id, drop.orders[0].id, [0]).status == "cancelled"
        traveller.shift(timedelta(days=2))
        with pytest.raises(InvalidRequest) as caught:
            pc_client.cancel_order(customer.id, keep.orders[0].id, [0])
    assert caught.value.code == "900117"


def test_s6_cancelling_a_perpetual_line_leaves_the_other_lines_of_its_order(
        pc_client, pc_responses, make_customer, line):
    # One cart of one_time lines is one order: Windows Server and an Azure plan together.
    customer = make_customer()
    (order,) = buy(pc_client, customer.id, line(WINDOWS_SERVER, term="", cycle="one_time"),
                    line(AZURE_PLAN, term="", cycle="one_time")).orders
    bought = {ln.offer_id.split(":")[0]: ln for ln in
              pc_client.get_order(customer.id, order.id).lines}
    windows, plan = bought[WINDOWS_SERVER[0]], bought[AZURE_PLAN[0]]
    after = pc_client.cancel_order(customer.id, order.id, [windows.line_item_number])
    (sent,) = [json.loads(c.request.body) for c in pc_responses.calls
               if c.request.method == "PATCH"]
    assert sent["lineItems"] == [{"lineItemNumber": windows.line_item_number,
                                  "offerId": windows.offer_id}]
    assert after.status == "completed"  # cancel-software-purchases: others keep the order
    assert {ln.line_item_number: ln.quantity for ln in after.lines} == {
        windows.line_item_number: 0, plan.line_item_number: 1}
    assert pc_client.get_subscription(customer.id, plan.subscription_id).status == "active"


def test_an_order_patch_naming_no_line_is_never_sent(pc_client, pc_responses, make_customer,
                                                     line):
    # Partner Center cancels the whole order when the PATCH names no line.
    customer = make_customer()
    (order,) = buy(pc_client, customer.id, line(WINDOWS_SERVER, term="", cycle="one_time"),
                    line(AZURE_PLAN, term="", cycle="one_time")).orders
    with pytest.raises(ValueError, match="line"):
        pc_client.cancel_order(customer.id, order.id, [])
    assert not [c for c in pc_responses.calls if c.request.method == "PATCH"]


def test_perpetual_software_cannot_be_cancelled_through_its_subscription(
        pc_client, make_customer, line):
    customer = make_customer()
    sub = active_subscription(pc_client, customer.id,
                               line(WINDOWS_SERVER, term="", cycle="one_time"))
    with pytest.raises(InvalidRequest) as caught:
        pc_client.update_subscription(customer.id, sub.id, status="deleted")
    assert caught.value.code == "800019"


def test_an_online_services_order_is_not_cancelled_by_order_patch(
        pc_client, make_customer, line):
    customer = make_customer()
    order = buy(pc_client, customer.id, line()).orders[0]
    with pytest.raises(InvalidRequest) as caught:
        pc_client.cancel_order(customer.id, order.id, [0])
    assert caught.value.code == "800063"


def _one_order(pc_client, customer_id, *lines):
    """One completed order of these lines (one billing cycle): its id, lines by product."""
    (order,) = buy(pc_client, customer_id, *lines).orders
    found = pc_client.get_order(customer_id, order.id).lines
    return order.id, {ln.offer_id.split(":")[0]: ln for ln in found}


def _documented_refusal(code: int) -> dict:
    """An order PATCH's refusal as error-codes documents it (cancel_order.json)."""
    return next(e for e in sample("cancel_order")["errors"] if e["code"] == code)


def test_an_order_patch_is_judged_on_the_lines_it_names(pc_client, make_customer, line):
    # cancel-software-purchases: the named line is cancelled and the rest keep the order.
    # Red Hat's line has no refund window (800061); SQL Server's own 7 days are open.
    customer = make_customer().id
    order, bought = _one_order(pc_client, customer, line(REDHAT, term="P1Y", cycle="annual"),
                               line(SQL_SERVER, term="P1Y", cycle="annual"))
    sql, redhat = bought[SQL_SERVER[0]], bought[REDHAT[0]]
    after = pc_client.cancel_order(customer, order, [sql.line_item_number])
    assert after.status == "completed"
    assert {ln.line_item_number: ln.quantity for ln in after.lines} == {
        sql.line_item_number: 0, redhat.line_item_number: 1}
    with pytest.raises(InvalidRequest) as caught:
        pc_client.cancel_order(customer, order, [redhat.line_item_number])
    documented = _documented_refusal(800061)
    assert (caught.value.http_status, caught.value.code) == (
        documented["status"], str(documented["code"]))


def _reservation(pc_client, customer_id, line) -> CartLineRequest:
    """A reservation line on the customer's Azure plan, registered for reservations."""
    order, bought = _one_order(pc_client, customer_id,
                               line(AZURE_PLAN, term="", cycle="one_time"))
    plan = bought[AZURE_PLAN[0]].subscription_id
    pc_client.register_subscription(customer_id, plan)
    azure = pc_client.list_azure_entitlements(customer_id, plan)[0].id
    base = line(RESERVATION, term="P1Y", cycle="one_time")
    return CartLineRequest(base.catalog_item_id, 1, "P1Y", "one_time",
                           reseller_mpn_id=base.reseller_mpn_id,
                           provisioning_context=(("subscriptionId", azure), ("scope", "shared")))


def test_s6_each_named_line_has_its_own_offer_s_cancellation_window(
        pc_client, make_customer, line):
    # One one_time order: a reservation (the integration sandbox's 60 days) and perpetual
    # software (30 days), each judged by its own window whichever line comes first.
    with time_machine.travel(START, tick=False) as traveller:
        customer = make_customer().id
        order, bought = _one_order(pc_client, customer, _reservation(pc_client, customer, line),
                                   line(WINDOWS_SERVER, term="", cycle="one_time"))
        traveller.shift(timedelta(days=31))
        with pytest.raises(InvalidRequest) as caught:
            pc_client.cancel_order(customer, order, [bought[WINDOWS_SERVER[0]].line_item_number])
        after = pc_client.cancel_order(customer, order,
                                       [bought[RESERVATION[0]].line_item_number])
    assert caught.value.code == "900117" and "30-day" in caught.value.description
    assert {ln.offer_id.split(":")[0]: ln.quantity for ln in after.lines} == {
        RESERVATION[0]: 0, WINDOWS_SERVER[0]: 1}


def test_an_azure_plan_line_is_never_cancelled_by_an_order_patch(
        pc_client, make_customer, line):
    # cancel-an-order-from-the-integration-sandbox: "Azure plan | N | Y | N | Y", by
    # subscription only; a PATCH naming it (alone or with others) cancels nothing.
    customer = make_customer().id
    order, bought = _one_order(pc_client, customer,
                               line(WINDOWS_SERVER, term="", cycle="one_time"),
                               line(AZURE_PLAN, term="", cycle="one_time"))
    windows, plan = bought[WINDOWS_SERVER[0]], bought[AZURE_PLAN[0]]
    by_product = sample("cancel_order")["cancellation_by_product_type"]
    assert by_product["rows"]["Azure plan"][0] == "N"  # "Sandbox update order"
    documented = _documented_refusal(800063)
    for named in ([plan.line_item_number], [windows.line_item_number, plan.line_item_number]):
        with pytest.raises(InvalidRequest) as caught:
            pc_client.cancel_order(customer, order, named)
        assert (caught.value.http_status, caught.value.code) == (
            documented["status"], str(documented["code"]))
    assert {ln.quantity for ln in pc_client.get_order(customer, order).lines} == {1}
    assert pc_client.get_subscription(customer, plan.subscription_id).status == "active"


@pytest.mark.usefixtures("pc_responses")
def test_a_whole_order_patch_holding_an_azure_plan_answers_the_documented_800063(
        pc_client, make_customer, line):
    # The integration sandbox's {id, status} PATCH names no line: every line is judged.
    customer = make_customer().id
    order, _bought = _one_order(pc_client, customer,
                                line(WINDOWS_SERVER, term="", cycle="one_time"),
                                line(AZURE_PLAN, term="", cycle="one_time"))
    answer = requests.patch(f"{LIVE_BASE_URL}/v1/customers/{customer}/orders/{order}",
                            json={"id": order, "status": "cancelled"}, timeout=5,
                            headers={"Authorization": "Bearer sandbox-user:p"})
    documented = _documented_refusal(800063)
    assert (answer.status_code, answer.json()["code"]) == (documented["status"], 800063)
    assert answer.json()["description"] == documented["description"].format(order, customer)
    table = sample("error_codes")["documented_error_shape"]["table"]
    assert set(answer.json()) == {row["name"] for row in table}
    assert pc_client.get_order(customer, order).status == "completed"
