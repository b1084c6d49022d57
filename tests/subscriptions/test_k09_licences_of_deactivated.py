"""K9 on a subscription's licence count: while the provider has deactivated the reseller a
customer buys through (or the direct customer itself), no licence is added for it in
Partner Center, whoever asks (the provider's admin too); removing licences stays allowed."""

from __future__ import annotations

import pytest

from persistence import db
from subscriptions import services
from subscriptions.errors import SubscriptionRefused
from tests.conftest import login, post_form
from tests.subscriptions.conftest import patches


def _as_direct(world, sub):
    """The subscription as the direct customer's (same sandbox tenant)."""
    sub.customer, sub.reseller = world.direct, None
    db.session.commit()
    return sub


def _raise_as_admin(client, world, sub, quantity: str, **extra):
    login(client, world.admin)
    return post_form(client, f"/subscriptions/{sub.id}/quantity",
                     {"quantity": quantity, **extra}, token_url=f"/subscriptions/{sub.id}")


def test_k9_an_admin_adding_licences_for_a_deactivated_resellers_customer_is_refused(
        client, world, buy, pc_responses):
    sub = buy(quantity=2)
    world.reseller_a.active = False
    db.session.commit()
    response = _raise_as_admin(client, world, sub, "7", confirm="yes")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-code="K9.reseller_inactive"' in page
    assert f"Reactivate {world.reseller_a.company_name} first" in page
    assert patches(pc_responses) == []
    db.session.refresh(sub)
    assert sub.quantity == 2


def test_k9_an_admin_adding_licences_for_a_deactivated_direct_customer_is_refused(
        client, world, buy, pc_responses):
    sub = _as_direct(world, buy(quantity=2))
    world.direct.active = False
    db.session.commit()
    response = _raise_as_admin(client, world, sub, "7", confirm="yes")
    assert response.status_code == 409
    assert 'data-code="K9.customer_inactive"' in response.get_data(as_text=True)
    assert patches(pc_responses) == []


def test_k9_the_refusal_comes_before_the_confirmation_page(client, world, buy, pc_responses):
    sub = buy(quantity=2)
    world.reseller_a.active = False
    db.session.commit()
    response = _raise_as_admin(client, world, sub, "7")  # no confirm=yes yet
    assert response.status_code == 409
    assert 'data-code="K9.reseller_inactive"' in response.get_data(as_text=True)
    assert patches(pc_responses) == []


def test_k9_an_admin_still_removes_licences_of_a_deactivated_resellers_customer(
        client, world, buy, pc_responses):
    sub = buy(quantity=5)
    world.reseller_a.active = False
    db.session.commit()
    response = _raise_as_admin(client, world, sub, "3", confirm="yes")
    assert response.status_code == 302
    assert [body["quantity"] for body in patches(pc_responses)] == [3]


def test_k9_the_service_refuses_an_increase_whoever_calls_it(world, buy, pc_client,
                                                             pc_responses):
    sub = buy(quantity=2)
    world.reseller_a.active = False
    db.session.commit()
    with pytest.raises(SubscriptionRefused) as refused:
        services.change_quantity(sub, 4, world.admin, pc_client)
    assert refused.value.code == "K9.reseller_inactive"
    assert refused.value.status == 409
    assert patches(pc_responses) == []
