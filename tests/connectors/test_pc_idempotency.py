"""A write that timed out after Partner Center applied it is retried without doubling it."""

from __future__ import annotations

import pytest

from connectors.partner_center import Address, CartAlreadySubmitted, NewCustomer

NEW = NewCustomer("timeoutco.onmicrosoft.com", "Timeout Co", "it@timeout.co",
                  Address("1 Microsoft Way", "Redmond", "98052", "US", "WA"))


def test_a_create_customer_that_timed_out_after_the_write_leaves_exactly_one_customer(
        pc_client, pc_sandbox, pc_sleeps):
    before = pc_sandbox.count("customers")
    pc_sandbox.add_fault("timeout", "POST /v1/customers")
    created = pc_client.create_customer(NEW)
    assert pc_sandbox.count("customers") == before + 1
    assert created.id in pc_sandbox.data["customers"]
    assert len(pc_sleeps) == 1  # one retry, answered from the stored first response


def test_a_checkout_that_timed_out_after_the_write_leaves_exactly_one_order(
        pc_client, pc_sandbox, make_customer, line):
    customer = make_customer()
    cart = pc_client.create_cart(customer.id, [line(quantity=3)])
    pc_sandbox.add_fault("timeout", "POST /v1/customers/*/carts/*/checkout")
    result = pc_client.checkout_cart(customer.id, cart.id)
    assert pc_sandbox.count("orders", customer.id) == 1
    assert pc_sandbox.count("subscriptions", customer.id) == 1
    assert result.orders[0].id in pc_sandbox.data["orders"]
    assert pc_client.get_cart(customer.id, cart.id).status == "Ordered"


def test_replaying_a_stored_request_id_after_a_crash_returns_the_first_answer(
        pc_client, pc_sandbox):
    first = pc_client.create_customer(NEW, request_id="saved-before-the-call")
    again = pc_client.create_customer(NEW, request_id="saved-before-the-call")
    assert again.id == first.id
    assert again.credentials == first.credentials
    assert pc_sandbox.count("customers") == 3


def test_a_new_request_id_for_the_same_checkout_is_refused_as_already_submitted(
        pc_client, make_customer, line):
    customer = make_customer()
    cart = pc_client.create_cart(customer.id, [line()])
    pc_client.checkout_cart(customer.id, cart.id)
    with pytest.raises(CartAlreadySubmitted) as caught:
        pc_client.checkout_cart(customer.id, cart.id)
    assert caught.value.code == "800065"
