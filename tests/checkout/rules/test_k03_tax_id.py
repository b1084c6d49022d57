"""K3: customers in the 24 listed countries give a valid organisation tax id at checkout."""

from dataclasses import replace
from datetime import date

import pytest

from checkout.context import TaxIdCountry
from checkout.rules.k03_tax_id import check, describe
from checkout.validators.tax_id import FORMATS
from tests.checkout.factories import TAX_ID_COUNTRIES, codes, context, customer

VALID = {
    "RU": "7707083893", "HU": "12892312-2-41", "AM": "02512345", "AZ": "1401555071",
    "BY": "200988541", "KZ": "123456789012", "KG": "01234567890123", "MD": "1008600038413",
    "TJ": "123456789", "UZ": "123456789", "UA": "32855961", "TH": "0994000617721",
    "VN": "0100233488", "TR": "4540536920", "PL": "856-734-62-15", "ZA": "0001339050",
    "IN": "27AAPFU0939F1ZV", "BR": "16.727.230/0001-97", "IQ": "IQ-REG 55120",
    "MM": "123456789", "SS": "SS/2021/0042", "SA": "310122393500003",
    "AE": "100123456700003", "VE": "J-00006372-9",
}
# A check digit off by one, for the countries with a published algorithm.
BAD_CHECK_DIGITS = {
    "RU": "7707083894", "HU": "12892313", "AZ": "1401555081", "BY": "200988542",
    "MD": "1008600038412", "UA": "32855968", "TH": "0994000617722", "VN": "0100233480",
    "TR": "4540536921", "PL": "8567346216", "ZA": "0001339051", "IN": "27AAPFU0939F1ZO",
    "BR": "16.727.230/0001-98", "VE": "J-00006372-8",
}
# Wrong length or characters, for the countries checked by format only.
BAD_FORMAT = {
    "AM": "0251234", "KZ": "12345678901", "KG": "0123456789012", "TJ": "12345678",
    "UZ": "1234567890", "SA": "410122393500003", "AE": "10012345670000",
    "IQ": "x" * 51, "MM": "x" * 51, "SS": "x" * 51,
}


def in_country(country: str, tax_id: str):
    return context(customer=customer(country=country, tax_id=tax_id, phone="+1 555 0100"))


def test_the_seed_lists_exactly_the_24_countries_of_the_rule():
    assert sorted(TAX_ID_COUNTRIES) == sorted(VALID)
    assert all(row.validator in FORMATS for row in TAX_ID_COUNTRIES.values())


@pytest.mark.parametrize(("country", "tax_id"), sorted(VALID.items()))
def test_accepts_a_valid_tax_id(country, tax_id):
    assert check(in_country(country, tax_id)) == []


@pytest.mark.parametrize("country", sorted(VALID))
def test_refuses_a_missing_tax_id(country):
    problems = check(in_country(country, "  "))
    assert codes(problems) == ["K3.missing_tax_id"]
    assert problems[0].field == "tax_id"
    assert "for example" in problems[0].message


@pytest.mark.parametrize(("country", "tax_id"), sorted(BAD_CHECK_DIGITS.items()))
def test_refuses_a_tax_id_with_wrong_check_digits(country, tax_id):
    assert codes(check(in_country(country, tax_id))) == ["K3.invalid_tax_id_checksum"]


@pytest.mark.parametrize(("country", "tax_id"), sorted(BAD_FORMAT.items()))
def test_refuses_a_tax_id_in_the_wrong_format(country, tax_id):
    problems = check(in_country(country, tax_id))
    assert codes(problems) == ["K3.invalid_tax_id_format"]
    assert FORMATS[TAX_ID_COUNTRIES[country].validator].example in problems[0].message


def test_accepts_the_hungarian_tax_number_in_its_short_and_prefixed_forms():
    assert check(in_country("HU", "12892312")) == []
    assert check(in_country("HU", "HU12892312")) == []


def test_refuses_a_hungarian_adoszam_whose_core_has_wrong_check_digits():
    assert codes(check(in_country("HU", "12892313-2-41"))) == ["K3.invalid_tax_id_checksum"]


def test_accepts_ukrainian_and_indian_ids_for_individuals():
    assert check(in_country("UA", "1759013776")) == []
    assert check(in_country("IN", "AAPFU0939F")) == []


def test_does_not_ask_for_a_tax_id_outside_the_listed_countries():
    assert check(context(customer=customer(tax_id=""))) == []
    assert check(context(customer=customer(tax_id="garbage"))) == []


def test_does_not_require_a_tax_id_before_the_country_required_it():
    ctx = replace(in_country("TH", ""), today=date(2021, 2, 28))
    assert check(ctx) == []
    assert codes(check(replace(ctx, today=date(2021, 3, 1)))) == ["K3.missing_tax_id"]


def test_a_country_the_admin_adds_is_checked_with_the_validator_it_names():
    added = TaxIdCountry(code="DE", name="Germany", required_from=date(2024, 1, 1),
                         validator="free_text")
    ctx = context(customer=customer(tax_id=""),
                  tax_id_countries={**TAX_ID_COUNTRIES, "DE": added})
    assert codes(check(ctx)) == ["K3.missing_tax_id"]


def test_the_form_hint_names_the_expected_format():
    assert describe("RU") == "a 10-digit INN (12 digits for individuals), for example 7707083893"



def test_a_refusal_names_the_country_the_expected_format_and_an_example_k3():
    [problem] = check(in_country("PL", "8567346216"))
    assert problem.message.startswith("This is not a valid NIP for Poland.")
    assert "check digits do not match" in problem.message and "856-734-62-15" in problem.message
    [missing] = check(in_country("PL", ""))
    assert missing.message.startswith("Customers in Poland must give their organisation's "
                                      "NIP (Polish VAT number). No tax ID was given.")
    assert "INN" not in problem.message + missing.message  # Russia's name, not Poland's


def test_a_country_row_naming_a_format_checkout_does_not_know_is_checked_by_its_own():
    """A format mistyped on the admin page before it offered a choice ("pl-nip") checks
    Polish tax IDs as Poland's own NIP instead of failing every Polish checkout."""
    typo = {**TAX_ID_COUNTRIES, "PL": replace(TAX_ID_COUNTRIES["PL"], validator="pl-nip")}
    polish = replace(in_country("PL", BAD_CHECK_DIGITS["PL"]), tax_id_countries=typo)
    assert codes(check(polish)) == ["K3.invalid_tax_id_checksum"]
    assert check(replace(polish, customer=customer(country="PL", tax_id=VALID["PL"],
                                                   phone="+1 555 0100"))) == []
    assert describe("PL", "pl-nip") == describe("PL")
