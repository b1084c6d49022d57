"""The K3 and K10 lists are admin-editable data that checkout reads."""

from sqlalchemy import select

from catalog import country_lists
from catalog.models import CountryListEntry
from persistence import db
from tests.conftest import csrf_token, login, post_form


def test_lists_are_seeded_from_config_once(app):
    country_lists.ensure_seeded()
    country_lists.ensure_seeded()
    assert len(country_lists.tax_id_countries()) == 24
    blocked = country_lists.reservation_blocked_markets()
    assert {"GL", "XK", "BQ", "SJ", "CD", "SZ"} <= blocked and "DE" not in blocked


def test_admin_adds_a_market_to_k10_and_it_is_blocked(client, world):
    login(client, world.admin)
    response = post_form(client, "/admin/country-lists", {"list_name": "k10", "code": "DE"})
    assert response.status_code == 302
    assert "DE" in country_lists.reservation_blocked_markets()
    again = post_form(client, "/admin/country-lists", {"list_name": "k10", "code": "DE"})
    assert again.status_code == 422 and "already on that list" in again.get_data(as_text=True)


def test_a_k3_entry_needs_its_start_date(client, world):
    login(client, world.admin)
    response = post_form(client, "/admin/country-lists", {"list_name": "k3", "code": "FR"})
    assert response.status_code == 422
    assert "FR" not in country_lists.tax_id_countries()


def test_admin_removes_poland_from_k3(client, world):
    login(client, world.admin)
    client.get("/admin/country-lists")
    entry = db.session.scalar(select(CountryListEntry).filter_by(list_name="k3", code="PL"))
    client.post(f"/admin/country-lists/{entry.id}/delete",
                data={"csrf_token": csrf_token(client, "/admin/country-lists"), "confirm": "yes"})
    assert "PL" not in country_lists.tax_id_countries()


def test_k3_a_format_is_chosen_from_those_checkout_knows(client, world):
    login(client, world.admin)
    page = client.get("/admin/country-lists").get_data(as_text=True)
    assert '<option value="pl.nip">pl.nip: a 10-digit NIP</option>' in page
    typed = post_form(client, "/admin/country-lists", {
        "list_name": "k3", "code": "FR", "required_from": "2027-01-01", "validator": "fr-tva"})
    assert typed.status_code == 422
    assert "Choose one of the listed formats" in typed.get_data(as_text=True)
    assert "FR" not in country_lists.tax_id_countries()
    chosen = post_form(client, "/admin/country-lists", {
        "list_name": "k3", "code": "FR", "required_from": "2027-01-01", "validator": "free_text"})
    assert chosen.status_code == 302
    assert country_lists.tax_id_countries()["FR"].validator == "free_text"


def test_k3_a_stored_format_checkout_does_not_know_is_flagged_to_the_admin(client, world):
    login(client, world.admin)
    client.get("/admin/country-lists")  # seeds the lists
    entry = db.session.scalar(select(CountryListEntry).filter_by(list_name="k3", code="PL"))
    entry.validator = "pl-nip"  # typed before the page offered a choice
    db.session.commit()
    page = client.get("/admin/country-lists").get_data(as_text=True)
    assert "Unknown format &#39;pl-nip&#39;: checkout uses the country&#39;s own (a 10-digit NIP" \
        in page
