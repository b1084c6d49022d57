"""Pure rules of the partner's assistance (O6, O8), roles and Org IDs (O7), one-way
subscription conversion (O7), renewal (O9) and the Extended Term clause (O5, O8, O9).
Test names quote seed 000 where it has the words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commitments.accounts import Account
from commitments.assists import WHO, Action, action_problems, actions_for, may
from commitments.balance import UsageRecord
from commitments.conversion import Ownership, Step, confirmation_problems, conversion_problems
from commitments.enrollment import Actor, Enrollment, Status
from commitments.extended_term import extended_term_overage, usage_day_problems
from commitments.renewal import renewal_problems
from commitments.roles import (
    Administrator,
    AdminRole,
    Structure,
    administrator_problems,
    co_admin_problems,
    org_id_domain,
    org_id_problems,
)

START = date(2025, 4, 1)  # the term ends on 31 March 2028
SUBSCRIPTION = "3f2c9a7e-5b1d-4e8a-9c6f-0d7e1a2b3c4d"  # the Shanghai R&D account's GUID
ELSEWHERE = "7d1e5b3c-2a4f-4c6e-8b9d-1f0a2c3e4b5d"  # a subscription of no account here
PRIMARY = Administrator(AdminRole.ENTERPRISE_ADMINISTRATOR, "li.wei@contoso.partner.omschina.cn",
                        primary=True)
STRUCTURE = Structure(frozenset({"Finance"}), {"Shanghai R&D": frozenset({SUBSCRIPTION})},
                      (PRIMARY,))


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def enrollment(status=Status.ACTIVE, extended_term=False) -> Enrollment:
    return Enrollment("V5700001", "c1", "reseller:1", START, extended_term=extended_term,
                      status=status)


# The partner assists (O6, O8)

@pytest.mark.parametrize("action", [Action.SIGN_DOCUMENT, Action.PLACE_ORDER, Action.RENEW,
                                    Action.SUSPEND, Action.TERMINATE,
                                    Action.REQUEST_REACTIVATION])
def test_order_form_submitted_by_partners_who_assist_in_renew_suspension_termination(
    action,
):
    assert may(Actor.RESELLER, action)
    assert not may(Actor.CUSTOMER, action)


def test_the_re_active_request_will_be_completed_by_21v_support_team_only():
    assert WHO[Action.REACTIVATE] == {Actor.PROVIDER}
    assert codes(action_problems(Actor.RESELLER, Action.REACTIVATE)) == \
        ["O8.reactivation_by_provider_only"]
    assert codes(action_problems(Actor.CUSTOMER, Action.REACTIVATE)) == \
        ["O8.reactivation_by_provider_only"]
    assert action_problems(Actor.PROVIDER, Action.REACTIVATE) == []


def test_the_credit_decision_activation_and_usage_stay_with_the_provider():
    for action in (Action.RECORD_CREDIT_CHECK, Action.ACTIVATE, Action.RECORD_USAGE):
        assert codes(action_problems(Actor.RESELLER, action)) == ["O6.action_not_yours"]
    assert actions_for(None) == frozenset()


def test_customers_account_owners_add_co_admins_and_confirm_ownership_and_nothing_else():
    assert actions_for(Actor.CUSTOMER) == {Action.ADD_CO_ADMIN,
                                           Action.CONFIRM_ACCOUNT_OWNERSHIP}


# Roles and Org IDs (O7)

@pytest.mark.parametrize("org_id", ["li.wei@contoso.partner.omschina.cn",
                                    "IT@Yunshan.Partner.OmsChina.cn"])
def test_org_id_goes_with_format_of_stars_at_stars_dot_partner_omschina_cn(org_id):
    assert org_id_problems(org_id) == []
    assert org_id_domain(org_id) in {"contoso", "yunshan"}


@pytest.mark.parametrize("org_id", ["li.wei@contoso.com", "li.wei@partner.omschina.cn",
                                    "li.wei@a.b.partner.omschina.cn", "contoso.partner.omschina.cn",
                                    "li wei@contoso.partner.omschina.cn"])
def test_anything_else_is_refused_as_an_org_id_naming_the_format(org_id):
    problems = org_id_problems(org_id)
    assert codes(problems) == ["O7.invalid_org_id"]
    assert "partner.omschina.cn" in problems[0].message and problems[0].field == "org_id"


def test_more_org_ids_are_created_under_the_same_domain():
    other = Administrator(AdminRole.ENTERPRISE_ADMINISTRATOR, "x@fabrikam.partner.omschina.cn")
    same = Administrator(AdminRole.ENTERPRISE_ADMINISTRATOR, "x@contoso.partner.omschina.cn")
    assert codes(administrator_problems(other, STRUCTURE)) == ["O7.org_id_other_domain"]
    assert administrator_problems(same, STRUCTURE) == []
    assert codes(administrator_problems(PRIMARY, STRUCTURE)) == ["O7.administrator_exists"]


def test_each_role_names_what_it_manages():
    org_id = "a@contoso.partner.omschina.cn"
    no_department = Administrator(AdminRole.DEPARTMENT_ADMINISTRATOR, org_id, "Legal")
    no_account = Administrator(AdminRole.ACCOUNT_OWNER, org_id, account="Beijing")
    no_subscription = Administrator(AdminRole.SERVICE_ADMINISTRATOR, org_id,
                                    account="Shanghai R&D", subscription_id=ELSEWHERE)
    assert codes(administrator_problems(no_department, STRUCTURE)) == ["O7.department_required"]
    assert codes(administrator_problems(no_account, STRUCTURE)) == ["O7.account_required"]
    assert codes(administrator_problems(no_subscription, STRUCTURE)) == \
        ["O7.subscription_required"]
    service = Administrator(AdminRole.SERVICE_ADMINISTRATOR, org_id, account="Shanghai R&D",
                            subscription_id=SUBSCRIPTION)
    assert administrator_problems(service, STRUCTURE) == []


def test_o7_a_service_administrators_subscription_is_a_guid_in_any_case():
    org_id = "a@contoso.partner.omschina.cn"
    typo = Administrator(AdminRole.SERVICE_ADMINISTRATOR, org_id, account="Shanghai R&D",
                         subscription_id="sub-1")
    assert codes(administrator_problems(typo, STRUCTURE)) == ["O7.subscription_id_not_a_guid"]
    capitals = Administrator(AdminRole.SERVICE_ADMINISTRATOR, org_id, account="Shanghai R&D",
                             subscription_id=SUBSCRIPTION.upper())
    assert administrator_problems(capitals, STRUCTURE) == []
    held = Administrator(AdminRole.SERVICE_ADMINISTRATOR, org_id, account="Shanghai R&D",
                         subscription_id=SUBSCRIPTION)
    with_held = Structure(STRUCTURE.departments, STRUCTURE.accounts, (PRIMARY, held))
    assert codes(administrator_problems(capitals, with_held)) == ["O7.administrator_exists"]


def test_as_the_account_owner_they_can_add_other_account_owners_as_co_admin():
    owner = "owner@contoso.partner.omschina.cn"
    new = "co@contoso.partner.omschina.cn"
    assert co_admin_problems("Shanghai R&D", owner, owner, new, STRUCTURE) == []
    stranger = "someone@contoso.partner.omschina.cn"
    assert codes(co_admin_problems("Shanghai R&D", owner, stranger, new, STRUCTURE)) == \
        ["O7.co_admin_by_account_owner_only"]
    # A co-admin is an Account Owner too, so it may add the next one.
    co = Administrator(AdminRole.ACCOUNT_OWNER, new, account="Shanghai R&D")
    with_co = Structure(STRUCTURE.departments, STRUCTURE.accounts, (PRIMARY, co))
    assert co_admin_problems("Shanghai R&D", owner, new, "third@contoso.partner.omschina.cn",
                             with_co) == []


# Subscription conversion (O7)

def test_to_associate_an_existing_offer_it_requires_confirmation_of_account_ownership():
    account = Account("Shanghai R&D", "owner@contoso.partner.omschina.cn")
    invited = Ownership(account.owner, invited_on=START)
    assert invited.step is Step.OWNER_INVITED
    assert codes(conversion_problems(account, invited, "sub-1", "online_purchase", None)) == \
        ["O7.account_ownership_unconfirmed"]
    assert codes(confirmation_problems(invited, "other@contoso.partner.omschina.cn")) == \
        ["O7.not_the_account_owner"]
    assert confirmation_problems(invited, " Owner@Contoso.partner.omschina.cn ") == []
    confirmed = Ownership(account.owner, START, START)
    assert confirmed.step is Step.OWNERSHIP_CONFIRMED
    assert conversion_problems(account, confirmed, "sub-1", "trial", None) == []


def test_once_converted_to_enterprise_subscription_it_cannot_be_converted_back():
    account = Account("Shanghai R&D", "owner@contoso.partner.omschina.cn")
    confirmed = Ownership(account.owner, START, START)
    again = conversion_problems(account, confirmed, "sub-1", "online_purchase", "V5700001")
    assert codes(again) == ["O7.conversion_is_one_way"]
    assert "cannot be converted back" in again[0].message
    back = conversion_problems(account, confirmed, "sub-2", "enterprise", None)
    assert codes(back) == ["O7.conversion_is_one_way"]


# Renewal (O9) and the Extended Term clause

def test_an_enrollment_is_renewed_once_and_only_once_it_has_started():
    assert renewal_problems(enrollment(), renewed=False) == []
    assert renewal_problems(enrollment(Status.EXPIRED), renewed=False) == []
    assert codes(renewal_problems(enrollment(), renewed=True)) == ["O9.already_renewed"]
    for status in (Status.DRAFT, Status.CREDIT_CHECK, Status.TERMINATED):
        assert codes(renewal_problems(enrollment(status), renewed=False)) == \
            ["O9.not_renewable"]


def test_with_extended_term_clause_customers_can_continue_to_use_azure_services_up_to_90_days():
    clause = enrollment(extended_term=True)
    assert usage_day_problems(clause, date(2028, 3, 31), renewed=False) == []
    assert usage_day_problems(clause, date(2028, 6, 29), renewed=False) == []  # day 90
    assert codes(usage_day_problems(clause, date(2028, 6, 30), renewed=False)) == \
        ["O5.usage_outside_term"]
    assert codes(usage_day_problems(enrollment(), date(2028, 4, 1), renewed=False)) == \
        ["O5.usage_outside_term"]
    # Renewed, the new enrollment takes the usage from the day after the end date.
    assert codes(usage_day_problems(clause, date(2028, 4, 1), renewed=True)) == \
        ["O5.usage_outside_term"]


def test_usage_after_expiry_is_charged_as_overage_at_the_current_price_by_month():
    clause = enrollment(extended_term=True)
    usage = [UsageRecord(date(2028, 3, 31), Decimal("10"), Decimal("1.00")),  # in the term
             UsageRecord(date(2028, 4, 2), Decimal("10"), Decimal("1.25")),
             UsageRecord(date(2028, 4, 30), Decimal("2"), Decimal("1.25")),
             UsageRecord(date(2028, 5, 3), Decimal("1"), Decimal("1.25"))]
    assert extended_term_overage(clause, usage, renewed=False, as_of=date(2028, 5, 1)) == {
        date(2028, 4, 1): Decimal("15.00")}
    assert extended_term_overage(clause, usage, renewed=False, as_of=date(2028, 5, 31)) == {
        date(2028, 4, 1): Decimal("15.00"), date(2028, 5, 1): Decimal("1.25")}
    assert extended_term_overage(clause, usage, renewed=True, as_of=date(2028, 5, 31)) == {}
