"""Plain language (issue 20, point 9): a refusal reads as a sentence with its rule code
after it, small; GUIDs are never the primary text; and an order needing attention tells
the buyer what it means for them, never the provider admin's instructions."""

from __future__ import annotations

import re

from orders.models import OrderStatus
from persistence import db
from tests.api.factories import bearer
from tests.conftest import login, make_customer
from tests.subscriptions.test_pages import local_sub

ADMIN_STEP = "then retry the order from the attention queue (Admin → Orders)."


def test_a_rule_problem_starts_with_its_sentence_and_ends_with_its_code(client, world):
    customer = make_customer(world.reseller_a, "No Prefix Ltd", domain_prefix="")
    db.session.add(customer)
    db.session.commit()
    login(client, world.reseller_a_user)

    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)

    problem = re.search(r'<p class="error" data-code="K4.missing_domain_prefix">(.*?)</p>',
                        page, re.S).group(1).strip()
    assert not problem.startswith(("<strong>", "K4")), problem  # the headline is words
    assert problem[0].isupper()
    assert problem.endswith('<small class="code">rule K4 · K4.missing_domain_prefix</small>')


def test_a_refused_subscription_change_says_why_first_and_its_code_after(client, world):
    sub = local_sub(world.customer_a, world.price.sku.product, family="office365_business",
                    key=False)
    login(client, world.reseller_a_user)  # no admin-agent permission: S4 refuses

    page = client.get(f"/subscriptions/{sub.id}/cancel").get_data(as_text=True)

    item = re.search(r'<li data-code="S4.admin_agent_required">(.*?)</li>', page, re.S)
    text = item.group(1).strip()
    assert text.startswith("Only users with the admin-agent permission can cancel")
    assert text.endswith('<small class="code">rule S4 · S4.admin_agent_required</small>')


def needing_attention(world):
    world.order_a.record(OrderStatus.NEEDS_ATTENTION, "Partner Center refused the request.",
                         "Record the customer's acceptance of the Microsoft Customer "
                         "Agreement on the customer's page, " + ADMIN_STEP)
    db.session.commit()
    return world.order_a


def test_a_reseller_sees_what_a_stuck_order_means_never_the_admins_next_step(client, world):
    order = needing_attention(world)
    login(client, world.reseller_a_user)

    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    live = client.get(f"/orders/{order.id}/status.json").get_json()

    assert ADMIN_STEP not in page and "attention queue" not in page
    assert "The provider is looking into it; there is nothing for you to do now." in page
    assert live["next_step"].startswith("The provider is looking into it")


def test_the_api_gives_buyers_the_same_words(client, world):
    order = needing_attention(world)

    body = client.get(f"/api/v1/orders/{order.id}",
                      headers=bearer(world.reseller_a_user)).get_json()

    assert "attention queue" not in body["next_step"]
    assert body["next_step"].startswith("The provider is looking into it")


def test_the_admin_still_reads_the_admins_next_step(client, world):
    order = needing_attention(world)
    login(client, world.admin)

    assert ADMIN_STEP in client.get(f"/admin/orders/{order.id}").get_data(as_text=True)


def test_a_linked_tenant_shows_words_first_and_its_guid_small(client, world):
    world.customer_a.tenant_mode = "existing"
    world.customer_a.tenant_id = "7d0a3c1e-4b7e-4c38-9a54-0f6c2b1d9e11"
    db.session.commit()
    login(client, world.reseller_a_user)

    listing = client.get("/customers").get_data(as_text=True)
    page = client.get(f"/customers/{world.customer_a.id}").get_data(as_text=True)

    guid = '<small class="guid">7d0a3c1e-4b7e-4c38-9a54-0f6c2b1d9e11</small>'
    assert f"existing tenant {guid}" in listing
    assert f"existing: linked {guid}" in page
