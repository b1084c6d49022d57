"""The admins' attention queue: what went wrong, what to do, and the retry action."""

from __future__ import annotations

from provisioning.jobs import run_job
from tests.conftest import login, post_form
from tests.provisioning.factories import make_order


def test_orders_needing_attention_are_listed_first_with_reason_and_next_step(
        pc_app, pc_client, client, world):
    fine, stuck = make_order(), make_order(mca=False)
    run_job(fine.id, pc_client)
    run_job(stuck.id, pc_client)
    login(client, world.admin)
    page = client.get("/admin/orders").get_data(as_text=True)
    assert stuck.number in page and fine.number not in page
    assert "Microsoft Customer Agreement" in page and "13605" in page
    everything = client.get("/admin/orders?status=all").get_data(as_text=True)
    assert everything.index(stuck.number) < everything.index(fine.number)


def test_the_order_detail_shows_lines_ids_errors_and_history(pc_app, pc_client, client, world):
    order = make_order()
    run_job(order.id, pc_client)
    login(client, world.admin)
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    for text in (order.pc_customer_id, order.pc_cart_id, order.lines[0].pc_subscription_id,
                 order.correlation_id, "submitted", "provisioning", "provisioned"):
        assert text in page
    assert "Retry provisioning" not in page


def test_an_admin_retry_requeues_the_job_and_is_written_into_the_history(
        pc_app, pc_client, client, world):
    order = make_order(mca=False)
    run_job(order.id, pc_client)
    login(client, world.admin)
    response = post_form(client, f"/admin/orders/{order.id}/retry", {},
                         token_url=f"/admin/orders/{order.id}")
    assert response.status_code == 302
    assert order.job.state == "queued" and order.job.attempts == 0
    assert order.status == "provisioning" and world.admin.email in order.events[-1].note


def test_a_provisioned_order_cannot_be_retried(pc_app, pc_client, client, world):
    order = make_order()
    run_job(order.id, pc_client)
    login(client, world.admin)
    response = post_form(client, f"/admin/orders/{order.id}/retry", {},
                         token_url=f"/admin/orders/{order.id}")
    assert response.status_code == 409 and order.job.state == "done"


def test_the_order_detail_links_the_subscription_an_add_licenses_line_changed(
        pc_app, pc_client, client, world):
    from sqlalchemy import select

    from persistence import db
    from subscriptions.models import Subscription

    first = make_order()
    run_job(first.id, pc_client)
    sub = db.session.scalar(select(Subscription).filter_by(order_line_id=first.lines[0].id))
    more = make_order(first.placed_by, first.customer, add_to=sub)
    run_job(more.id, pc_client)
    login(client, world.admin)
    page = client.get(f"/admin/orders/{more.id}").get_data(as_text=True)
    assert f'href="/subscriptions/{sub.id}"' in page and more.lines[0].status == "provisioned"
