"""The tax ID is named as the customer's country names it: NIP in Poland, CNPJ in Brazil,
INN in Russia; on the customer form (for the saved country, and for each country the
script can switch to) and in K3's refusals. "INN" is Russia's word, never Poland's."""

from __future__ import annotations

import json
import re
from html import unescape

import pycountry
import pytest

from checkout.validators.tax_id_names import GENERIC, tax_id_name
from persistence import db
from tests.conftest import login, post_form
from tests.ux.orders import refused_polish_order


@pytest.mark.parametrize(("country", "name"), [
    ("PL", "NIP"), ("BR", "CNPJ"), ("RU", "INN"), ("AE", "TRN"), ("DE", "USt-IdNr."),
    ("AU", "ABN"), ("IN", "GSTIN"), ("MX", "RFC"), ("BY", "UNP"), ("UA", "EDRPOU"),
    ("TR", "VKN"), ("KZ", "BIN")])
def test_each_country_names_its_tax_id_as_its_people_do(country, name):
    assert tax_id_name(country).short == name


def test_the_name_follows_the_validator_checkout_uses_for_the_country():
    assert tax_id_name("TH", "th.tin").label == "TIN (Thailand Taxpayer Identification Number)"
    assert tax_id_name("IN", "in.gstin").label == "GSTIN (Indian VAT number)"


def test_no_countrys_label_nests_parentheses():
    """stdnum's "United Kingdom (and Isle of Man) VAT registration number" made the label
    "VAT (United Kingdom (and Isle of Man) VAT registration number)"."""
    nested = {country.alpha_2: tax_id_name(country.alpha_2).label
              for country in pycountry.countries
              if tax_id_name(country.alpha_2).label.count("(") > 1}
    assert nested == {}
    assert tax_id_name("GB").label == "VAT number (UK VAT registration number)"


def test_a_country_without_a_known_number_keeps_the_plain_label():
    assert tax_id_name("IQ") == tax_id_name("") == GENERIC


def tax_id_label(page: str) -> str:
    return unescape(re.search(r'<label for="tax_id">([^<]*)</label>', page)[1])


def test_a_polish_customers_form_asks_for_the_nip(client, world):
    customer = world.customer_a
    customer.country = "PL"
    db.session.commit()
    login(client, world.reseller_a_user)
    page = client.get(f"/customers/{customer.id}/edit").get_data(as_text=True)
    assert tax_id_label(page) == "NIP (Polish VAT number)"


def test_the_form_carries_every_countrys_label_for_the_script(client, world):
    login(client, world.reseller_a_user)
    page = client.get("/customers/new").get_data(as_text=True)
    assert tax_id_label(page) == "Organization tax ID"  # no country chosen yet
    labels = json.loads(unescape(re.search(r'data-tax-id-labels="([^"]*)"', page)[1]))
    assert {code: labels[code].split(" (")[0] for code in ("PL", "BR", "RU", "AE", "DE")} == {
        "PL": "NIP", "BR": "CNPJ", "RU": "INN", "AE": "TRN", "DE": "USt-IdNr."}


def test_a_submitted_country_names_the_field_on_the_refused_form(client, world):
    login(client, world.reseller_a_user)
    page = post_form(client, "/customers/new", {"country": "BR"}).get_data(as_text=True)
    assert tax_id_label(page) == "CNPJ (Brazilian company identifier)"


def test_a_bad_nip_is_refused_as_a_nip_never_as_an_inn_k3(client, world):
    response = refused_polish_order(client, world, tax_id="8567346216")
    page = response.get_data(as_text=True)
    problem = re.search(r'data-code="K3\.invalid_tax_id_checksum">(.*?)</p>', page, re.S)[1]
    assert response.status_code == 422
    assert "This is not a valid NIP for Poland." in problem and "INN" not in problem


def test_a_missing_nip_is_asked_for_by_name_on_the_customers_page_k3(client, world):
    customer = world.customer_a
    customer.country, customer.postal_code, customer.tax_id = "PL", "00-850", ""
    db.session.commit()
    login(client, world.reseller_a_user)
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Customers in Poland must give their organisation&#39;s NIP (Polish VAT number)." \
        in page
    assert "INN" not in page
