"""K9: a lite reseller orders only with a valid MPN ID and a verified MPA."""

import pytest

from accounts import models
from checkout.rules import k09_reseller_standing as k09
from checkout.rules.k09_reseller_standing import check
from tests.checkout.factories import codes, context, customer, direct, reseller


def test_allows_a_reseller_in_good_standing():
    assert check(context()) == []


def test_refuses_a_reseller_without_a_verified_mpa():
    (problem,) = check(context(reseller=reseller(mpa_verified=None)))
    assert problem.code == "K9.mpa_unverified"
    assert problem.field == "mpa"
    assert "Partner Agreement" in problem.message


def test_refuses_a_reseller_that_has_not_signed_the_mpa():
    assert codes(check(context(reseller=reseller(mpa_verified=False)))) == ["K9.mpa_not_signed"]


@pytest.mark.parametrize(("valid", "code"), [(False, "K9.mpn_invalid"),
                                             (None, "K9.mpn_unverified")])
def test_refuses_a_reseller_whose_mpn_id_is_not_confirmed_valid(valid, code):
    assert codes(check(context(reseller=reseller(mpn_valid=valid)))) == [code]


def test_reports_both_mpn_and_mpa_problems_at_once():
    ctx = context(reseller=reseller(mpn_valid=False, mpa_verified=False))
    assert codes(check(ctx)) == ["K9.mpn_invalid", "K9.mpa_not_signed"]


def test_refuses_a_reseller_order_with_no_reseller_account():
    assert codes(check(context(reseller=None))) == ["K9.reseller_unknown"]


def test_direct_orders_have_no_reseller_standing_to_check():
    assert check(direct()) == []


def test_refuses_a_reseller_microsoft_does_not_list_as_our_indirect_reseller():
    (problem,) = check(context(reseller=reseller(listed=False)))
    assert problem.code == "K9.not_indirect_reseller" and problem.field == "mpn_id"


def test_refuses_while_the_indirect_reseller_list_could_not_be_read():
    (problem,) = check(context(reseller=reseller(listed=None)))
    assert problem.code == "K9.listing_unverified"


def test_refuses_a_direct_customer_the_provider_deactivated():
    (problem,) = check(direct(customer=customer(active=False)))
    assert problem.code == "K9.customer_inactive" and problem.field == "customer"
    assert "Contoso GmbH" in problem.message and "reactivates" in problem.message


def test_allows_an_active_direct_customer():
    assert check(direct(customer=customer(active=True))) == []


def test_refuses_an_order_for_a_customer_of_a_reseller_the_provider_deactivated():
    (problem,) = check(context(reseller=reseller(active=False)))
    assert problem.code == "K9.reseller_inactive" and problem.field == "customer"
    assert "deactivated" in problem.message and "reactivates" in problem.message


def test_the_deactivation_codes_are_the_ones_the_worker_and_subscriptions_refuse_with():
    assert (k09.CUSTOMER_INACTIVE, k09.RESELLER_INACTIVE) == (models.CUSTOMER_INACTIVE,
                                                              models.RESELLER_INACTIVE)
