"""Every license increase is an order that passes the checkout rules: the API's PATCH of
a subscription may lower the count (S2) but never raise it (a probe raised it directly)."""

from __future__ import annotations

from tests.api.factories import bearer
from tests.subscriptions.conftest import buy, patches, tenant  # noqa: F401 - fixtures
from tests.subscriptions.test_services import remote


def test_patching_a_higher_quantity_is_refused_and_nothing_reaches_partner_center(
        client, world, buy, pc_sandbox, pc_responses):  # noqa: F811
    sub = buy(quantity=2)
    answer = client.patch(f"/api/v1/subscriptions/{sub.id}", json={"quantity": 5},
                          headers=bearer(world.reseller_a_user))
    assert answer.status_code == 422
    assert [p["code"] for p in answer.get_json()["error"]["problems"]] == [
        "S2.increase_is_an_order"]
    assert patches(pc_responses) == [] and remote(pc_sandbox, sub)["quantity"] == 2


def test_the_same_change_with_autorenew_changes_nothing_at_all(
        client, world, buy, pc_sandbox, pc_responses):  # noqa: F811
    sub = buy(quantity=2)
    answer = client.patch(f"/api/v1/subscriptions/{sub.id}",
                          json={"quantity": 3, "autorenew": False},
                          headers=bearer(world.reseller_a_user))
    assert answer.status_code == 422
    assert patches(pc_responses) == [] and remote(pc_sandbox, sub)["autoRenewEnabled"] is True
