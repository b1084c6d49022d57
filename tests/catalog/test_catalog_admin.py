"""Provider-admin catalog pages: search, flags, prices, for-sale switch, C1 settings, markups."""

from decimal import Decimal

from sqlalchemy import select

from catalog import version
from catalog.models import CatalogSettings, ResellerMarkup
from persistence import db
from tests.catalog.previews import preview_then_save
from tests.conftest import csrf_token, login, make_price, post_form


def product_form(product, **changes):
    data = {"title": product.title, "family": product.family, "segment": product.segment,
            "enabled": "y", "cancellable": "y", "min_quantity": "1", "max_quantity": "300"}
    return {**data, **changes}


def test_admin_searches_and_filters_the_catalog(client, world):
    make_price(title="Dynamics 365 Sales", product_id="CFQ7TTC0DYN1", family="dynamics")
    db.session.commit()
    login(client, world.admin)
    body = client.get("/admin/catalog?family=dynamics").get_data(as_text=True)
    assert "Dynamics 365 Sales" in body and "Business Standard" not in body
    body = client.get("/admin/catalog?q=cfq7ttc0ldpb").get_data(as_text=True)
    assert "Business Standard" in body and "Dynamics 365 Sales" not in body


def test_admin_edits_product_flags(client, world):
    product = world.price.sku.product
    login(client, world.admin)
    form = product_form(product, family="dynamics", new_subscription_per_order="y",
                        discontinued="y", segment="education")
    assert post_form(client, f"/admin/catalog/{product.id}", form).status_code == 302
    db.session.refresh(product)
    assert (product.family, product.segment) == ("dynamics", "education")
    assert product.new_subscription_per_order and product.discontinued


def test_max_quantity_below_min_is_refused_and_the_form_kept(client, world):
    product = world.price.sku.product
    login(client, world.admin)
    response = post_form(client, f"/admin/catalog/{product.id}",
                         product_form(product, min_quantity="10", max_quantity="5",
                                      title="Renamed"))
    assert response.status_code == 422
    assert "Must be at least the minimum quantity." in response.get_data(as_text=True)
    assert 'value="Renamed"' in response.get_data(as_text=True)


def test_admin_sets_and_clears_a_retail_price(client, world):
    login(client, world.admin)
    url = f"/admin/catalog/prices/{world.price.id}"
    preview_then_save(client, url, {"retail_price": "13.49"}, token_url="/admin/catalog")
    db.session.refresh(world.price)
    assert world.price.retail_price == Decimal("13.49") and world.price.sell_price == Decimal(
        "13.49")
    preview_then_save(client, url, {"retail_price": ""}, token_url="/admin/catalog")
    db.session.refresh(world.price)
    assert world.price.retail_price is None and world.price.sell_price == Decimal("12.50")


def test_stopping_sales_hides_the_product_from_the_shop(client, world):
    product = world.price.sku.product
    login(client, world.admin)
    client.post(f"/admin/catalog/{product.id}/toggle",
                data={"csrf_token": csrf_token(client, "/admin/catalog"), "confirm": "yes"})
    db.session.refresh(product)
    assert not product.enabled
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world.direct_user)
    assert "Business Standard" not in client.get("/shop").get_data(as_text=True)


def test_settings_page_turns_annual_billing_on_only_with_both_switches_c1(client, world):
    login(client, world.admin)
    post_form(client, "/admin/catalog/settings", {"annual_billing_cycle_enabled": "y",
                                                  "default_market": "us"})
    settings = CatalogSettings.current()
    db.session.refresh(settings)
    assert settings.annual_billing_cycle_enabled and not settings.annual_sellable
    assert settings.default_market == "US"
    post_form(client, "/admin/catalog/settings", {"annual_billing_cycle_enabled": "y",
                                                  "annual_provisioning_enabled": "y",
                                                  "default_market": "US"})
    db.session.refresh(settings)
    assert settings.annual_sellable
    assert "offered" in client.get("/admin/catalog/settings").get_data(as_text=True)


def test_admin_sets_a_default_and_a_product_markup_for_a_reseller(client, world):
    login(client, world.admin)
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    preview_then_save(client, url, {"product_id": "", "markup_percent": "10"})
    preview_then_save(client, url, {"product_id": str(world.price.sku.product_id),
                                    "markup_percent": "5.5"})
    # updates, no duplicate
    preview_then_save(client, url, {"product_id": "", "markup_percent": "12"})
    rows = {m.product_id: m.markup_percent for m in db.session.scalars(
        select(ResellerMarkup).filter_by(reseller_id=world.reseller_a.id))}
    assert rows == {None: Decimal("12"), world.price.sku.product_id: Decimal("5.5")}


