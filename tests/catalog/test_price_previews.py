"""A markup or price change shows its effect before it is saved, and the save applies
exactly what was previewed or refuses (#20 point 3; catalog/price_changes.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from catalog.models import Price, ResellerMarkup
from catalog.price_changes import Adjustment
from persistence import db
from tests.catalog.previews import fingerprint_of, preview_then_save
from tests.conftest import login, make_price, post_form


def rows_of(html: str) -> dict[str, tuple[str, str, str]]:
    """The preview table: price id → (now, after, difference) as shown."""
    found = re.findall(r'<tr data-price-id="(\d+)">.*?<td class="num" data-old>([^<]*)</td>'
                       r'<td class="num" data-new>([^<]*)</td>\s*'
                       r'<td class="num" data-difference>([^<]*)</td>', html, re.S)
    return {price_id: (old, new, diff) for price_id, old, new, diff in found}


def markup_of(world):
    return {m.product_id: m.markup_percent for m in db.session.scalars(
        select(ResellerMarkup).filter_by(reseller_id=world.reseller_a.id))}


@pytest.fixture
def admin(client, world):
    login(client, world.admin)
    return client


def test_a_markup_preview_shows_each_price_old_and_new_and_saves_nothing(admin, world):
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    preview = post_form(admin, url, {"product_id": "", "markup_percent": "10"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 of 1 price changes" in html
    # Without a markup the reseller pays retail (ERP 12.50); cost 10.00 + 10 % is 11.00.
    assert rows_of(html) == {str(world.price.id): ("$12.50", "$11.00", "-$1.50")}
    assert "per license per month · excl. tax" in html
    assert markup_of(world) == {}  # nothing saved by the preview


def test_saving_a_markup_applies_exactly_the_previewed_prices(admin, world):
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    saved = preview_then_save(admin, url, {"product_id": "", "markup_percent": "10"})
    assert saved.status_code == 302
    assert markup_of(world) == {None: Decimal("10")}
    # The preview of the same markup now changes nothing.
    again = post_form(admin, url, {"product_id": "", "markup_percent": "10"})
    assert "0 of 1 price changes" in again.get_data(as_text=True)


def test_a_stale_markup_preview_refuses_and_shows_the_new_effect(admin, world):
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    data = {"product_id": "", "markup_percent": "10"}
    previewed = fingerprint_of(post_form(admin, url, data).get_data(as_text=True))
    world.price.unit_price = Decimal("11.00")  # a price list import in between
    db.session.commit()
    refused = post_form(admin, url, {**data, "fingerprint": previewed})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "changed after the preview was made" in html and "nothing was saved" in html
    assert markup_of(world) == {}
    # The page shows the new effect (11.00 + 10 % = 12.10) with a fresh fingerprint.
    assert rows_of(html)[str(world.price.id)] == ("$12.50", "$12.10", "-$0.40")
    assert fingerprint_of(html) != previewed


def test_a_product_markup_previews_only_that_products_prices(admin, world):
    other = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", cost="30",
                       erp="36")
    db.session.commit()
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    html = post_form(admin, url, {"product_id": str(other.sku.product_id),
                                  "markup_percent": "5"}).get_data(as_text=True)
    assert rows_of(html) == {str(other.id): ("$36.00", "$31.50", "-$4.50")}


def test_a_retail_price_edit_is_previewed_then_saved(admin, world):
    url = f"/admin/catalog/prices/{world.price.id}"
    preview = post_form(admin, url, {"retail_price": "13.49"}, token_url="/admin/catalog")
    assert rows_of(preview.get_data(as_text=True)) == {
        str(world.price.id): ("$12.50", "$13.49", "+$0.99")}
    db.session.refresh(world.price)
    assert world.price.retail_price is None
    previewed = fingerprint_of(preview.get_data(as_text=True))
    post_form(admin, url, {"retail_price": "13.49", "fingerprint": previewed},
              token_url="/admin/catalog")
    db.session.refresh(world.price)
    assert world.price.retail_price == Decimal("13.49")


def test_a_retail_price_changed_by_someone_else_after_the_preview_is_not_overwritten(
        admin, world):
    url = f"/admin/catalog/prices/{world.price.id}"
    preview = post_form(admin, url, {"retail_price": "13.49"}, token_url="/admin/catalog")
    world.price.retail_price = Decimal("14.00")  # another admin's save in between
    db.session.commit()
    refused = post_form(admin, url, {"retail_price": "13.49", "fingerprint": fingerprint_of(
        preview.get_data(as_text=True))}, token_url="/admin/catalog")
    assert refused.status_code == 409
    db.session.refresh(world.price)
    assert world.price.retail_price == Decimal("14.00")


@pytest.mark.parametrize(("typed", "problem"), [
    ("13,50", "“13,50” is not a number: use a dot for decimals: 13.50."),
    ("abc", "“abc” is not a number: write it like 12.50, with a dot for decimals and no "
            "currency sign or spaces."),
    ("-1", "must be from 0 to 9,999,999,999.99; leave it empty to use Microsoft's ERP "
           "price."),
    ("sNaN", "“sNaN” is not a number"),  # NumberRange could not compare it: a 500
])
def test_a_bad_retail_price_is_refused_in_its_row_with_what_was_typed(admin, world, typed,
                                                                     problem):
    product_id = world.price.sku.product_id
    answer = post_form(admin, f"/admin/catalog/prices/{world.price.id}",
                       {"retail_price": typed}, token_url=f"/admin/catalog/{product_id}")
    assert answer.status_code == 422
    page = unescape(answer.get_data(as_text=True))
    assert ("Retail price of Microsoft 365 Business Standard, 1 month, billed monthly "
            f"(US USD): {problem}") in page
    assert f'id="retail-{world.price.id}" value="{typed}"' in page
    assert 'value="Microsoft 365 Business Standard"' in page  # the product form is intact
    db.session.refresh(world.price)
    assert world.price.retail_price is None


def test_a_bad_markup_is_refused_with_how_to_write_it(admin, world):
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    for typed, problem in (("12,5", "use a dot for decimals: 12.5"),
                           ("NaN", "“NaN” is not a number")):
        answer = post_form(admin, url, {"product_id": "", "markup_percent": typed})
        assert answer.status_code == 422
        assert problem in unescape(answer.get_data(as_text=True))
    assert markup_of(world) == {}


def test_a_bulk_edit_previews_and_saves_every_chosen_products_prices(admin, world):
    second = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", cost="30",
                        erp="36")
    untouched = make_price(title="Dynamics 365 Sales", product_id="CFQ7TTC0LH18", cost="80",
                           erp="95")
    db.session.commit()
    data = {"product_id": [str(world.price.sku.product_id), str(second.sku.product_id)],
            "kind": "percent", "value": "10", "market": ""}
    preview = post_form(admin, "/admin/catalog/prices/bulk", data, token_url="/admin/catalog")
    assert rows_of(preview.get_data(as_text=True)) == {
        str(world.price.id): ("$12.50", "$13.75", "+$1.25"),
        str(second.id): ("$36.00", "$39.60", "+$3.60")}
    saved = preview_then_save(admin, "/admin/catalog/prices/bulk", data,
                              token_url="/admin/catalog")
    assert saved.status_code == 302
    for price in (world.price, second, untouched):
        db.session.refresh(price)
    assert (world.price.retail_price, second.retail_price, untouched.retail_price) == (
        Decimal("13.75"), Decimal("39.60"), None)


def test_a_bulk_edit_only_in_one_market(admin, world):
    poland = Price(sku=world.price.sku, term_duration="P1M", billing_cycle="monthly",
                   market="PL", currency="PLN", unit_price=Decimal("40"),
                   erp_price=Decimal("50"))  # the same plan, another market
    db.session.add(poland)
    db.session.commit()
    data = {"product_id": str(world.price.sku.product_id), "kind": "fixed", "value": "-2.50",
            "market": "pl"}
    html = post_form(admin, "/admin/catalog/prices/bulk", data,
                     token_url="/admin/catalog").get_data(as_text=True)
    assert list(rows_of(html)) == [str(poland.id)]


def test_a_bulk_edit_without_a_product_or_a_value_says_what_is_missing(admin, world):
    nothing = post_form(admin, "/admin/catalog/prices/bulk",
                        {"kind": "percent", "value": "10"}, token_url="/admin/catalog")
    assert nothing.status_code == 422
    page = nothing.get_data(as_text=True)
    assert "Products: tick at least one product in the list below." in page
    assert 'name="value" value="10"' in page  # what was typed is kept
    no_value = post_form(admin, "/admin/catalog/prices/bulk",
                         {"product_id": str(world.price.sku.product_id), "kind": "percent",
                          "value": ""}, token_url="/admin/catalog")
    assert no_value.status_code == 422
    assert "By: Enter the change" in no_value.get_data(as_text=True)
    both = post_form(admin, "/admin/catalog/prices/bulk", {"kind": "percent", "value": "x"},
                     token_url="/admin/catalog").get_data(as_text=True)
    assert "Products: tick at least one" in both and "By: “x” is not a number" in unescape(both)


def test_a_refused_bulk_edit_keeps_the_ticks_the_change_the_market_and_the_list(admin,
                                                                               world):
    make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", family="microsoft365",
               cost="30", erp="36")
    db.session.commit()
    product_id = world.price.sku.product_id
    answer = post_form(admin, "/admin/catalog/prices/bulk", {
        "product_id": str(product_id), "kind": "fixed", "value": "2,50", "market": "us",
        "q": "microsoft", "family": "office365_business", "page": "1"},
        token_url="/admin/catalog")
    assert answer.status_code == 422
    page = unescape(answer.get_data(as_text=True))
    assert "By: “2,50” is not a number: use a dot for decimals: 2.50" in page
    assert re.search(rf'value="{product_id}" form="bulk-prices" [^>]*checked', page)
    assert 'name="value" value="2,50"' in page and 'name="market" value="us"' in page
    assert '<option value="fixed" selected>' in page
    # The list as it was filtered: E3 is no Business plan, and the filters stay set.
    assert "Microsoft 365 E3" not in page and 'name="q" value="microsoft"' in page
    assert '<option value="office365_business" selected>' in page


def test_a_saved_bulk_edit_returns_to_the_list_as_it_was_filtered(admin, world):
    data = {"product_id": str(world.price.sku.product_id), "kind": "percent", "value": "10",
            "market": "", "q": "business", "segment": "commercial", "page": "2"}
    preview = post_form(admin, "/admin/catalog/prices/bulk", data, token_url="/admin/catalog")
    cancel = "/admin/catalog?q=business&amp;segment=commercial&amp;page=2"
    assert f'href="{cancel}">Cancel' in preview.get_data(as_text=True)
    saved = preview_then_save(admin, "/admin/catalog/prices/bulk", data,
                              token_url="/admin/catalog")
    assert saved.status_code == 302
    assert saved.location.endswith("/admin/catalog?q=business&segment=commercial&page=2")


@pytest.mark.parametrize(("kind", "value", "old", "new"), [
    ("percent", "10", "12.50", "13.75"), ("percent", "-33.333", "10.00", "6.67"),
    ("fixed", "1.005", "12.50", "13.51"), ("fixed", "-20", "12.50", "0.00"),
    ("set", "9.999", "12.50", "10.00"),
])
def test_an_adjustment_rounds_by_the_one_rule_and_never_goes_below_zero(world, kind, value,
                                                                        old, new):
    world.price.retail_price = Decimal(old)
    assert Adjustment(kind, Decimal(value)).retail(world.price) == Decimal(new)


def test_clearing_a_retail_price_falls_back_to_microsofts_erp(world):
    assert Adjustment("clear").retail(world.price) is None
    with pytest.raises(ValueError, match="needs a value"):
        Adjustment("percent")
