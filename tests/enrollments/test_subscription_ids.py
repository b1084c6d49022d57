"""O7: an Azure subscription is named by its GUID, in any case, and belongs to one enrollment
account: the pages take only a GUID, kept in lower case, and an id another account holds
(added or converted, stored in capitals before ids were kept in lower case) is refused, so
its usage is never counted or billed twice."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from commitments.problems import CommitmentRefused
from commitments.records import assist_services, services
from commitments.records.models import AccountSubscription
from persistence import db
from tests.conftest import login
from tests.enrollments.conftest import (
    ENTERPRISE_CODES,
    START,
    at,
    mainland_enterprise,
    post_action,
)
from tests.enrollments.test_enrollment_races import JUNE_2, confirmed_account
from tests.enrollments.test_roles_and_conversion import post

GUID = "3f2c9a7e-5b1d-4e8a-9c6f-0d7e1a2b3c4d"


def stored() -> list[tuple[int, str]]:
    db.session.expire_all()
    return db.session.execute(
        select(AccountSubscription.account_id, AccountSubscription.subscription_id)
        .order_by(AccountSubscription.id)).tuples().all()


def refused_codes(add) -> list[str]:
    with pytest.raises(CommitmentRefused) as refused:
        add()
    return [p.code for p in refused.value.problems]


@pytest.fixture
def other_enrollment(world):
    """A draft enrollment of reseller B's customer, with an account."""
    customer = mainland_enterprise(world.customer_b, ENTERPRISE_CODES[1])
    row = services.create_enrollment(customer, START)
    return row, services.add_account(row, "Ops", "ops@beta.partner.omschina.cn")


def test_o7_a_subscription_id_not_a_guid_is_refused_and_a_guid_kept_in_lower_case(
        client, world, active):
    account = services.add_account(active, "R&D", "rd@alpha.partner.omschina.cn")
    login(client, world.admin)
    typo = post_action(client, active, "subscriptions", {"account_id": account.id,
                                                         "subscription_id": "sub-rd-1"})
    assert typo.status_code == 422
    assert "O7.subscription_id_not_a_guid" in typo.get_data(as_text=True)
    added = post_action(client, active, "subscriptions", {
        "account_id": account.id, "subscription_id": f"  {GUID.upper()} "})
    assert added.status_code == 302
    assert stored() == [(account.id, GUID)]


def test_o7_a_subscription_id_not_a_guid_is_not_converted(client, world, active):
    account = services.add_account(active, "R&D", "rd@alpha.partner.omschina.cn")
    with at(JUNE_2, client, world.reseller_a_user):
        typo = post(client, active, "conversions", {
            "convert_account": account.id, "convert_subscription_id": "sub-online-1",
            "from_offer": "online_purchase", "confirm": "yes"})
    assert typo.status_code == 422
    assert "O7.subscription_id_not_a_guid" in typo.get_data(as_text=True)


def test_o7_a_subscription_another_enrollment_holds_in_capitals_is_not_added_again(
        world, active, other_enrollment):
    rd = services.add_account(active, "R&D", "rd@alpha.partner.omschina.cn")
    # Kept as typed, before ids were kept in lower case.
    db.session.add(AccountSubscription(account_id=rd.id, subscription_id=GUID.upper()))
    db.session.commit()
    row, ops = other_enrollment
    assert refused_codes(lambda: services.add_subscription(ops, GUID)) == [
        "O7.subscription_already_enrolled"]
    services.add_subscription(rd, f" {GUID} ")  # the account holds it already: kept once
    assert stored() == [(rd.id, GUID.upper())]


def test_o7_a_subscription_added_is_not_converted_into_another_enrollment_in_capitals(
        world, active, other_enrollment):
    services.add_subscription(services.add_account(active, "R&D", "rd@alpha.partner.omschina.cn"),
                              GUID)
    row, _ = other_enrollment
    account = confirmed_account(row, "owner@beta.partner.omschina.cn", world.admin)
    assert refused_codes(lambda: assist_services.convert_subscription(
        account, GUID.upper(), "online_purchase", date(2025, 6, 3))) == [
        "O7.conversion_is_one_way"]
    assert [held for _, held in stored()] == [GUID]


def test_o7_o9_a_subscription_added_after_the_renewal_was_drafted_may_join_the_renewal(
        world, active):
    old_account = services.add_account(active, "R&D", "rd@alpha.partner.omschina.cn")
    with at(date(2028, 3, 1)):
        renewal = assist_services.renew_enrollment(active, date(2028, 3, 1))
    services.add_subscription(old_account, GUID.upper())  # after the renewal's draft
    [carried] = renewal.accounts
    services.add_subscription(carried, GUID)  # O9: the next enrollment of the same customer
    assert sorted(stored()) == sorted([(old_account.id, GUID), (carried.id, GUID)])
