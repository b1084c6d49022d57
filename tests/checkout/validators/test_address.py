"""Address requirements come from Google's address data; postal codes are matched in full."""

import pycountry
import pytest

from checkout.validators.address import (
    is_known_country,
    is_valid_postal_code,
    normalise_postal_code,
    requirements,
)

ALL_CODES = [country.alpha_2 for country in pycountry.countries] + ["XK"]


def test_every_published_example_postal_code_passes_the_full_match():
    failures = [(code, example) for code in ALL_CODES
                for example in requirements(code).postal_examples
                if not is_valid_postal_code(code, example)]
    assert failures == []


@pytest.mark.parametrize(("country", "postal"), [
    ("DE", "required"), ("US", "required"), ("IE", "optional"), ("AE", "none"), ("HK", "none"),
])
def test_says_whether_a_country_requires_offers_or_has_no_postal_code(country, postal):
    assert requirements(country).postal == postal


def test_knows_the_required_parts_of_an_address_per_country():
    assert requirements("US").required == {"address_line1", "city", "region", "postal_code"}
    assert requirements("DE").required == {"address_line1", "city", "postal_code"}


@pytest.mark.parametrize("code", ["XK", "de", "GL"])
def test_knows_iso_countries_and_kosovo(code):
    assert is_known_country(code)


@pytest.mark.parametrize("code", ["", "ZZ", "DEU", "../x", "Deutschland"])
def test_does_not_know_anything_else(code):
    assert not is_known_country(code)
    with pytest.raises(ValueError):
        requirements(code)


def test_normalises_case_and_spaces():
    assert normalise_postal_code("  sw1a \t 1aa ") == "SW1A 1AA"
