"""B1: a reseller pays cost plus its markup, applied to four decimals; every page that names
a markup shows the one applied, with every decimal it has and no more (12 %, 12.5 %,
12.345 %), never rounded to two."""

from decimal import Decimal

from sqlalchemy import select

from catalog.models import ResellerMarkup
from persistence import db
from storefront.catalog_forms import MarkupForm
from tests.catalog.previews import preview_then_save
from tests.conftest import login, post_form


def set_markups(world, default: str, product: str) -> str:
    """Reseller A's default markup and its markup on world's product; the page's URL."""
    reseller = world.reseller_a
    db.session.add_all([
        ResellerMarkup(reseller_id=reseller.id, product_id=None,
                       markup_percent=Decimal(default)),
        ResellerMarkup(reseller_id=reseller.id, product_id=world.price.sku.product_id,
                       markup_percent=Decimal(product))])
    db.session.commit()
    return f"/admin/catalog/markups/{reseller.id}"


def test_the_markups_page_shows_each_markup_with_the_decimals_it_has_b1(client, world):
    url = set_markups(world, default="12", product="12.345")
    login(client, world.admin)
    page = client.get(url).get_data(as_text=True)
    assert '<td class="num">12.345 %</td>' in page
    assert '<td class="num">12 %</td>' in page
    assert "12.35 %" not in page and "12.00 %" not in page


def test_removing_a_markup_names_the_markup_applied_and_the_default_left_b1(client, world):
    url = set_markups(world, default="12.5", product="12.345")
    login(client, world.admin)
    words = ("Reseller A pays your cost plus its default markup of 12.5 % for Microsoft 365 "
             "Business Standard from now on, instead of your cost plus 12.345 %;")
    assert words in client.get(url).get_data(as_text=True)  # the button's data-confirm
    asked = post_form(client, f"{url}/remove",
                      {"product_id": str(world.price.sku.product_id)}, token_url=url)
    assert asked.status_code == 422 and words in asked.get_data(as_text=True)
    done = post_form(client, f"{url}/remove", {"product_id": str(world.price.sku.product_id),
                                               "confirm": "yes"}, token_url=url)
    assert ("Markup removed: Reseller A now pays your cost plus its default markup of 12.5 % "
            "for Microsoft 365 Business Standard.") in client.get(done.location).get_data(
                as_text=True)


def test_a_markup_typed_with_three_decimals_is_saved_and_shown_as_typed_b1(client, world):
    login(client, world.admin)
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    saved = preview_then_save(client, url, {"product_id": "", "markup_percent": "12.345"})
    assert saved.status_code == 302
    assert markups_of(world.reseller_a) == {None: Decimal("12.345")}
    assert '<td class="num">12.345 %</td>' in client.get(url).get_data(as_text=True)


def test_a_markup_field_holding_a_saved_markup_reads_back_the_same_number_b1(app):
    with app.test_request_context():
        form = MarkupForm(meta={"csrf": False}, data={"markup_percent": Decimal("12.3450")})
        assert 'value="12.345"' in str(form.markup_percent)
        form = MarkupForm(meta={"csrf": False}, data={"markup_percent": Decimal("10.0000")})
        assert 'value="10"' in str(form.markup_percent)


def test_a_markup_with_a_fifth_decimal_is_refused_not_rounded_on_saving_b1(client, world):
    login(client, world.admin)
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    answer = post_form(client, url, {"product_id": "", "markup_percent": "12.34567"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Enter the markup with at most four decimals, e.g. 12.3456." in page
    assert 'value="12.34567"' in page  # kept as typed, to correct
    assert markups_of(world.reseller_a) == {}


def markups_of(reseller) -> dict:
    db.session.expire_all()
    return {m.product_id: m.markup_percent for m in db.session.scalars(
        select(ResellerMarkup).filter_by(reseller_id=reseller.id))}


def test_a_german_storefront_writes_a_markup_with_a_decimal_comma_b1(app, client, world):
    # Was "12.345 %" on pages whose money reads "1.234,50 €".
    app.config["DEFAULT_LOCALE"] = "de_DE"
    url = set_markups(world, default="12.5", product="12.345")
    login(client, world.admin)
    page = client.get(url).get_data(as_text=True)
    assert '<td class="num">12,345 %</td>' in page and '<td class="num">12,5 %</td>' in page
    assert "instead of your cost plus 12,345 %;" in page  # the removal's confirmation
