"""O7: an Azure subscription id is its GUID in any case wherever one is given: a Service
Administrator's subscription, the subscription and usage pages, and every service that
stores one (an API or script calls them as the pages do) take only a GUID, kept in lower
case, and find a row kept in capitals before ids were kept in lower case."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from commitments.records import assist_services, services
from commitments.records.models import AccountSubscription, UsageRecord
from commitments.records.role_models import EnrollmentAdministrator
from commitments.roles import Administrator, AdminRole
from persistence import db
from tests.conftest import served
from tests.enrollments.conftest import at
from tests.enrollments.test_enrollment_races import JUNE_2, confirmed_account
from tests.enrollments.test_roles_and_conversion import post
from tests.enrollments.test_subscription_ids import GUID, refused_codes, stored

OPS = "ops@alpha.partner.omschina.cn"
OTHER = "7d1e5b3c-2a4f-4c6e-8b9d-1f0a2c3e4b5d"  # a second subscription's GUID


def service_administrators() -> list[str | None]:
    db.session.expire_all()
    return list(db.session.scalars(select(EnrollmentAdministrator.subscription_id)))


def legacy(account, subscription_id: str) -> None:
    """A row kept as typed, before ids were checked and kept in lower case."""
    db.session.add(AccountSubscription(account_id=account.id, subscription_id=subscription_id))
    db.session.commit()


def service_administrator(client, row, subscription: str):
    return post(client, row, "administrators", {
        "admin_role": AdminRole.SERVICE_ADMINISTRATOR.value, "admin_org_id": OPS,
        "admin_account": "R&D", "admin_subscription": subscription})


def test_o7_a_service_administrators_subscription_not_a_guid_is_refused_beside_it_as_typed(
        client, world, active):
    services.add_subscription(services.add_account(active, "R&D", OPS), GUID)
    with at(date(2025, 6, 1), client, world.reseller_a_user):
        typo = service_administrator(client, active, "Sub-RD-1")
    page = typo.get_data(as_text=True)
    assert typo.status_code == 422
    assert re.search(r'id="admin_subscription-err">[^<]*\(O7\.subscription_id_not_a_guid\)',
                     page)
    assert re.search(r'<input[^>]*id="admin_subscription"[^>]*value="Sub-RD-1"', page)
    assert service_administrators() == []


def test_o7_a_service_administrator_named_in_capitals_manages_the_subscription_once(
        client, world, active):
    services.add_subscription(services.add_account(active, "R&D", OPS), GUID)
    with at(date(2025, 6, 1), client, world.reseller_a_user):
        added = service_administrator(client, active, f" {GUID.upper()} ")
        again = service_administrator(client, active, GUID)
    assert added.status_code == 302
    assert service_administrators() == [GUID]
    assert again.status_code == 422
    assert "O7.administrator_exists" in again.get_data(as_text=True)


def test_o7_a_service_administrator_of_a_subscription_kept_in_capitals_is_added(
        world, active):
    legacy(services.add_account(active, "R&D", OPS), GUID.upper())
    assist_services.add_administrator(active, Administrator(
        AdminRole.SERVICE_ADMINISTRATOR, OPS, account="R&D", subscription_id=GUID),
        date(2025, 6, 1), world.admin)
    assert service_administrators() == [GUID]


def test_o7_the_services_refuse_a_subscription_id_not_a_guid_whoever_calls(world, active):
    account = confirmed_account(active, "owner@alpha.partner.omschina.cn", world.admin)
    legacy(account, "sub-rd-1")  # a Service Administrator of it would be stored as typed
    assert refused_codes(lambda: services.add_subscription(account, "sub-rd-2")) == [
        "O7.subscription_id_not_a_guid"]
    assert refused_codes(lambda: assist_services.convert_subscription(
        account, "sub-online-1", "online_purchase", JUNE_2)) == ["O7.subscription_id_not_a_guid"]
    assert refused_codes(lambda: assist_services.add_administrator(active, Administrator(
        AdminRole.SERVICE_ADMINISTRATOR, OPS, account=account.name, subscription_id="sub-rd-1"),
        date(2025, 6, 1), world.admin)) == ["O7.subscription_id_not_a_guid"]
    assert stored() == [(account.id, "sub-rd-1")]
    assert service_administrators() == []


def test_o7_the_usage_pages_find_a_subscription_by_its_id_typed_in_any_case(
        client, world, active):
    account = services.add_account(active, "R&D", OPS)
    services.add_subscription(account, GUID)
    legacy(account, OTHER.upper())
    [added, kept] = account.subscriptions
    active.usage.append(UsageRecord(used_on=date(2025, 5, 2), meter="Compute",
                                    quantity=Decimal("2.5"), unit_price=Decimal("4"),
                                    subscription=added))
    db.session.commit()
    with at(date(2025, 6, 1), client, world.reseller_a_user):
        page = client.get(f"/enrollments/{active.id}/subscriptions/{GUID.upper()}")
        capitals = client.get(f"/enrollments/{active.id}/subscriptions/{OTHER}")
        usage = served(client, f"/enrollments/{active.id}/usage.csv",
                       query_string={"subscription": GUID.upper()})
    assert page.status_code == 200 and "Usage: RMB 10.00 excl. tax" in page.get_data(as_text=True)
    assert capitals.status_code == 200 and OTHER.upper() in capitals.get_data(as_text=True)
    assert usage.status_code == 200
    assert f"-subscription-{added.id}.csv" in usage.headers["Content-Disposition"]
    assert GUID in usage.get_data(as_text=True)
    assert kept.subscription_id == OTHER.upper()
