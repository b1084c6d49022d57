"""O7, O9: two requests that each check every enrollment at the same moment take turns, on
both databases (commitments.records.locking): two enrollments created or renewed at once
take two numbers, and one subscription converted into two enrollments at once is converted
into one, as is one added to two enrollments at once (its id typed in two cases); the other
is refused by its O7 code, never a 500 on the unique number."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from accounts.models import Customer, User
from commitments.records import assist_services, services
from commitments.records.models import AccountSubscription, Enrollment, EnrollmentAccount
from persistence import db
from tests.conftest import build_world
from tests.enrollments.conftest import ENTERPRISE_CODES, START, activate, mainland_enterprise
from tests.enrollments.test_ospa_races import codes
from tests.provisioning.databases import BACKENDS, app_on
from tests.races import race

ONLINE = "0b7e4c2a-9d15-4f3b-8a6e-2c1d9f0e7a34"  # an Online Purchase subscription's GUID

JUNE_2 = date(2025, 6, 2)


def two_customers():
    world = build_world()
    mainland_enterprise(world.customer_a)
    mainland_enterprise(world.customer_b, ENTERPRISE_CODES[1])
    return world


def per_thread(ids: dict[str, int]) -> int:
    return ids[threading.current_thread().name]


@pytest.mark.parametrize("backend", BACKENDS)
def test_o7_two_enrollments_created_at_once_take_the_next_two_numbers(backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        world = two_customers()
        ids = {"A": world.customer_a.id, "B": world.customer_b.id}

        def create():
            customer = db.session.get(Customer, per_thread(ids))
            return services.create_enrollment(customer, START).number

        waited, outcomes = race({"A": app, "B": app}, "enrollments", create)
        assert waited and (outcomes["A"], outcomes["B"]) == ("V5700001", "V5700002")


@pytest.mark.parametrize("backend", BACKENDS)
def test_o9_two_enrollments_renewed_at_once_take_the_next_two_numbers(backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        world = two_customers()
        rows = [activate(services.create_enrollment(c, START), world.admin)
                for c in (world.customer_a, world.customer_b)]
        ids = {"A": rows[0].id, "B": rows[1].id}

        def renew():
            row = db.session.get(Enrollment, per_thread(ids))
            return assist_services.renew_enrollment(row, date(2028, 1, 2)).number

        waited, outcomes = race({"A": app, "B": app}, "enrollments", renew)
        assert waited and (outcomes["A"], outcomes["B"]) == ("V5700003", "V5700004")


def confirmed_account(row, owner: str, user: User):
    """Conversion steps 1 to 3: the account's owner is added, invited and confirmed."""
    account = assist_services.open_account(row, "R&D", owner, None, JUNE_2)
    assist_services.confirm_ownership(account, owner, JUNE_2, user)
    return account


@pytest.mark.parametrize("backend", BACKENDS)
def test_o7_one_subscription_converted_into_two_enrollments_at_once_is_converted_once(
        backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        world = two_customers()
        accounts = [confirmed_account(services.create_enrollment(c, START), owner, world.admin)
                    for c, owner in ((world.customer_a, "owner@alpha.partner.omschina.cn"),
                                     (world.customer_b, "owner@beta.partner.omschina.cn"))]
        ids = {"A": accounts[0].id, "B": accounts[1].id}

        def convert():
            account = db.session.get(EnrollmentAccount, per_thread(ids))
            return assist_services.convert_subscription(account, ONLINE,
                                                        "online_purchase", JUNE_2).account_id

        waited, outcomes = race({"A": app, "B": app}, "account_subscriptions", convert)
        assert waited and outcomes["A"] == ids["A"]
        assert codes(outcomes["B"]) == ["O7.conversion_is_one_way"]
        converted = db.session.scalars(select(AccountSubscription.account_id)).all()
        assert converted == [ids["A"]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_o7_one_subscription_added_to_two_enrollments_at_once_in_two_cases_is_added_once(
        backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        world = two_customers()
        accounts = [services.add_account(services.create_enrollment(c, START), "Ops", owner)
                    for c, owner in ((world.customer_a, "ops@alpha.partner.omschina.cn"),
                                     (world.customer_b, "ops@beta.partner.omschina.cn"))]
        ids = {"A": accounts[0].id, "B": accounts[1].id}
        typed = {"A": "3f2c9a7e-5b1d-4e8a-9c6f-0d7e1a2b3c4d",
                 "B": "3F2C9A7E-5B1D-4E8A-9C6F-0D7E1A2B3C4D"}  # one GUID, in capitals

        def add():
            account = db.session.get(EnrollmentAccount, per_thread(ids))
            services.add_subscription(account, typed[threading.current_thread().name])
            return account.id

        waited, outcomes = race({"A": app, "B": app}, "account_subscriptions", add)
        assert waited and outcomes["A"] == ids["A"]
        assert codes(outcomes["B"]) == ["O7.subscription_already_enrolled"]
        added = db.session.scalars(select(AccountSubscription.account_id)).all()
        assert added == [ids["A"]]
