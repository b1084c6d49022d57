"""K4: an existing tenant must authorise us as delegated admin; a new one needs a free domain."""

import pytest

from checkout.rules.k04_delegated_admin import check, check_record
from tests.checkout.factories import codes, context, customer, direct

LINK = "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship&partnerId=p1"


def existing(**changes):
    return customer(**{"tenant_mode": "existing", "tenant_id": "11111111-2222",
                       "domain_prefix": None, "domain_available": None,
                       "relationship_request_url": LINK, **changes})


def test_refuses_an_existing_tenant_without_delegated_admin_and_links_the_request():
    (problem,) = check(context(customer=existing(delegated_admin=False)))
    assert problem.code == "K4.delegated_admin_missing"
    assert problem.fix_url == LINK
    assert LINK in problem.message


def test_refuses_a_direct_customer_with_an_existing_tenant_without_delegated_admin():
    assert codes(check(direct(customer=existing(delegated_admin=False)))) == [
        "K4.delegated_admin_missing"]


def test_refuses_when_delegated_admin_could_not_be_confirmed():
    (problem,) = check(context(customer=existing(delegated_admin=None)))
    assert problem.code == "K4.delegated_admin_unconfirmed"
    assert problem.fix_url == LINK


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
