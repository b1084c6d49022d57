"""Renewal (O9) and the Extended Term clause, on frozen dates.

Seed 000: "the new enrollment Start Date should be 1 day after the prior enrollment expires
All EA Administrators, accounts, departments, subscriptions etc. from the prior enrollment may
be auto transferred to the new renewal enrollment"; "For Customer whom signs Enrollment with
Extended Term clause can continue to use Azure services up to 90 days and charged as overage
at the current price when their Enrollment expires"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commitments.notices import NoticeKind
from commitments.problems import CommitmentRefused
from commitments.records import assist_services, services
from commitments.records.daily import dispatch_due
from commitments.records.models import Enrollment
from commitments.roles import Administrator, AdminRole
from persistence import db
from tests.conftest import post_form
from tests.enrollments.conftest import (
    START,
    activate,
    at,
    mainland_enterprise,
    price_meters,
)

PRIMARY = "li.wei@alpha.partner.omschina.cn"
OWNER = "owner@alpha.partner.omschina.cn"
SUBSCRIPTION = "3f2c9a7e-5b1d-4e8a-9c6f-0d7e1a2b3c4d"  # the R&D account's Azure GUID


def organised(row, admin):
    """Give the enrollment a primary EA, a department, an account with a subscription and a
    Service Administrator, as its customer would have set them up."""
    assist_services.provision_primary_administrator(row, PRIMARY, row.start)
    db.session.commit()
    assist_services.add_department(row, "Finance")
    account = assist_services.open_account(row, "Shanghai R&D", OWNER, "Finance", row.start)
    services.add_subscription(account, SUBSCRIPTION)
    assist_services.add_administrator(row, Administrator(
        AdminRole.SERVICE_ADMINISTRATOR, "ops@alpha.partner.omschina.cn", account="Shanghai R&D",
        subscription_id=SUBSCRIPTION), row.start, admin)
    return row


def renew(client, row):
    return post_form(client, f"/enrollments/{row.id}/renewal", {},
                     token_url=f"/enrollments/{row.id}")


def test_the_new_enrollment_start_date_should_be_1_day_after_the_prior_enrollment_expires(
    client, world, active
):
    organised(active, world.admin)
    with at(date(2028, 1, 2), client, world.reseller_a_user):  # after the 90-day reminder
        response = renew(client, active)
        assert response.status_code == 302
        again = renew(client, active)
        assert again.status_code == 422 and "O9.already_renewed" in again.get_data(as_text=True)
    new = db.session.get(Enrollment, active.id).renewals[0]
    assert response.headers["Location"].endswith(f"/enrollments/{new.id}")
    assert (new.number, new.start, new.end, new.status) == ("V5700002", date(2028, 4, 1),
                                                            date(2031, 3, 31), "draft")
    assert new.renewal_of_id == active.id and new.partner_reseller_id == world.reseller_a.id
    # "All EA Administrators, accounts, departments, subscriptions etc." are transferred.
    assert [d.name for d in new.departments] == ["Finance"]
    [account] = new.accounts
    assert (account.name, account.owner, account.department.name) == ("Shanghai R&D", OWNER,
                                                                      "Finance")
    assert [s.subscription_id for s in account.subscriptions] == [SUBSCRIPTION]
    admins = sorted((a.role, a.org_id, a.primary, a.account_id, a.subscription_id)
                    for a in new.administrators)
    assert admins == [("enterprise_administrator", PRIMARY, True, None, None),
                      ("service_administrator", "ops@alpha.partner.omschina.cn", False,
                       account.id, SUBSCRIPTION)]
    assert new.documents == [] and new.orders == []  # a new agreement: signed afresh (O1)


def test_a_draft_enrollment_has_nothing_to_renew(client, world, draft):
    with at(date(2025, 3, 25), client, world.reseller_a_user):
        response = renew(client, draft)
    assert response.status_code == 422 and "O9.not_renewable" in response.get_data(as_text=True)


@pytest.fixture
def extended(world):
    """An active enrollment with the Extended Term clause; reseller A prices Compute at RMB 1
    and raises it to RMB 1.50 from 1 June 2027, during the term (price protection)."""
    row = services.create_enrollment(mainland_enterprise(world.customer_a), START,
                                     extended_term=True)
    price_meters(world.reseller_a.id, world.admin, {"Compute": "1"})
    price_meters(world.reseller_a.id, world.admin, {"Compute": "1.50"}, on=date(2027, 6, 1))
    return activate(row, world.admin)


def test_with_extended_term_clause_usage_after_expiry_is_charged_as_overage_at_the_current_price(
    world, extended
):
    with at(date(2028, 4, 10)):
        services.record_usage(extended, date(2028, 4, 10), "Compute", Decimal("100"),
                              date(2028, 4, 10), world.admin)
    [record] = extended.usage
    assert record.unit_price == Decimal("1.50")  # the current price, not the protected 1.00
    with at(date(2028, 5, 6)):  # the statement day of April's overage (O8 schedule)
        sent = dispatch_due(extended, date(2028, 5, 6), kinds={NoticeKind.OVERAGE_STATEMENT})
        db.session.commit()
    [statement] = sent
    assert statement.key.anchor == date(2028, 4, 1) and statement.amount == Decimal("150.00")
    assert [i.kind for i in extended.invoices][-1] == "overage"


def test_without_the_clause_or_once_renewed_usage_after_the_end_date_is_refused(
    world, active, extended
):
    with at(date(2028, 4, 10)), pytest.raises(CommitmentRefused) as refused:
        services.record_usage(active, date(2028, 4, 1), "Compute", Decimal("1"),
                              date(2028, 4, 10), world.admin)
    assert [p.code for p in refused.value.problems] == ["O5.usage_outside_term"]
    with at(date(2028, 3, 1)):
        assist_services.renew_enrollment(extended, date(2028, 3, 1))
    with at(date(2028, 4, 10)), pytest.raises(CommitmentRefused) as refused:
        services.record_usage(extended, date(2028, 4, 2), "Compute", Decimal("1"),
                              date(2028, 4, 10), world.admin)
    assert "renewal enrollment takes usage" in refused.value.problems[0].message


def test_services_are_terminated_90_days_after_expiry_with_the_clause_unless_renewed(
    world, extended
):
    with at(date(2028, 4, 1)):
        assert dispatch_due(extended, date(2028, 4, 1), kinds={NoticeKind.EXPIRE}) == []
    with at(date(2028, 6, 30)):  # the day after the 90 days of the Extended Term clause
        [expired] = dispatch_due(extended, date(2028, 6, 30), kinds={NoticeKind.EXPIRE})
    assert expired.due_on == date(2028, 6, 30)


def test_a_renewed_enrollment_expires_when_its_renewal_starts(world, extended):
    with at(date(2028, 3, 1)):
        assist_services.renew_enrollment(extended, date(2028, 3, 1))
    with at(date(2028, 4, 1)):
        [expired] = dispatch_due(extended, date(2028, 4, 1), kinds={NoticeKind.EXPIRE})
        db.session.commit()
    assert expired.due_on == date(2028, 4, 1) and extended.status == "expired"
