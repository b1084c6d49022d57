"""Roles, Org IDs and one-way subscription conversion on the enrollment pages (O7).

Seed 000: "Customer OrgID is requested when signing the contract and this OrgID will be
provisioned in the system as primary Enterprise Administrator"; "As the Account Owner, they
can add other Account Owners as Co-Admin"; conversion "requires confirmation of account
ownership" in three steps and "is one-way only"."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from accounts.models import Role
from accounts.services import new_user
from commitments.records import assist_services
from commitments.records.models import AccountSubscription, Enrollment
from notifications.models import OutboxEmail
from persistence import db
from tests.conftest import PASSWORD, post_form
from tests.enrollments.conftest import at, mainland_enterprise, notifications

OWNER = "owner@alpha.partner.omschina.cn"
PRIMARY = "li.wei@alpha.partner.omschina.cn"
ONLINE = "0b7e4c2a-9d15-4f3b-8a6e-2c1d9f0e7a34"  # an Online Purchase subscription's GUID


@pytest.fixture
def customer_user(world):
    user = new_user("it@alpha.example", PASSWORD, Role.CUSTOMER_USER, customer=world.customer_a)
    db.session.add(user)
    db.session.commit()
    return user


def post(client, row, path: str, data: dict):
    return post_form(client, f"/enrollments/{row.id}/{path}", data,
                     token_url=f"/enrollments/{row.id}")


def add_account(client, row, name="Shanghai R&D", owner=OWNER, department=""):
    return post_form(client, f"/admin/enrollments/{row.id}/accounts",
                     {"account_name": name, "account_owner": owner,
                      "account_department": department}, token_url=f"/enrollments/{row.id}")


def test_customer_orgid_will_be_provisioned_in_the_system_as_primary_enterprise_administrator(
    admin_client, world
):
    mainland_enterprise(world.customer_a)
    bad = post_form(admin_client, "/admin/enrollments/new", {
        "customer_id": world.customer_a.id, "start": "2025-04-01", "org_id": "li.wei@alpha.com"})
    assert bad.status_code == 422 and "O7.invalid_org_id" in bad.get_data(as_text=True)
    assert db.session.scalars(select(Enrollment)).first() is None
    response = post_form(admin_client, "/admin/enrollments/new", {
        "customer_id": world.customer_a.id, "start": "2025-04-01",
        "org_id": " Li.Wei@Alpha.partner.omschina.cn"})
    assert response.status_code == 302
    row = db.session.scalars(select(Enrollment)).one()
    [admin] = row.administrators
    assert (admin.role, admin.org_id, admin.primary) == ("enterprise_administrator", PRIMARY,
                                                         True)
    page = admin_client.get(f"/enrollments/{row.id}").get_data(as_text=True)
    assert "Enterprise Administrator" in page and PRIMARY in page


def test_the_partner_sets_up_departments_department_administrators_and_service_administrators(
    client, world, active
):
    assist_services.provision_primary_administrator(active, PRIMARY, date(2025, 4, 1))
    db.session.commit()
    with at(date(2025, 6, 1), client, world.reseller_a_user):
        assert post(client, active, "departments", {"department_name": "Finance"}).status_code \
            == 302
        assert add_account(client, active, department="Finance").status_code == 302
        assert post(client, active, "administrators", {
            "admin_role": "department_administrator",
            "admin_org_id": "fin@alpha.partner.omschina.cn",
            "admin_department": "Finance"}).status_code == 302
        elsewhere = post(client, active, "administrators", {
            "admin_role": "enterprise_administrator",
            "admin_org_id": "x@fabrikam.partner.omschina.cn"})
        assert elsewhere.status_code == 422
        assert "O7.org_id_other_domain" in elsewhere.get_data(as_text=True)
        no_department = post(client, active, "administrators", {
            "admin_role": "department_administrator",
            "admin_org_id": "y@alpha.partner.omschina.cn"})
        assert "O7.department_required" in no_department.get_data(as_text=True)
    account = active.accounts[0]
    assert account.department.name == "Finance"
    roles = sorted((a.role, a.org_id) for a in active.administrators)
    assert roles == [("department_administrator", "fin@alpha.partner.omschina.cn"),
                     ("enterprise_administrator", PRIMARY)]


def test_as_the_account_owner_they_can_add_other_account_owners_as_co_admin(
    client, browser, world, active, customer_user
):
    with at(date(2025, 6, 1), client, world.reseller_a_user):
        add_account(client, active)
    account = active.accounts[0]
    owner_browser = browser()
    with at(date(2025, 6, 2), owner_browser, customer_user):
        refused = post(owner_browser, active, "co-admins", {
            "co_admin_account": account.id,
            "co_admin_added_by": "someone@alpha.partner.omschina.cn",
            "co_admin_org_id": "co@alpha.partner.omschina.cn"})
        assert refused.status_code == 422
        assert "O7.co_admin_by_account_owner_only" in refused.get_data(as_text=True)
        added = post(owner_browser, active, "co-admins", {
            "co_admin_account": account.id, "co_admin_added_by": OWNER,
            "co_admin_org_id": "co@alpha.partner.omschina.cn"})
        assert added.status_code == 302
    db.session.expire_all()
    [co] = db.session.get(Enrollment, active.id).administrators
    assert (co.role, co.org_id, co.added_by, co.account_id) == (
        "account_owner", "co@alpha.partner.omschina.cn", OWNER, account.id)


def test_conversion_requires_confirmation_of_account_ownership_in_the_seeds_three_steps(
    client, browser, world, active, customer_user
):
    with at(date(2025, 6, 1), client, world.reseller_a_user):
        # Step 1: the Org ID is added as an account owner.
        assert add_account(client, active).status_code == 302
        # Step 2: the owner "will receive a notification that they have been invited".
        invite = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == OWNER)).one()
        assert "activate your account" in invite.subject
        assert notifications(customer_user) == 1
        account = active.accounts[0]
        early = post(client, active, "conversions", {
            "convert_account": account.id, "convert_subscription_id": ONLINE,
            "from_offer": "online_purchase", "confirm": "yes"})
        assert early.status_code == 422
        assert "O7.account_ownership_unconfirmed" in early.get_data(as_text=True)
    owner = browser()
    with at(date(2025, 6, 2), owner, customer_user):
        wrong = post(owner, active, "ownership", {"owner_account": account.id,
                                                   "owner_org_id": PRIMARY})
        assert "O7.not_the_account_owner" in wrong.get_data(as_text=True)
        # Step 3: "Confirm Account Ownership by signing into the Enterprise Portal".
        assert post(owner, active, "ownership", {"owner_account": account.id,
                                                  "owner_org_id": OWNER}).status_code == 302
        page = owner.get(f"/enrollments/{active.id}").get_data(as_text=True)
        assert "Step 3: ownership confirmed" in page
    db.session.expire_all()
    with at(date(2025, 6, 3), client, world.reseller_a_user):
        data = {"convert_account": account.id, "convert_subscription_id": ONLINE,
                "from_offer": "online_purchase"}
        asked = post(client, active, "conversions", data)  # the one-way step is confirmed first
        assert asked.status_code == 422 and "one-way" in asked.get_data(as_text=True)
        assert post(client, active, "conversions", {**data, "confirm": "yes"}).status_code == 302
        again = post(client, active, "conversions", {**data, "from_offer": "trial",
                                                     "confirm": "yes"})
        assert again.status_code == 422
        assert "O7.conversion_is_one_way" in again.get_data(as_text=True)
    [converted] = db.session.scalars(select(AccountSubscription)).all()
    assert (converted.subscription_id, converted.converted_from, converted.converted_on) == (
        ONLINE, "online_purchase", date(2025, 6, 3))
