"""K8: each reseller order line carries the reseller's own MPN ID as partner of record."""

import pytest

from checkout.plan import partner_of_record
from checkout.rules.k08_partner_of_record import check
from tests.checkout.factories import MPN_ID, URLS, codes, context, direct, reseller


def test_a_reseller_order_is_tagged_with_that_resellers_mpn_id():
    assert partner_of_record(context()) == MPN_ID
    assert check(context()) == []


def test_two_resellers_on_one_tenant_tag_their_orders_with_their_own_ids():
    assert partner_of_record(context(reseller=reseller(mpn_id=" 5550001 "))) == "5550001"


def test_a_direct_order_has_no_partner_of_record():
    assert partner_of_record(direct()) is None
    assert check(direct()) == []


@pytest.mark.parametrize("mpn_id", [None, "", "   "])
def test_refuses_a_reseller_order_when_the_reseller_has_no_mpn_id(mpn_id):
    (problem,) = check(context(reseller=reseller(mpn_id=mpn_id)))
    assert problem.code == "K8.missing_partner_id"
    assert problem.fix_url == URLS.reseller_profile


def test_refuses_an_mpn_id_that_is_not_a_number():
    assert codes(check(context(reseller=reseller(mpn_id="MPN-48")))) == ["K8.invalid_partner_id"]
