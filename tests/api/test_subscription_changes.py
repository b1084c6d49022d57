"""Subscription changes through the API run the same S1–S5 rules with the same codes."""

from __future__ import annotations

from persistence import db
from tests.api.factories import bearer, make_subscription
from tests.subscriptions.conftest import buy, patches, tenant  # noqa: F401 - fixtures

RED_HAT = ("DG7GMGF0FKZW", "0001")


def test_a_reseller_switches_autorenew_off(client, world, buy):  # noqa: F811
    sub = buy(quantity=2)
    headers = bearer(world.reseller_a_user)
    response = client.patch(f"/api/v1/subscriptions/{sub.id}", headers=headers,
                            json={"autorenew": False})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["autorenew"] is False and response.get_json()["quantity"] == 2


def test_cancelling_needs_the_admin_agent_permission_s4(client, world, buy):  # noqa: F811
    sub = buy()
    response = client.post(f"/api/v1/subscriptions/{sub.id}/cancel",
                           headers=bearer(world.reseller_a_user))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "S4.admin_agent_required"


def test_an_admin_agent_cancels_inside_the_window_and_gets_the_refund(client, world, buy):  # noqa: F811
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    sub = buy()
    response = client.post(f"/api/v1/subscriptions/{sub.id}/cancel",
                           headers=bearer(world.reseller_a_user))
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["subscription"]["status"] in ("deleted", "cancelled")
    assert body["currency"] == "USD" and float(body["refund"]) > 0


def test_red_hat_is_never_cancellable_s5(client, world, buy):  # noqa: F811
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    sub = buy(product=RED_HAT, term="P1Y", cycle="annual", cancellable=False)
    response = client.post(f"/api/v1/subscriptions/{sub.id}/cancel",
                           headers=bearer(world.reseller_a_user))
    assert response.status_code == 422
    assert response.get_json()["error"]["problems"][0]["code"] == "S5.never_cancellable"


def test_another_resellers_subscription_cannot_be_changed(client, world, buy):  # noqa: F811
    sub = buy()
    response = client.patch(f"/api/v1/subscriptions/{sub.id}",
                            headers=bearer(world.reseller_b_user), json={"quantity": 9})
    assert response.status_code == 404
    db.session.refresh(sub)
    assert sub.quantity == 2


def test_a_subscription_not_yet_in_partner_center_is_refused_not_sent(client, world):
    # Recorded here only (no Partner Center id yet): nothing can address it there.
    sub = make_subscription(world.customer_a, world.price, quantity=2)
    response = client.patch(f"/api/v1/subscriptions/{sub.id}", json={"autorenew": False},
                            headers=bearer(world.reseller_a_user))
    assert response.status_code == 422
    assert response.get_json()["error"]["problems"][0]["code"] == "PC.not_in_partner_center"
    db.session.refresh(sub)
    assert sub.autorenew is True


def test_a_software_subscriptions_licenses_cannot_be_removed_s2(
        client, world, buy, pc_responses):  # noqa: F811
    sub = buy(product=("DG7GMGF0FKZV", "0002"), term="P1Y", cycle="annual", quantity=4,
              family="software_subscription")
    response = client.patch(f"/api/v1/subscriptions/{sub.id}", json={"quantity": 3},
                            headers=bearer(world.reseller_a_user))
    assert response.status_code == 422
    assert response.get_json()["error"]["problems"][0]["code"] == "S2.software_no_reduction"
    assert patches(pc_responses) == []
    db.session.refresh(sub)
    assert sub.quantity == 4
