"""provision_order end to end against the sandbox: states, history, ids, mirror (K8)."""

from __future__ import annotations

from sqlalchemy import select

from agreements.mca import McaAttestation
from connectors.partner_center.sandbox import seed
from orders.models import Order
from persistence import db
from provisioning.jobs import run_job
from subscriptions.models import Subscription
from tests.provisioning.factories import BUSINESS_STANDARD, E3, customer, make_order, reseller_user

SEEDED_TENANTS = 2


def test_a_submitted_order_is_provisioned_with_its_history(pc_app, pc_client, pc_sandbox):
    order = make_order()
    assert run_job(order.id, pc_client) is None
    order = db.session.get(Order, order.id)
    assert order.status == "provisioned"
    assert [e.status for e in order.events] == ["submitted", "provisioning", "provisioned"]
    assert all(e.at is not None for e in order.events)
    assert order.events[-1].note == "The line is active in Partner Center."
    assert order.job.state == "done"
    assert pc_sandbox.count("customers") == SEEDED_TENANTS + 1
    assert order.customer.tenant_id == order.pc_customer_id
    assert pc_sandbox.count("orders") == pc_sandbox.count("subscriptions") == 1


def test_the_subscription_is_mirrored_with_the_resellers_mpn(pc_app, pc_client, pc_sandbox):
    order = make_order(lines=((BUSINESS_STANDARD, 4),))
    run_job(order.id, pc_client)
    line = order.lines[0]
    mirror = db.session.scalar(select(Subscription))
    assert mirror.pc_subscription_id == line.pc_subscription_id != ""
    assert mirror.partner_id == seed.RESELLER_MPN_ID == line.partner_of_record
    assert (mirror.quantity, mirror.status, mirror.autorenew) == (4, "active", True)
    assert mirror.order_line_id == line.id and mirror.tenant_id == order.pc_customer_id
    sandbox_sub = pc_sandbox.snapshot()["subscriptions"][mirror.pc_subscription_id]["wire"]
    assert sandbox_sub["partnerId"] == seed.RESELLER_MPN_ID


def test_the_mca_confirmation_is_attested_once_as_a_new_ledger_row(pc_app, pc_client,
                                                                   pc_sandbox):
    order = make_order()
    run_job(order.id, pc_client)
    rows = db.session.scalars(select(McaAttestation)).all()
    assert [(r.acceptance_id, r.status) for r in rows] == [(order.mca_acceptance_id, "attested")]
    assert len(pc_sandbox.snapshot()["agreements"][order.pc_customer_id]) == 1


def test_every_partner_center_id_is_stored_on_the_order(pc_app, pc_client):
    order = make_order()
    run_job(order.id, pc_client)
    for field in ("pc_customer_id", "pc_customer_request_id", "pc_attestation_request_id",
                  "pc_cart_id", "pc_cart_request_id", "pc_checkout_request_id"):
        assert getattr(order, field), field
    assert order.lines[0].pc_order_id and order.lines[0].status == "provisioned"


def test_an_existing_tenant_is_used_without_creating_a_customer(pc_app, pc_client, pc_sandbox):
    user = reseller_user()
    buyer = customer(user, tenant_id=seed.TENANT_WITH_DAP_ID, tenant_mode="existing",
                     tenant_domain=seed.TENANT_WITH_DAP_DOMAIN)
    order = make_order(user, buyer)
    run_job(order.id, pc_client)
    assert order.status == "provisioned"
    assert order.pc_customer_id == seed.TENANT_WITH_DAP_ID
    assert pc_sandbox.count("customers") == SEEDED_TENANTS


def test_an_existing_tenant_named_by_domain_only_is_looked_up(pc_app, pc_client, pc_sandbox):
    user = reseller_user()
    buyer = customer(user, tenant_mode="existing", tenant_domain=seed.TENANT_WITH_DAP_DOMAIN)
    order = make_order(user, buyer)
    run_job(order.id, pc_client)
    assert order.pc_customer_id == seed.TENANT_WITH_DAP_ID == buyer.tenant_id
    assert buyer.tenant_verified  # K11: the domain's proof now stands for the tenant's id
    assert pc_sandbox.count("customers") == SEEDED_TENANTS


def test_a_rotated_availability_is_re_read_before_the_cart(pc_app, pc_client, pc_sandbox):
    pc_sandbox.rotate_availability(*BUSINESS_STANDARD[:2])
    order = make_order()
    run_job(order.id, pc_client)
    assert order.status == "provisioned"


def test_the_second_order_of_a_customer_reuses_its_tenant(pc_app, pc_client, pc_sandbox):
    first = make_order()
    run_job(first.id, pc_client)
    second = make_order(first.placed_by, first.customer, lines=((E3, 1),))
    run_job(second.id, pc_client)
    assert second.status == "provisioned"
    assert second.pc_customer_id == first.pc_customer_id
    assert pc_sandbox.count("customers") == SEEDED_TENANTS + 1


