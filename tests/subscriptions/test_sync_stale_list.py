"""S2/B2/B3: a storefront change that commits while the hourly sync is between reading
Partner Center's list and reading the local rows is its own, on both databases.

The sync lists a tenant's subscriptions (10 seats), then a request asks Partner Center for
5 and commits "from 10 to 5" with Partner Center's answer mirrored, then the sync reads
the row: judged against the list read before the request, the row's 5 were "5 added in
Partner Center" (charged, B2) and the list's 10 copied over them; the next pass read 5
again and credited them (B3), and a billing run between charged seats nobody had. Licences
an order added read as removed there; a cancellation (an order PATCH's for perpetual
software too) as reactivated, then cancelled a second time "in Partner Center". Every
such write now stamps the row with the time it took Partner Center's answer (`synced_at`),
and a pass whose list is older leaves the row for the next. A row the sync read before
the request committed is read again, as committed, where the list shows it otherwise:
its removable seats, too."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from accounts.models import Customer, User
from catalog.models import Price
from persistence import db
from subscriptions import services
from subscriptions.adoption import import_customers
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.sync import sync_all
from tests.api.factories import make_subscription
from tests.billing.conftest import provisioned
from tests.races import before_statement
from tests.subscriptions.conftest import WINDOWS_SERVER
from tests.subscriptions.test_adoption import (  # noqa: F401 - a fixture
    ALPHA_TENANT,
    alpha_in_partner_center,
    buy_in_partner_center,
)
from tests.subscriptions.test_sync import _seen as seen_on
from tests.subscriptions.test_sync import _upgrade_in_partner_center as upgrade_there
from tests.subscriptions.test_sync_seat_change_race import seat_changes

# The sync's read of the tenant's local rows, after Partner Center's list; and its read of
# the tenant's customers, after that.
ROWS_READ = "WHERE subscriptions.pc_subscription_id IN ("
OWNERS_READ = "FROM customers LEFT OUTER JOIN resellers"


@pytest.fixture
def app(app_on_each_backend):
    return app_on_each_backend


def sync_then(app, pc_client, request, *, before: str = ROWS_READ) -> dict[str, object]:
    """The sync (A) reads Partner Center's list; `request` (B) runs and commits just before
    the sync's statement `before`; then the sync goes on."""
    return before_statement({"A": app, "B": app}, before,
                            {"A": lambda: sync_all(pc_client).failed, "B": request})


def remove_five(sub_id: int, user_id: int, pc_client):
    def request() -> int:
        return services.change_quantity(db.session.get(Subscription, sub_id), 5,
                                        db.session.get(User, user_id), pc_client).quantity
    return request


def row(sub_id: int) -> Subscription:
    db.session.expire_all()
    return db.session.get(Subscription, sub_id)


def test_s2_b2_seats_removed_after_the_sync_read_partner_center_are_not_added_back(
        app, world, buy, pc_client):
    sub = buy(quantity=10)
    sync_all(pc_client)  # an earlier pass: the row as Partner Center showed it
    sub_id, user_id = sub.id, world.reseller_a_user.id

    outcomes = sync_then(app, pc_client, remove_five(sub_id, user_id, pc_client))
    assert outcomes == {"A": 0, "B": 5}
    assert row(sub_id).quantity == 5
    assert sync_all(pc_client).failed == 0  # the next pass reads a list of 5
    # The request's change, credited once: no "5 to 10" charged, no "10 to 5" credited
    # again by the next pass.
    assert seat_changes() == [(10, 5, user_id, None, "Licenses changed from 10 to 5.")]
    assert row(sub_id).quantity == 5
    assert [e.kind for e in row(sub_id).events] == ["quantity"]


def test_s3_b3_a_cancellation_after_the_sync_read_partner_center_stays_the_only_one(
        app, world, buy, pc_client):
    sub = buy(quantity=3)
    world.reseller_a_user.admin_agent = True  # S4: who may cancel
    sync_all(pc_client)
    sub_id, user_id = sub.id, world.reseller_a_user.id

    def cancel() -> str:
        services.cancel(db.session.get(Subscription, sub_id), db.session.get(User, user_id),
                        pc_client)
        return db.session.get(Subscription, sub_id).status

    assert sync_then(app, pc_client, cancel) == {"A": 0, "B": "cancelled"}
    assert row(sub_id).status == "cancelled"  # not "cancelled → active" from the old list
    sync_all(pc_client)
    # Credited once, as the request recorded it: not cancelled again "in Partner Center".
    assert [e.kind for e in row(sub_id).events] == ["cancel"]
    assert row(sub_id).status == "cancelled"


def test_s6_b3_a_perpetual_licence_cancelled_after_the_sync_read_its_order_stays_cancelled(
        app, world, buy, pc_client):
    # Its order, listed before the order PATCH, still showed the line: the licence read
    # as reactivated, then cancelled again "in Partner Center" by the next pass.
    sub = buy(WINDOWS_SERVER, "", "one_time", quantity=1, family="perpetual_software")
    world.reseller_a_user.admin_agent = True
    sync_all(pc_client)
    sub_id, user_id = sub.id, world.reseller_a_user.id

    def cancel() -> str:
        services.cancel(db.session.get(Subscription, sub_id), db.session.get(User, user_id),
                        pc_client)
        return db.session.get(Subscription, sub_id).status

    assert sync_then(app, pc_client, cancel) == {"A": 0, "B": "cancelled"}
    sync_all(pc_client)
    assert [e.kind for e in row(sub_id).events] == ["cancel"]
    assert row(sub_id).status == "cancelled"


