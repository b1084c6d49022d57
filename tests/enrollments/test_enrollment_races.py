"""O7, O9: two requests that each check every enrollment at the same moment take turns, on
both databases (commitments.records.locking): two enrollments created or renewed at once
take two numbers, never a 500 on the unique number."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from accounts.models import Customer
from commitments.records import assist_services, services
from commitments.records.models import Enrollment
from persistence import db
from tests.conftest import build_world
from tests.enrollments.conftest import ENTERPRISE_CODES, START, activate, mainland_enterprise
from tests.provisioning.databases import BACKENDS, app_on
from tests.races import race


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

