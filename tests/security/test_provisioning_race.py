"""The provisioning race (#19): a second order for a new customer, placed while the first
order's subscription is in Partner Center but not yet in our mirror, adds its licenses to
that subscription. A probe found it planned as "add licenses" with no local target and stuck
in needs_attention, retries included; provisioning now finds the target itself.

The window is held open the way it opens in production: the first order's worker is in a
slow Partner Center read (the sandbox's "slow" fault) between learning its subscription's
id and mirroring it, while the second order goes through the real checkout page.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import responses
from sqlalchemy import func, select

from connectors.partner_center.client import LIVE_BASE_URL
from connectors.partner_center.sandbox.app import create_sandbox_app
from connectors.partner_center.sandbox.router import route_to_sandbox
from orders import cart as carts
from orders.models import Order
from persistence import db, utcnow
from provisioning.jobs import run_job
from subscriptions.models import Subscription
from tests.checkout.conftest import fresh  # noqa: F401 - the customer ready to order
from tests.conftest import login, post_form

MIRROR_READ = "GET /v1/customers/*/subscriptions"  # the first order's mirror step reads it
FIRST_SEATS, MORE_SEATS = 5, 2


class SlowRead:
    """The sandbox's sleep for a "slow" fault: holds that read until the test lets it go."""

    def __init__(self) -> None:
        self.reached, self.released = threading.Event(), threading.Event()

    def __call__(self, _seconds: float) -> None:
        self.reached.set()
        if not self.released.wait(timeout=30):
            raise TimeoutError("the test never released the slow read")


@pytest.fixture
def slow_read() -> SlowRead:
    return SlowRead()


@pytest.fixture
def pc_responses(pc_sandbox, slow_read):
    """The sandbox behind the real client, its slow faults held by the test (the shared
    fixture's sandbox never sleeps)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.sandbox_app = create_sandbox_app(pc_sandbox, sleep=slow_read)
        route_to_sandbox(mock, mock.sandbox_app, LIVE_BASE_URL)
        yield mock


@pytest.fixture
def shop(app, client, world, fresh):  # noqa: F811
    """The reseller signed in, with 5 Business licenses in the cart of a new customer;
    provisioning retries at once."""
    app.config.update(PROVISIONING_BACKOFF_SECONDS=0, PROVISIONING_POLL_SECONDS=0)
    login(client, world.reseller_a_user)
    return fresh


def place(client, world, customer, seats: int, key: str) -> Order:
    """Place an order of the Business plan through the page (the first one's 5 seats are
    in the cart already)."""
    if seats != FIRST_SEATS:
        carts.add_line(carts.cart_for(world.reseller_a_user, customer), world.price.id, seats)
    answer = post_form(client, f"/cart/{customer.id}/place", {"idempotency_key": key},
                       token_url=f"/cart?customer={customer.id}")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return db.session.scalars(select(Order).filter_by(customer_id=customer.id)
                              .order_by(Order.id.desc())).first()


class FirstWorker:
    """The first order's worker in its own thread, held in its slow mirror read."""

    def __init__(self, app, pc_client, pc_sandbox, slow_read: SlowRead, order_id: int):
        pc_sandbox.add_fault("slow", MIRROR_READ, count=1, delay=1)
        self.slow_read, self.errors = slow_read, []
        self.thread = threading.Thread(target=self._run, args=(app, pc_client, order_id))
        self.thread.start()
        assert slow_read.reached.wait(timeout=30), "the first order never reached its mirror"
        db.session.expire_all()  # what that worker committed meanwhile

    def _run(self, app, pc_client, order_id: int) -> None:
        with app.app_context():
            try:
                run_job(order_id, pc_client)
            except Exception as error:  # noqa: BLE001 - reported by finish()
                self.errors.append(error)
            finally:
                db.session.remove()

    def finish(self) -> None:
        self.slow_read.released.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive() and self.errors == []
        db.session.expire_all()


def in_partner_center(pc_sandbox) -> list[dict]:
    return [s["wire"] for s in pc_sandbox.snapshot()["subscriptions"].values()]


def assert_one_subscription_with_every_license(first: Order, second: Order, pc_sandbox):
    """One subscription in Partner Center and in the mirror, 7 seats, the increase once."""
    assert [s["quantity"] for s in in_partner_center(pc_sandbox)] == [FIRST_SEATS + MORE_SEATS]
    mirror = db.session.scalars(select(Subscription)).one()
    assert mirror.pc_subscription_id == first.lines[0].pc_subscription_id
    assert mirror.order_line_id == first.lines[0].id  # the first order bought it
    assert mirror.quantity == FIRST_SEATS + MORE_SEATS
    assert [e.note for e in mirror.events if e.kind == "licenses_added"] == [
        f"{MORE_SEATS} licenses added by order {second.number}; 7 in all."]
    assert (first.status, second.status) == ("provisioned", "provisioned")
    assert second.lines[0].target_subscription_id == mirror.id