def test_s2_seats_removable_as_a_request_mirrored_them_while_the_sync_read_the_rows(
        app, world, buy, pc_client):
    # No pass has read the row yet (provisioning does not record refundable seats). The
    # sync reads the list and the row, both before the request, whose answer shows 5
    # removable seats: the list's 10 are not written over them.
    sub = buy(quantity=10)
    sub_id, user_id = sub.id, world.reseller_a_user.id

    outcomes = sync_then(app, pc_client, remove_five(sub_id, user_id, pc_client),
                         before=OWNERS_READ)
    assert outcomes == {"A": 0, "B": 5}
    [tranche] = json.loads(row(sub_id).refundable)
    assert tranche["quantity"] == 5
    assert row(sub_id).quantity == 5
    assert db.session.scalars(select(SubscriptionEvent.kind)).all() == ["quantity"]


def test_b2_b3_licences_an_order_added_after_the_sync_read_partner_center_are_its_own(
        app, world, buy, pc_client):
    # The order's job raises 10 seats to 15 in Partner Center and records "5 added" once
    # the sync has its list of 10: those 15 were "5 removed in Partner Center", credited.
    sub = buy(quantity=10)
    sync_all(pc_client)
    ids = sub.id, world.customer_a.id, world.reseller_a_user.id, world.price.id

    def add_five() -> int:
        sub_id, customer_id, user_id, price_id = ids
        return provisioned(db.session.get(Customer, customer_id),
                           db.session.get(User, user_id), db.session.get(Price, price_id), 5,
                           pc_client, add_to=db.session.get(Subscription, sub_id)).quantity

    assert sync_then(app, pc_client, add_five) == {"A": 0, "B": 15}
    sync_all(pc_client)
    changes = [(e.kind, (e.data or {}).get("before"), (e.data or {}).get("after"))
               for e in row(sub.id).events]
    assert changes == [("licenses_added", 10, 15)]
    assert row(sub.id).quantity == 15


def test_r4_b3_seats_upgraded_after_the_sync_asked_for_the_list_are_the_next_pass_s_upgrade(
        app, world, buy, pc_client):
    # Partner Center completes an upgrade of 2 seats after the sync asked for the list (5
    # seats) and before it mirrored the row. Stamped with the mirror's time, the row read as
    # seen after the conversion: the next pass's list of 3 was "2 removed" (credited, B3).
    sub = buy(quantity=5)
    sync_all(pc_client)
    sub_id = sub.id

    def upgrade_in_partner_center() -> str:
        upgrade_there(pc_client, db.session.get(Subscription, sub_id), 2)
        return "upgraded"

    assert sync_then(app, pc_client, upgrade_in_partner_center) == {"A": 0, "B": "upgraded"}
    sync_all(pc_client)
    sync_all(pc_client)  # seen once
    assert seen_on(row(sub_id)) == (3, [("upgrade", 5, 3)])


@pytest.mark.usefixtures("alpha_in_partner_center")
def test_b2_b3_seats_added_after_an_import_asked_for_the_list_are_not_read_as_removed(
        app, world, pc_client, pc_sandbox):
    # The import of an existing Partner Center base asked for Alpha's list (5 seats), then a
    # request raised them to 8 and committed before the import wrote the page: with no list
    # time, the import judged the row's 8 against the list's 5, "3 removed in Partner
    # Center" (credited, B3), and wrote 5 over them.
    remote_id = buy_in_partner_center(pc_sandbox, ALPHA_TENANT, quantity=5)
    sub = make_subscription(world.customer_a, world.price, quantity=5,
                            pc_subscription_id=remote_id, tenant_id=ALPHA_TENANT)
    sub_id, user_id = sub.id, world.reseller_a_user.id

    def add_three() -> int:
        return services.change_quantity(db.session.get(Subscription, sub_id), 8,
                                        db.session.get(User, user_id), pc_client).quantity

    outcomes = before_statement({"A": app, "B": app}, "SELECT customers.id, ", {
        "A": lambda: import_customers(pc_client).subscriptions.skipped, "B": add_three})
    assert outcomes == {"A": 1, "B": 8}
    assert row(sub_id).quantity == 8
    assert [(e.kind, e.data["before"], e.data["after"]) for e in row(sub_id).events] == [
        ("quantity", 5, 8)]


def test_r4_b2_an_upgrade_a_pass_read_after_its_list_is_billed_once(
        app, world, buy, pc_client):
    # 4 seats added in Partner Center (9), then, once the sync has its list of 9, 2
    # upgraded (7). The pass reads the transitions after its list and bills the upgrade
    # with the 4 added; the next pass, whose row was stamped with the list's time, read
    # the same conversion as made since and billed it a second time.
    sub = buy(quantity=5)
    sync_all(pc_client)
    sub_id = sub.id
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=9)

    def upgrade_in_partner_center() -> str:
        upgrade_there(pc_client, db.session.get(Subscription, sub_id), 2)
        return "upgraded"

    assert sync_then(app, pc_client, upgrade_in_partner_center) == {"A": 0, "B": "upgraded"}
    sync_all(pc_client)
    sync_all(pc_client)
    quantity, changes = seen_on(row(sub_id))
    assert quantity == 7
    assert [c for c in changes if c[0] == "upgrade"] == [("upgrade", 5, 3)]  # billed once
