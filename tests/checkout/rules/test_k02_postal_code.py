"""K2: the postal code must be valid for the country, matched in full; none is asked where
the country has no postal codes."""

import pytest

from checkout.rules.k02_postal_code import check
from checkout.validators.address import postal_code_to_send, requirements
from tests.checkout.factories import URLS, codes, context, customer

GOOD = [
    ("US", "CA", "94043"), ("US", "CA", "94043-1351"), ("GB", "", "SW1A 1AA"),
    ("GB", "", "sw1a1aa"), ("GB", "", " EC1Y  8SY "), ("DE", "", "10117"),
    ("JP", "Tokyo", "100-0001"), ("JP", "Tokyo", "1000001"), ("BR", "SP", "01310-100"),
    ("BR", "SP", "01310100"), ("RU", "Moskva", "101000"), ("IE", "", "D02 X285"),
]
BAD = [
    ("US", "9404"), ("GB", "12345"), ("DE", "1011"), ("JP", "100-00012"), ("BR", "0131-100"),
    ("RU", "10100"),
]
TRAILING_JUNK = [
    ("US", "94043 x"), ("GB", "SW1A 1AA garbage"), ("DE", "10117a"), ("JP", "100-0001-"),
    ("BR", "01310-100 SP"), ("RU", "1010001"),
]


@pytest.mark.parametrize(("country", "region", "postal_code"), GOOD)
def test_accepts_a_valid_postal_code(country, region, postal_code):
    ctx = context(customer=customer(country=country, region=region, postal_code=postal_code))
    assert check(ctx) == []


@pytest.mark.parametrize(("country", "postal_code"), BAD + TRAILING_JUNK)
def test_refuses_an_invalid_postal_code(country, postal_code):
    problems = check(context(customer=customer(country=country, postal_code=postal_code)))
    assert codes(problems) == ["K2.invalid_postal_code"]
    assert problems[0].field == "postal_code"
    assert problems[0].fix_url == URLS.customer_edit + "#postal_code"


def test_the_message_gives_an_example_of_a_valid_code():
    (problem,) = check(context(customer=customer(postal_code="1011")))
    assert "1011" in problem.message
    assert "26133" in problem.message


def test_the_message_names_the_country():
    (problem,) = check(context(customer=customer(country="PL", postal_code="30-0011")))
    assert "not a valid postal code for Poland." in problem.message


def test_does_not_judge_a_postal_code_that_was_not_given():
    assert check(context(customer=customer(postal_code=""))) == []


@pytest.mark.parametrize("country", ["AE", "HK", "SS", "JM"])
def test_ignores_a_postal_code_where_the_country_has_none(country):
    assert requirements(country).postal == "none"
    assert check(context(customer=customer(country=country, postal_code="ANY 123"))) == []
    assert postal_code_to_send(country, "ANY 123") == ""


def test_ireland_offers_an_optional_postal_code_that_must_be_valid_when_given():
    assert requirements("IE").postal == "optional"
    bad = context(customer=customer(country="IE", postal_code="XXXXXX"))
    assert codes(check(bad)) == ["K2.invalid_postal_code"]


def test_sends_the_normalised_postal_code():
    assert postal_code_to_send("GB", "  sw1a   1aa ") == "SW1A 1AA"


@pytest.mark.parametrize(("region", "postal_code", "fits"), [
    ("CA", "94105", True), ("California", "94105", True), ("NY", "94105", False),
    ("NY", "10001", True), ("Narnia", "94105", True)])  # an unknown state is K1's problem
def test_k2_a_us_zip_must_be_its_states(region, postal_code, fits):
    ctx = context(customer=customer(country="US", region=region, city="Town",
                                    postal_code=postal_code))
    assert (codes(check(ctx)) == ["K2.postal_code_outside_region"]) != fits
