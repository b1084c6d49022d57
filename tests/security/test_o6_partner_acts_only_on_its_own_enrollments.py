"""O6/O8: the partner reseller now acts on enrollments (it assists the customer), so acting is
scoped: a reseller acts only on the enrollments it is the partner of, the customer only as
its Account Owners, and nobody but the provider reactivates (seed 000: "customers have no
right do the re-active by themselves"). Before, every action was the provider admin's."""

from __future__ import annotations

from datetime import date

import pytest

from commitments.enrollment import Status
from commitments.records import services
from commitments.records.models import Enrollment
from persistence import db
from tests.conftest import csrf_token, post_form
from tests.enrollments.conftest import (
    ENTERPRISE_CODES,
    START,
    activate,
    at,
    mainland_enterprise,
    post_action,
)


@pytest.fixture
def active(world):
    """Reseller A's customer's enrollment, active from 1 April 2025."""
    customer = mainland_enterprise(world.customer_a)
    return activate(services.create_enrollment(customer, START), world.admin)


def other_resellers_enrollment(world):
    customer = mainland_enterprise(world.customer_b, ENTERPRISE_CODES[2])
    return activate(services.create_enrollment(customer, START), world.admin)


def test_the_partner_suspends_its_own_customers_enrollment(client, world, active):
    with at(date(2025, 6, 1), client, world.reseller_a_user):
        response = post_action(client, active, "status", {
            "target": "terminated", "confirm": "yes"})
    assert response.status_code == 302
    assert db.session.get(Enrollment, active.id).status == Status.TERMINATED


def test_another_reseller_cannot_act_on_an_enrollment_it_is_not_the_partner_of(
    client, world, active
):
    theirs = other_resellers_enrollment(world)
    with at(date(2025, 6, 1), client, world.reseller_a_user):
        for path, data in (("status", {"target": "suspended", "reason": "unpaid_overage",
                                       "confirm": "yes"}),
                           ("orders", {"order_kind": "additional", "order_year": "1",
                                       "order_amount": "1000"})):
            response = client.post(f"/admin/enrollments/{theirs.id}/{path}",
                                   data={**data, "csrf_token": _token(client, active)})
            assert response.status_code == 404, path
        for path in ("renewal", "departments"):
            response = client.post(f"/enrollments/{theirs.id}/{path}",
                                   data={"department_name": "X",
                                         "csrf_token": _token(client, active)})
            assert response.status_code == 404, path
    db.session.expire_all()
    row = db.session.get(Enrollment, theirs.id)
    assert row.status == Status.ACTIVE and len(row.orders) == 1 and row.departments == []
    assert row.renewals == []


def test_the_partner_cannot_reactivate_even_its_own_customers_enrollment(client, world, active):
    services.change_status(active, Status.SUSPENDED, date(2025, 6, 1),
                           reason=services.SuspensionReason.UNPAID_OVERAGE)
    with at(date(2025, 6, 2), client, world.reseller_a_user):
        response = post_action(client, active, "status", {
            "target": "active", "resolved_on": "2025-06-01", "confirm": "yes"})
    assert response.status_code == 422
    assert "O8.reactivation_by_provider_only" in response.get_data(as_text=True)
    assert db.session.get(Enrollment, active.id).status == Status.SUSPENDED


def test_the_customer_confirms_ownership_only_as_a_user_of_the_enrollments_customer(
    client, world, active
):
    """Reseller A's user is the partner, not the account owner: step 3 is the customer's."""
    with at(date(2025, 6, 1), client, world.reseller_a_user):
        response = post_form(client, f"/enrollments/{active.id}/ownership",
                             {"owner_account": "1",
                              "owner_org_id": "x@alpha.partner.omschina.cn"},
                             token_url=f"/enrollments/{active.id}")
    assert response.status_code == 403


def _token(client, row) -> str:
    return csrf_token(client, f"/enrollments/{row.id}")