def test_admin_removes_a_product_markup_and_the_reseller_pays_the_default_again(client,
                                                                              world):
    product_id = world.price.sku.product_id
    db.session.add_all([ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                       markup_percent=Decimal("10")),
                        ResellerMarkup(reseller_id=world.reseller_a.id, product_id=product_id,
                                       markup_percent=Decimal("5.5"))])
    db.session.commit()
    before = version.current(db.session)
    login(client, world.admin)
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    done = post_form(client, f"{url}/remove", {"product_id": str(product_id),
                                               "confirm": "yes"}, token_url=url)
    assert done.status_code == 302 and done.location.endswith(url)
    assert markups_of(world.reseller_a) == {None: Decimal("10")}
    assert version.current(db.session) > before  # cached shop pages reprice
    page = client.get(url).get_data(as_text=True)
    assert ("Markup removed: Reseller A now pays your cost plus its default markup of "
            "10 % for Microsoft 365 Business Standard.") in page


def test_removing_the_default_markup_brings_back_the_retail_price(client, world):
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("10")))
    db.session.commit()
    login(client, world.admin)
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    post_form(client, f"{url}/remove", {"product_id": "", "confirm": "yes"}, token_url=url)
    assert markups_of(world.reseller_a) == {}
    page = client.get(url).get_data(as_text=True)
    assert ("Markup removed: Reseller A now pays your retail price for every product "
            "without a markup of its own.") in page
    assert "No markups: this reseller pays retail prices." in page


def test_removing_a_markup_that_is_gone_changes_nothing_and_says_so(client, world):
    login(client, world.admin)
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    answer = post_form(client, f"{url}/remove", {"product_id": "abc", "confirm": "yes"},
                       token_url=url)
    assert answer.status_code == 302
    assert "That markup is no longer set: nothing was removed." in client.get(url).get_data(
        as_text=True)


def markups_of(reseller) -> dict:
    db.session.expire_all()
    return {m.product_id: m.markup_percent for m in db.session.scalars(
        select(ResellerMarkup).filter_by(reseller_id=reseller.id))}


def _delivery_fieldset(body: str) -> str:
    return body[body.index("<fieldset data-for-families"):].split(">", 1)[0]


def test_software_delivery_is_offered_only_for_software_products_S7(client, world):
    office = world.price.sku.product
    software = make_price(title="Windows Server 2022 Standard", product_id="DG7GMGF0D5RK",
                          family="perpetual_software", term="", cycle="one_time").sku.product
    db.session.commit()
    login(client, world.admin)
    office_page = client.get(f"/admin/catalog/{office.id}").get_data(as_text=True)
    software_page = client.get(f"/admin/catalog/{software.id}").get_data(as_text=True)
    assert " hidden" in _delivery_fieldset(office_page)
    assert " hidden" not in _delivery_fieldset(software_page)
    assert 'data-for-families="software_subscription perpetual_software"' in office_page
    assert "Comes with (S7)" in software_page


def many_markets(sku, count: int = 40) -> list[str]:
    """`count` markets before US, each with five price rows (term × billing)."""
    from catalog.models import Price
    markets = [f"{a}{b}" for a in "ABCDEFGHIJKLMNOPQRST" for b in "AB"][:count]
    for market in markets:
        for term, cycle in (("P1M", "monthly"), ("P1Y", "monthly"), ("P1Y", "annual"),
                            ("P3Y", "annual"), ("P3Y", "triennial")):
            db.session.add(Price(sku=sku, term_duration=term, billing_cycle=cycle,
                                 market=market, currency="EUR", unit_price=Decimal("8"),
                                 erp_price=Decimal("10")))
    db.session.commit()
    return markets


