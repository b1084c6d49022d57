"""K11: an existing tenant is the buyer's only once control is shown; until then one
neutral problem with the page that proves it, and nothing about the tenant."""

from checkout.rules.k11_tenant_ownership import check
from tests.checkout.factories import URLS, context, customer, direct


def existing(**changes):
    return customer(**{"tenant_mode": "existing", "tenant_id": "11111111-2222",
                       "domain_prefix": None, "domain_available": None, **changes})


def test_refuses_an_unverified_existing_tenant_with_one_neutral_problem():
    (problem,) = check(context(customer=existing()))
    assert problem.code == "K11.tenant_unverified" and problem.field == "tenant_id"
    assert problem.fix_url == URLS.tenant_proof
    assert "invitation" in problem.message


def test_the_message_reveals_nothing_partner_center_knows_about_the_tenant():
    facts = existing(delegated_admin=True, tenant_listed=True,
                     qualifications=frozenset({"education"}),
                     relationship_request_url="https://example.test/dap")
    (problem,) = check(context(customer=facts))
    plain = check(context(customer=existing()))[0]
    assert problem.message == plain.message and "11111111" not in problem.message


def test_a_direct_customer_is_told_to_sign_in_with_the_tenant():
    (problem,) = check(direct(customer=existing()))
    assert "Sign in with a work account" in problem.message


def test_a_verified_tenant_passes():
    assert check(context(customer=existing(tenant_verified=True))) == []


def test_a_new_tenant_or_none_named_is_not_k11s_to_judge():
    assert check(context(customer=customer(tenant_mode="new"))) == []
    assert check(context(customer=existing(tenant_id=None, tenant_domain=None))) == []
