"""K4: an existing tenant must authorise us as delegated admin; a new one needs a free domain."""

import pytest

from checkout.rules.k04_delegated_admin import check, check_record
from tests.checkout.factories import URLS, codes, context, customer, direct

LINK = "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship&partnerId=p1"


def existing(**changes):
    """An existing tenant the customer has shown to control (K11), so K4 judges it."""
    return customer(**{"tenant_mode": "existing", "tenant_id": "11111111-2222",
                       "domain_prefix": None, "domain_available": None,
                       "relationship_request_url": LINK, "tenant_verified": True, **changes})


def test_refuses_an_existing_tenant_without_delegated_admin_and_links_where_gdap_is_asked():
    (problem,) = check(context(customer=existing(delegated_admin=False, gdap_active=False,
                                                 gdap_status="none")))
    assert problem.code == "K4.delegated_admin_missing"
    assert problem.fix_url == URLS.tenant_proof  # the tenant page requests the relationship
    assert "GDAP" in problem.message


def test_refuses_a_direct_customer_with_an_existing_tenant_without_delegated_admin():
    assert codes(check(direct(customer=existing(delegated_admin=False)))) == [
        "K4.delegated_admin_missing"]


def test_refuses_when_delegated_admin_could_not_be_confirmed():
    (problem,) = check(context(customer=existing(delegated_admin=None)))
    assert problem.code == "K4.delegated_admin_unconfirmed"
    assert problem.fix_url == URLS.tenant_proof


def test_accepts_an_existing_tenant_that_authorised_delegated_admin():
    assert check(context(customer=existing(delegated_admin=True))) == []


def test_refuses_an_existing_tenant_order_without_a_tenant():
    ctx = context(customer=existing(tenant_id=None, tenant_domain=None, delegated_admin=True))
    assert codes(check(ctx)) == ["K4.tenant_missing"]


def test_accepts_a_new_tenant_with_a_free_domain_prefix():
    assert check(context()) == []


@pytest.mark.parametrize(("prefix", "available", "code"), [
    ("", True, "K4.missing_domain_prefix"),
    ("contoso-gmbh", True, "K4.invalid_domain_prefix"),
    ("contoso.onmicrosoft.com", True, "K4.invalid_domain_prefix"),
    ("contoso", False, "K4.domain_taken"),
    ("contoso", None, "K4.domain_unconfirmed"),
])
def test_refuses_a_new_tenant_without_a_free_valid_domain_prefix(prefix, available, code):
    ctx = context(customer=customer(domain_prefix=prefix, domain_available=available))
    problems = check(ctx)
    assert codes(problems) == [code]
    assert problems[0].field == "domain_prefix"


@pytest.mark.parametrize(("prefix", "code"), [
    ("", "K4.missing_domain_prefix"), ("contoso-gmbh", "K4.invalid_domain_prefix")])
def test_the_record_check_judges_the_prefix_without_partner_center(prefix, code):
    ctx = context(customer=customer(domain_prefix=prefix, domain_available=None))
    assert codes(check_record(ctx)) == [code]


def test_the_record_check_leaves_what_only_partner_center_knows_to_checkout():
    unknown = context(customer=customer(domain_prefix="contoso", domain_available=None))
    linked = context(customer=existing(delegated_admin=None))
    assert check_record(unknown) == [] and check_record(linked) == []
    assert codes(check(unknown)) == ["K4.domain_unconfirmed"]


def test_a_tenant_partner_center_does_not_list_may_also_be_mistyped():
    (problem,) = check(context(customer=existing(
        delegated_admin=False, tenant_listed=False, tenant_domain="contoso.onmicrosoft.com")))
    assert problem.code == "K4.tenant_not_listed" and problem.fix_url == LINK
    assert "contoso.onmicrosoft.com" in problem.message and "correct it" in problem.message


def test_says_nothing_about_a_tenant_the_customer_has_not_shown_to_control_k11():
    """K11 speaks for it: not even 'not listed' or 'no delegated admin' is revealed."""
    for facts in ({"delegated_admin": False}, {"tenant_listed": False}, {}):
        assert check(context(customer=existing(tenant_verified=False, **facts))) == []


APPROVAL = "https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/r1"


def test_accepts_an_active_gdap_relationship_with_the_required_roles():
    facts = existing(delegated_admin=False, gdap_active=True, gdap_status="active")
    assert check(context(customer=facts)) == []


def test_a_pending_gdap_request_links_its_approval_for_the_tenants_admin():
    facts = existing(delegated_admin=False, gdap_active=False, gdap_status="approvalPending",
                     gdap_approval_url=APPROVAL)
    (problem,) = check(context(customer=facts))
    assert problem.code == "K4.gdap_pending" and problem.fix_url == APPROVAL


def test_an_expired_relationship_is_refused_with_the_re_request_link():
    facts = existing(delegated_admin=False, gdap_active=False, gdap_status="expired")
    (problem,) = check(context(customer=facts))
    assert problem.code == "K4.gdap_expired" and problem.fix_url == URLS.tenant_proof


def test_an_active_relationship_missing_a_required_role_is_refused_and_names_it():
    facts = existing(delegated_admin=False, gdap_active=True, gdap_status="active",
                     gdap_missing_roles=("License Administrator",))
    (problem,) = check(context(customer=facts))
    assert problem.code == "K4.gdap_roles_missing" and "License Administrator" in problem.message


def test_the_dap_flag_counts_only_while_microsoft_still_reports_it():
    facts = existing(delegated_admin=True, gdap_active=False, gdap_status="none")
    assert check(context(customer=facts)) == []