def test_adding_licenses_sets_the_absolute_target_once(pc_app, pc_client, pc_sandbox):
    first = make_order(lines=((BUSINESS_STANDARD, 3),))
    run_job(first.id, pc_client)
    mirror = db.session.scalar(select(Subscription))
    more = make_order(first.placed_by, first.customer, lines=((BUSINESS_STANDARD, 2),),
                      add_to=mirror)
    run_job(more.id, pc_client)
    assert more.status == "provisioned" and more.lines[0].target_quantity == 5
    assert mirror.quantity == 5
    wire = pc_sandbox.snapshot()["subscriptions"][mirror.pc_subscription_id]["wire"]
    assert (wire["quantity"], wire["autoRenewEnabled"]) == (5, True)
    assert pc_sandbox.count("orders") == 1


def test_lines_partner_center_refuses_leave_the_order_partially_provisioned(
        pc_app, pc_client, pc_sandbox):
    order = make_order(lines=((BUSINESS_STANDARD, 1), (E3, 2)))
    order.lines[1].billing_cycle, order.lines[1].term_duration = "annual", "P1Y"
    order.lines[1].partner_of_record = seed.UNKNOWN_MPN_ID
    db.session.commit()
    run_job(order.id, pc_client)
    assert order.status == "partially_provisioned"
    good, bad = order.lines
    assert good.status == "provisioned" and bad.status == "failed"
    assert bad.error_code == "10004" and "10004" in order.status_reason
    assert order.next_step and order.job.state == "done"
    assert db.session.scalar(select(Subscription.pc_subscription_id)) == good.pc_subscription_id


def test_orders_wait_while_partner_center_provisions(pc_app, pc_client, pc_sandbox):
    pc_sandbox.config.provisioning_polls = 2
    order = make_order()
    assert run_job(order.id, pc_client) == 0  # poll again (the tests' poll interval is 0)
    assert order.status == "provisioning" and order.job.state == "retry"
    assert order.job.attempts == 0  # waiting is not a failure
    while run_job(order.id, pc_client) is not None:
        pass
    assert order.status == "provisioned" and pc_sandbox.count("subscriptions") == 1


def test_the_buyers_order_page_links_each_provisioned_line_to_its_subscription(pc_app,
                                                                               pc_client):
    from tests.conftest import login

    order = make_order(lines=((BUSINESS_STANDARD, 4),))
    client = pc_app.test_client()
    login(client, order.placed_by, "pw-never-used-here")
    before = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'id="line-subscription-0"' not in before
    run_job(order.id, pc_client)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    mirror = db.session.scalar(select(Subscription).filter_by(order_line_id=order.lines[0].id))
    assert f'href="/subscriptions/{mirror.id}" id="line-subscription-0"' in page
    assert 'id="total-monthly">$40.00' in page and "charged every month" in page


def test_a_customer_whose_new_tenant_was_created_can_order_again_k4(pc_app, pc_client):
    from accounts.models import Customer
    from orders import cart as carts
    from tests.checkout.conftest import confirm_mca
    from tests.conftest import login, post_form
    from tests.provisioning.factories import price_for

    user = reseller_user()
    order = make_order(user)  # an American buyer, to order again at the US prices (C7)
    run_job(order.id, pc_client)
    customer = db.session.get(Customer, order.customer_id)
    # The tenant exists now: its domain is no longer free, and it is this customer's.
    assert (customer.tenant_mode, customer.tenant_id) == ("existing", order.pc_customer_id)
    carts.add_line(carts.cart_for(order.placed_by, customer), price_for(E3).id, 1)
    confirm_mca(customer, order.placed_by)  # the sandbox's current agreement version
    db.session.commit()
    client = pc_app.test_client()
    login(client, order.placed_by, "pw-never-used-here")
    response = post_form(client, f"/cart/{customer.id}/check", {},
                         token_url=f"/cart?customer={customer.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "data-code=" not in body, body


def test_a_tenant_a_sibling_order_just_created_is_used_not_created_twice(pc_app, pc_client,
                                                                         pc_sandbox):
    from provisioning.steps import _new_customer

    order = make_order()
    domain = f"{order.customer.domain_prefix}.onmicrosoft.com"
    # Another worker, provisioning another order of this customer at the same moment, has
    # created the tenant and not yet committed it: the domain is taken, by the same company.
    made = pc_client.create_customer(_new_customer(order, domain))
    assert run_job(order.id, pc_client) is None
    assert order.status == "provisioned" and order.pc_customer_id == made.id
    assert order.customer.tenant_id == made.id
    assert pc_sandbox.count("customers") == SEEDED_TENANTS + 1


def test_a_domain_another_company_holds_still_stops_the_order_for_attention(pc_app, pc_client):
    from dataclasses import replace

    from provisioning.steps import _new_customer

    order = make_order()
    domain = f"{order.customer.domain_prefix}.onmicrosoft.com"
    pc_client.create_customer(replace(_new_customer(order, domain), company_name="Other Ltd"))
    run_job(order.id, pc_client)
    assert order.status == "needs_attention" and order.customer.tenant_id == ""