def test_the_product_page_pages_its_prices_and_says_which_it_shows(client, world):
    """Microsoft prices a plan in ~140 markets: the table is paged, never silently cut."""
    product_id = world.price.sku.product_id
    many_markets(world.price.sku)  # 200 rows before the world's US row: 201 in all
    login(client, world.admin)
    first = client.get(f"/admin/catalog/{product_id}").get_data(as_text=True)
    assert "Showing prices 1–100 of 201" in first
    assert first.count('name="retail_price"') == 100 and "<td>US USD</td>" not in first
    assert f'href="/admin/catalog/{product_id}?page=2"' in first
    last = client.get(f"/admin/catalog/{product_id}?page=3").get_data(as_text=True)
    assert "Showing prices 201–201 of 201" in last
    assert last.count('name="retail_price"') == 1 and "<td>US USD</td>" in last
    one_market = client.get(f"/admin/catalog/{product_id}?market=aa").get_data(as_text=True)
    assert "Showing prices 1–5 of 5" in one_market and "?page=2" not in one_market


def test_a_refused_retail_price_is_shown_on_its_rows_page_as_typed(client, world):
    product_id = world.price.sku.product_id
    many_markets(world.price.sku)
    login(client, world.admin)
    response = post_form(client, f"/admin/catalog/prices/{world.price.id}",
                         {"retail_price": "12,5x"}, token_url="/admin/catalog")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Showing prices 1–1 of 1" in body  # its market
    assert f'id="retail-{world.price.id}" value="12,5x"' in body
    # From "All markets", page 3 (the US row's), the preview goes back to that page.
    preview = post_form(client, f"/admin/catalog/prices/{world.price.id}?page=3",
                        {"retail_price": "13.49"}, token_url="/admin/catalog")
    assert f"/admin/catalog/{product_id}?market=US" in preview.get_data(as_text=True)


def test_a_page_past_the_last_says_how_many_prices_there_are(client, world):
    login(client, world.admin)
    body = client.get(f"/admin/catalog/{world.price.sku.product_id}?page=9").get_data(
        as_text=True)
    assert "Page 9 is past the last page: 1 price in all, on 1 page." in body
    assert "No prices yet" not in body


def test_c3_a_list_putting_a_product_at_end_of_sale_outdates_the_cached_pages(client, world,
                                                                              app, tmp_path):
    from tests.catalog.price_lists import row, to_csv
    login(client, world.admin)
    before = client.get("/admin/catalog?status=discontinued").get_data(as_text=True)
    assert "Business Standard" not in before  # kept in this worker's caches
    path = tmp_path / "prices.csv"
    path.write_text(to_csv([row(Tags="License;EndOfSale")]), encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["catalog", "import", str(path)]).exit_code == 0
    after = client.get("/admin/catalog?status=discontinued").get_data(as_text=True)
    assert "Business Standard" in after and "end of sale" in after
    page = client.get(f"/admin/catalog/{world.price.sku.product_id}").get_data(as_text=True)
    assert "End of sale: Microsoft no longer sells any SKU of it" in page


def yen_price():
    """Microsoft 365 E3 in Japan: yen have no decimals."""
    price = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLX", market="JP",
                       currency="JPY", cost="3200", erp="4000")
    price.retail_price = Decimal("4500")
    db.session.commit()
    return price


def test_b5_the_product_page_shows_yen_without_decimals_and_edits_them_as_typed(client,
                                                                               world):
    # Was 3200.00 and 4000.00, and 4500.00 in the retail field: yen have no decimals.
    price = yen_price()
    login(client, world.admin)
    url = f"/admin/catalog/{price.sku.product_id}"
    page = client.get(url).get_data(as_text=True)
    assert '<td class="num">¥3,200</td><td class="num">¥4,000</td>' in page
    assert f'id="retail-{price.id}" value="4500"' in page and ".00" not in page
    preview_then_save(client, f"/admin/catalog/prices/{price.id}", {"retail_price": "4600"},
                      token_url=url)
    assert 'value="4600"' in client.get(url).get_data(as_text=True)


def test_b5_the_product_page_shows_money_in_the_storefronts_locale(app, client, world):
    # Was 10.00 and 12.50 on a German storefront whose other pages say 10,00 €.
    app.config["DEFAULT_LOCALE"] = "de_DE"
    price = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLX", market="DE",
                       currency="EUR")
    price.retail_price = Decimal("13.5")
    db.session.commit()
    login(client, world.admin)
    page = client.get(f"/admin/catalog/{price.sku.product_id}").get_data(as_text=True)
    assert '<td class="num">10,00\xa0€</td><td class="num">12,50\xa0€</td>' in page
    # the field keeps the dot the amount fields read (a comma is refused: "use a dot")
    assert f'id="retail-{price.id}" value="13.50"' in page