@pytest.mark.parametrize("when", ["while_the_first_is_mirroring", "after_it_is_mirrored"])
def test_a_second_order_placed_before_the_first_is_mirrored_adds_its_licenses(
        app, client, world, shop, pc_client, pc_sandbox, slow_read, when):
    first = place(client, world, shop, FIRST_SEATS, "first")
    worker = FirstWorker(app, pc_client, pc_sandbox, slow_read, first.id)
    assert first.lines[0].pc_subscription_id and db.session.scalar(
        select(func.count(Subscription.id))) == 0  # in Partner Center, not in our mirror
    second = place(client, world, shop, MORE_SEATS, "second")
    line = second.lines[0]  # what the probe found: licenses for a subscription we lack
    assert (line.action, line.target_subscription_id) == ("add_licenses", None)
    assert line.pc_subscription_id == first.lines[0].pc_subscription_id
    if when == "after_it_is_mirrored":  # a retry once the mirror exists: it used to stick
        worker.finish()
    assert run_job(second.id, pc_client) is None
    if when == "while_the_first_is_mirroring":
        worker.finish()
    db.session.refresh(second)
    assert_one_subscription_with_every_license(first, second, pc_sandbox)


def test_when_partner_centers_list_cannot_be_read_the_order_still_adds_licenses(
        app, client, world, shop, pc_client, pc_sandbox, slow_read):
    """Checkout knows from our own order what Partner Center bought for it: the second order
    is extra licenses, not a second subscription of the plan, even with the list unread."""
    first = place(client, world, shop, FIRST_SEATS, "first")
    worker = FirstWorker(app, pc_client, pc_sandbox, slow_read, first.id)
    pc_sandbox.add_fault("error", MIRROR_READ, status=503, count=None)
    second = place(client, world, shop, MORE_SEATS, "second")
    pc_sandbox.faults.clear()
    assert second.lines[0].action == "add_licenses"
    assert second.lines[0].pc_subscription_id == first.lines[0].pc_subscription_id
    run_job(second.id, pc_client)
    worker.finish()
    db.session.refresh(second)
    assert_one_subscription_with_every_license(first, second, pc_sandbox)


def test_a_second_order_waits_with_backoff_while_the_first_is_still_in_flight(
        app, client, world, shop, pc_client, pc_sandbox, time_machine):
    """Partner Center shows the first order's subscription pending: the second order's line
    waits for it (counted, with growing delays) instead of stopping for a person."""
    app.config.update(PROVISIONING_BACKOFF_SECONDS=5, PROVISIONING_POLL_SECONDS=0)
    time_machine.move_to(utcnow(), tick=False)
    pc_sandbox.config.provisioning_polls = 1000  # Partner Center takes its time
    first = place(client, world, shop, FIRST_SEATS, "first")
    assert run_job(first.id, pc_client) == 0 and first.status == "provisioning"
    second = place(client, world, shop, MORE_SEATS, "second")
    assert [s["status"] for s in in_partner_center(pc_sandbox)] == ["pending"]
    assert second.lines[0].action == "add_licenses"
    delays = []
    for _ in range(2):
        delays.append(run_job(second.id, pc_client))
        assert second.status == "provisioning" and second.job.state == "retry"
        time_machine.shift(timedelta(seconds=delays[-1] + 1))
    assert 2.5 <= delays[0] <= 5 <= delays[1] <= 10  # backoff, as for any transient failure
    assert second.job.attempts == 2 and "still provisioning" in second.job.last_error
    pc_sandbox.config.provisioning_polls = 0  # Partner Center completes the first order
    assert run_job(first.id, pc_client) is None and first.status == "provisioned"
    assert run_job(second.id, pc_client) is None
    db.session.refresh(second)
    assert_one_subscription_with_every_license(first, second, pc_sandbox)


def test_a_subscription_that_never_comes_needs_attention_after_the_retry_budget(
        app, client, world, shop, pc_client, pc_sandbox):
    app.config.update(PROVISIONING_MAX_ATTEMPTS=3)
    pc_sandbox.config.provisioning_polls = 1000
    first = place(client, world, shop, FIRST_SEATS, "first")
    run_job(first.id, pc_client)
    second = place(client, world, shop, MORE_SEATS, "second")
    while run_job(second.id, pc_client) is not None:
        pass
    assert second.status == "needs_attention" and second.job.attempts == 3
    assert second.status_reason == (
        "Line 1 (Microsoft 365 Business Standard) adds licenses to a subscription Partner "
        "Center is still provisioning. Still so after 3 attempts.")
    assert "Wait until the order that buys the subscription is provisioned" in \
        second.next_step
    assert [s["quantity"] for s in in_partner_center(pc_sandbox)] == [FIRST_SEATS]
