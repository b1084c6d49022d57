"""K5: the current Microsoft Customer Agreement is accepted (direct) or confirmed (reseller)."""

from checkout.context import McaFacts
from checkout.rules.k05_mca import check
from tests.checkout.factories import URLS, codes, context, direct


def mca(accepted="2024-01", confirmed=False, required="2024-01"):
    return McaFacts(required_version=required, accepted_version=accepted,
                    confirmed_by_reseller=confirmed)


def test_accepts_a_direct_customer_that_accepted_the_current_version():
    assert check(direct(mca=mca())) == []


def test_refuses_a_direct_customer_that_never_accepted_it():
    (problem,) = check(direct(mca=mca(accepted=None)))
    assert problem.code == "K5.mca_not_accepted"
    assert problem.fix_url == URLS.mca
    assert problem.field == "mca"


def test_refuses_a_direct_customer_that_accepted_an_older_version():
    (problem,) = check(direct(mca=mca(accepted="2023-06")))
    assert problem.code == "K5.mca_outdated"
    assert "2024-01" in problem.message


def test_accepts_a_reseller_that_confirmed_its_customer_accepted_the_current_version():
    assert check(context(mca=mca(confirmed=True))) == []


def test_refuses_a_reseller_that_has_not_confirmed_even_if_the_customer_accepted():
    assert codes(check(context(mca=mca(confirmed=False)))) == ["K5.mca_not_confirmed"]


def test_refuses_a_reseller_whose_confirmation_is_for_an_older_version():
    assert codes(check(context(mca=mca(accepted="2023-06", confirmed=True)))) == [
        "K5.mca_outdated"]
