"""Cached shop and admin listings change the moment the catalog does, in every worker."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import update

from accounts.models import Customer, CustomerQualification, Role
from accounts.services import new_user
from catalog import version
from catalog.cache import FACTS_KEY, LISTING_FACTS_KEY, PRODUCT_FACTS_KEY
from catalog.models import CatalogSettings, Price, ResellerMarkup
from persistence import db
from storefront import create_app
from storefront.listing_cache import KEY, OFFERS, Fragment
from tests.catalog.previews import preview_then_save
from tests.catalog.price_lists import row, to_csv
from tests.conftest import (
    PASSWORD,
    csrf_from,
    login,
    make_customer,
    make_price,
    on_database,
    post_form,
)


def in_own_context(app, action):
    """Run a request in its own app context, as a server does: the test's shared context
    would share flask.g (Flask-WTF's CSRF token) and one session between clients."""
    with app.app_context():
        return action()


def shop(app, client) -> str:
    response = in_own_context(app, lambda: client.get("/shop"))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_retail_price_set_by_the_admin_shows_in_the_shop_at_once(app, client, world):
    in_own_context(app, lambda: login(client, world.direct_user))
    assert "$12.50" in shop(app, client)
    admin = app.test_client()
    in_own_context(app, lambda: login(admin, world.admin))
    edited = in_own_context(app, lambda: preview_then_save(
        admin, f"/admin/catalog/prices/{world.price.id}", {"retail_price": "13.49"},
        token_url="/admin/catalog"))
    assert edited.status_code == 302
    body = shop(app, client)
    assert "$13.49" in body and "$12.50" not in body


def test_a_price_changed_through_another_worker_shows_at_once(app, client, world):
    in_own_context(app, lambda: login(client, world.direct_user))
    assert "$12.50" in shop(app, client)
    other_worker = create_app(on_database(app.config["SQLALCHEMY_DATABASE_URI"]))
    with other_worker.app_context():
        price = db.session.get(type(world.price), world.price.id)
        price.erp_price = Decimal("14.25")
        db.session.commit()
        db.engine.dispose()
    assert "$14.25" in shop(app, client)


def test_a_new_markup_reprices_the_resellers_shop_at_once(app, client, world):
    in_own_context(app, lambda: login(client, world.reseller_a_user))
    assert "$12.50" in shop(app, client)
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("20")))
    db.session.commit()
    assert "$12.00" in shop(app, client)


def test_a_removed_markup_reprices_the_resellers_shop_at_once(app, client, world):
    """The admin's remove button: the reseller's shop falls back to the retail price on its
    next page, through every cache (the removal raises the catalog version)."""
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("20")))
    db.session.commit()
    in_own_context(app, lambda: login(client, world.reseller_a_user))
    assert "$12.00" in shop(app, client)
    admin = app.test_client()
    in_own_context(app, lambda: login(admin, world.admin))
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    removed = in_own_context(app, lambda: post_form(
        admin, f"{url}/remove", {"product_id": "", "confirm": "yes"}, token_url=url))
    assert removed.status_code == 302
    body = shop(app, client)
    assert "$12.50" in body and "$12.00" not in body


def test_switching_annual_billing_on_lists_annual_prices_at_once_c1(app, client, world):
    make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", term="P1Y",
               cycle="annual", cost="360", erp="432")
    db.session.commit()
    in_own_context(app, lambda: login(client, world.direct_user))
    assert "Microsoft 365 E3" not in shop(app, client)
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    db.session.commit()
    assert "Microsoft 365 E3" in shop(app, client)


def test_an_imported_price_list_shows_at_once(app, client, world, tmp_path):
    in_own_context(app, lambda: login(client, world.direct_user))
    assert "Dynamics 365 Sales Enterprise" not in shop(app, client)
    path = tmp_path / "prices.csv"
    path.write_text(to_csv([row(ProductTitle="Dynamics 365 Sales Enterprise",
                                ProductId="CFQ7TTC0LH18", UnitPrice="84.00",
                                **{"ERP Price": "105"})]), encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["catalog", "import", str(path)]).exit_code == 0
    assert "Dynamics 365 Sales Enterprise" in shop(app, client)


def test_a_price_changed_by_an_import_shows_at_once(app, client, world, tmp_path):
    """Prices go through the driver, past the session's tracking: the import bumps itself."""
    in_own_context(app, lambda: login(client, world.direct_user))
    path = tmp_path / "prices.csv"

    def import_price(erp: str) -> None:
        path.write_text(to_csv([row(ProductTitle="Dynamics 365 Sales Enterprise",
                                    ProductId="CFQ7TTC0LH18", UnitPrice="84.00",
                                    **{"ERP Price": erp})]), encoding="utf-8")
        result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
        assert result.exit_code == 0, result.output

    import_price("105")
    assert "$105.00" in shop(app, client)
    import_price("111")
    assert "$111.00" in shop(app, client) and "$105.00" not in shop(app, client)


def test_a_product_taken_off_sale_leaves_the_shop_and_the_admin_list_at_once(
        app, client, world):
    in_own_context(app, lambda: login(client, world.direct_user))
    admin = app.test_client()
    in_own_context(app, lambda: login(admin, world.admin))
    admin_list = lambda: admin.get("/admin/catalog").get_data(as_text=True)  # noqa: E731
    assert "Stop selling" in in_own_context(app, admin_list)
    assert "Business Standard" in shop(app, client)
    toggled = in_own_context(app, lambda: post_form(
        admin, f"/admin/catalog/{world.price.sku.product.id}/toggle", {"confirm": "yes"},
        token_url="/admin/catalog"))
    assert toggled.status_code == 302
    assert "Business Standard" not in shop(app, client)
    assert "Stop selling" not in in_own_context(app, admin_list)


def test_each_session_gets_its_own_csrf_token_in_a_cached_listing(app, client, world):
    clients = [client, app.test_client()]
    for each in clients:
        in_own_context(app, lambda each=each: login(each, world.direct_user))
    pages = [shop(app, each) for each in clients]
    tokens = [csrf_from(page.split("Add to cart")[0][-600:]) for page in pages]
    assert tokens[0] != tokens[1]
    added = in_own_context(app, lambda: clients[1].post("/cart/add", data={
        "csrf_token": tokens[1], "quantity": "1", "customer": world.direct.id,
        "price_id": world.price.id}))
    assert added.status_code == 302


def test_writes_outside_the_catalog_leave_its_version_alone(world):
    before = version.current(db.session)
    db.session.get(Customer, world.direct.id).city = "Munich"
    db.session.commit()
    assert version.current(db.session) == before
    world.price.retail_price = Decimal("1")
    db.session.commit()
    assert version.current(db.session) == before + 1


def raised(action) -> tuple[int, int]:
    """How much an action (then a commit) raises the catalog and the listing version."""
    before = version.both(db.session)
    action()
    db.session.commit()
    after = version.both(db.session)
    return after.catalog - before.catalog, after.listing - before.listing


def test_amounts_markups_and_settings_raise_only_the_catalog_version(world):
    def set_retail():
        world.price.retail_price = Decimal("1")

    def add_markup():
        db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                      markup_percent=Decimal("5")))

    def switch_annual():
        CatalogSettings.current().annual_billing_cycle_enabled = True

    for action in (set_retail, add_markup, switch_annual):
        assert raised(action) == (1, 1 - 1), action.__name__


def test_what_a_listing_shows_raises_both_versions(world):
    other = make_price(title="Project Plan 3", product_id="CFQ7TTC0HDJ3")
    db.session.commit()

    def unlist():
        world.price.listed = False

    def move_market():
        world.price.market = "DE"

    def move_to_another_sku():  # through the relationship: its SKUs change (backref)
        world.price.sku = other.sku

    def rename_product():
        world.price.sku.product.title = "Renamed"

    def new_price():
        make_price(title="Visio Plan 2", product_id="CFQ7TTC0KHS9")

    def bulk_update():
        db.session.execute(update(Price).values(erp_price=Decimal("2")))

    for action in (unlist, move_market, move_to_another_sku, rename_product, new_price,
                   bulk_update):
        assert raised(action) == (1, 1), action.__name__


def test_two_customers_share_one_cached_listing_each_with_its_own_id_in_the_forms(
        app, client, world):
    """The customer is a hole in the cached listing, like the CSRF token: a provider's many
    customers in one market share an entry, and each one's cart form names only itself."""
    other = make_customer(None, "Fabrikam", country=world.direct.country)
    other_user = new_user("f@test.example", PASSWORD, Role.CUSTOMER_USER, customer=other)
    db.session.add_all([other, other_user])
    db.session.commit()
    second = app.test_client()
    in_own_context(app, lambda: login(client, world.direct_user))
    in_own_context(app, lambda: login(second, other_user))
    first_page, second_page = shop(app, client), shop(app, second)
    assert f'name="customer" value="{world.direct.id}"' in first_page
    assert f'name="customer" value="{other.id}"' in second_page
    assert f'value="{world.direct.id}"' not in second_page
    assert len(app.extensions[KEY]._entries) == 1  # one listing for both
    # The market, whether it has prices (C7), C1's switch and the (no) markups; the market's
    # prices, kept per product; the product lists (all products, the market's), the SKUs'
    # names and the days prices start or end (catalog/effective.py) under the listing version.
    assert len(app.extensions[FACTS_KEY]._entries) == 4
    assert len(app.extensions[PRODUCT_FACTS_KEY]._entries) == 1
    assert len(app.extensions[LISTING_FACTS_KEY]._entries) == 4


def shop_at(app, client, query: str) -> str:
    response = in_own_context(app, lambda: client.get(f"/shop?{query}"))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def us_customers(world, *languages: str) -> list[Customer]:
    """Reseller A's customers in the US market, one per language."""
    made = [make_customer(world.reseller_a, f"Fabrikam {language}", country="US",
                          language=language) for language in languages]
    db.session.add_all(made)
    db.session.commit()
    return made


def signed_in(app, user):
    client = app.test_client()
    in_own_context(app, lambda: login(client, user))
    return client


def offer_cards_as_sent(page: str) -> list[str]:
    return re.findall(r'<section class="card offer">.*?</section>', page, re.S)


def offer_cards(page: str) -> list[str]:
    """The page's offer cards, each response's CSRF token (signed with the second it was
    made) blanked: two pages a second apart carry different ones."""
    return [re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', card)
            for card in offer_cards_as_sent(page)]


def test_an_offer_card_shown_to_one_reseller_never_carries_to_another_with_other_markups(
        app, world):
    """Offer cards are kept per product for every buyer who sees them alike (#27): another
    reseller's page of the same product must show its own cost and margin."""
    db.session.add(ResellerMarkup(reseller_id=world.reseller_b.id, product_id=None,
                                  markup_percent=Decimal("30")))
    db.session.commit()
    anna, tom = signed_in(app, world.reseller_a_user), signed_in(app, world.reseller_b_user)
    a_page = shop_at(app, anna, f"customer={world.customer_a.id}")
    b_page = shop_at(app, tom, f"customer={world.customer_b.id}&q=business")
    assert 'data-testid="price">$12.50' in a_page  # A has no markup: it pays the sell price
    assert "13.00" not in a_page
    assert 'data-testid="price">$13.00' in b_page  # B's cost: the provider's 10.00 + 30 %


def test_an_offer_card_keeps_each_customers_own_k7_badge(app, world):
    make_price(title="Office 365 A1", product_id="CFQ7TTC0EDU1", segment="education")
    qualified = make_customer(world.reseller_a, "Contoso School")
    qualified.qualifications.append(CustomerQualification(segment="education"))
    db.session.add(qualified)
    db.session.commit()
    anna = signed_in(app, world.reseller_a_user)
    school = shop_at(app, anna, f"customer={qualified.id}")
    other = shop_at(app, anna, f"customer={world.customer_a.id}&q=office")
    assert "education · qualified" in school
    assert "needs qualification" in other and "education · qualified" not in other


def test_an_offer_card_is_in_each_customers_own_locale(app, world):
    american, german = us_customers(world, "en", "de")
    anna = signed_in(app, world.reseller_a_user)
    english = shop_at(app, anna, f"customer={american.id}")
    deutsch = shop_at(app, anna, f"customer={german.id}&q=microsoft")
    assert "$12.50" in english
    assert "12,50\xa0$" in deutsch and "$12.50" not in deutsch


def test_a_page_built_from_cards_other_pages_kept_equals_one_rendered_from_nothing(
        app, world):
    for n in range(5):
        make_price(title=f"Plan {n}", product_id=f"CFQ7TTC0P00{n}", cost=f"{n + 1}.00",
                   erp=f"{n + 2}.00")
    db.session.commit()
    anna = signed_in(app, world.reseller_a_user)
    shop_at(app, anna, f"customer={world.customer_a.id}")  # keeps every card
    from_cards = shop_at(app, anna, f"customer={world.customer_a.id}&q=plan")
    for cache in (KEY, OFFERS, FACTS_KEY, PRODUCT_FACTS_KEY):
        app.extensions[cache]._entries.clear()
    from_nothing = shop_at(app, anna, f"customer={world.customer_a.id}&q=plan")
    assert len(offer_cards(from_cards)) == 5
    assert offer_cards(from_cards) == offer_cards(from_nothing)


def test_an_offer_card_seen_before_choosing_a_customer_gets_its_cart_form_after(app, world):
    (american,) = us_customers(world, "en")
    anna = signed_in(app, world.reseller_a_user)
    browsing = shop_at(app, anna, "")  # the default market and locale: US, en_US
    buying = shop_at(app, anna, f"customer={american.id}")
    assert offer_cards(browsing) and 'name="price_id"' not in browsing
    assert f'name="price_id" value="{world.price.id}"' in buying


def test_a_cached_listing_and_the_page_around_it_keep_every_character(app, client, world):
    """A listing is kept encoded and joined to its page as bytes (listing_page): titles and
    names in any script arrive as typed, in the charset the page declares, rendered or
    from the cache, in the shop and in the admin's catalog."""
    make_price(title="Zażółć 365 – 上海 Édition", product_id="CFQ7TTC0ZZZZ")
    db.session.get(Customer, world.direct.id).company_name = "Société Générale 株式会社"
    db.session.commit()
    admin = app.test_client()
    in_own_context(app, lambda: login(client, world.direct_user))
    in_own_context(app, lambda: login(admin, world.admin))
    for who, url, around in ((client, "/shop", "Société Générale 株式会社"),
                             (admin, "/admin/catalog", "Catalog")):
        for state in ("miss", "hit"):
            response = in_own_context(app, lambda who=who, url=url: who.get(url))
            assert response.headers["X-Listing-Cache"] == state
            assert response.content_type == "text/html; charset=utf-8"
            page = response.get_data(as_text=True)
            assert "Zażółć 365 – 上海 Édition" in page  # the listing
            assert around in page and page.rstrip().endswith("</html>")  # the page around it


def price_rows(page: str) -> dict[str, tuple[str, str, str, str]]:
    """Each price row's (plan, price, retail, margin) by its price id."""
    found = re.findall(
        r'<tr data-price-id="(\d+)"><td>([^<]*)</td>.*?data-testid="price">([^<]*)<.*?'
        r'data-testid="retail">([^<]*)<.*?data-testid="margin">([^<]*)<', page, re.S)
    # (the margin's share follows in its own <small>)
    return {price_id: tuple(rest) for price_id, *rest in found}


def test_plans_at_the_same_amounts_each_keep_their_own_title_and_price_id(app, world):
    """A row's priced cells are kept by the amounts and words they show (#27), shared by
    every plan at those amounts: the plan's title, its price id and its cart form stay its
    own, and another amount gets its own cost, retail and margin."""
    twins = [make_price(title=f"Twin {n}", product_id=f"CFQ7TTC0TW0{n}", cost="10.00",
                        erp="12.50") for n in range(3)]
    other = make_price(title="Twin 9", product_id="CFQ7TTC0TW09", cost="20.00", erp="30.00")
    # A markup of nothing: A pays the provider's cost, so its margin is the ERP's share.
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("0")))
    db.session.commit()
    anna = signed_in(app, world.reseller_a_user)
    rows = price_rows(shop_at(app, anna, f"customer={world.customer_a.id}&q=twin"))
    for n, price in enumerate(twins):
        assert rows[str(price.id)] == (f"Twin {n}", "$10.00 ", "$12.50 ", "$2.50 ")
    assert rows[str(other.id)] == ("Twin 9", "$20.00 ", "$30.00 ", "$10.00 ")
    page = shop_at(app, anna, f"customer={world.customer_a.id}&q=twin")
    for price in (*twins, other):
        assert page.count(f'name="price_id" value="{price.id}"') == 1


def test_every_cart_form_on_a_page_of_kept_cards_carries_this_responses_token(app, world):
    """Offer cards are kept encoded and cut at their holes (listing_cache.Fragment) and
    joined into each listing: every row's form of every card gets the token and customer
    of the response it is in, in the cards' own order."""
    for n in range(4):
        make_price(title=f"Plan {n}", product_id=f"CFQ7TTC0P10{n}")
    db.session.commit()
    anna = signed_in(app, world.reseller_a_user)
    shop_at(app, anna, f"customer={world.customer_a.id}")  # keeps every card
    second = signed_in(app, world.reseller_a_user)  # another browser: another token
    page = shop_at(app, second, f"customer={world.customer_a.id}&q=plan")
    token = csrf_from(page.split("Add to cart")[0][-600:])
    assert re.findall(r"<h2>([^<]*)</h2>", page) == [f"Plan {n}" for n in range(4)]
    cards = offer_cards_as_sent(page)
    assert len(cards) == 4 and all(card.count("Add to cart") >= 1 for card in cards)
    for card in cards:
        forms = card.count("Add to cart")
        assert card.count(f'name="csrf_token" value="{token}"') == forms
        assert card.count(f'name="customer" value="{world.customer_a.id}"') == forms
    assert set(re.findall(r'name="csrf_token" value="([^"]*)"', page)) == {token}


def test_a_kept_card_printed_outside_a_cached_listing_is_an_error(app):
    """A Fragment's bytes are joined in by cached_listing only: printed anywhere else it
    would leave a marker in the page instead of the card."""
    with app.test_request_context():
        card = Fragment(('<section class="card offer">…</section>'.encode(),))
        with pytest.raises(RuntimeError, match="cached_listing"):
            app.jinja_env.from_string("{{ card }}").render(card=card)


def test_resellers_on_the_same_markups_share_a_listing_each_with_its_own_customer(app, world):
    """Listings and offer cards are kept by the markups that price them, not by reseller
    (#27): a provider's many resellers on its default terms share one entry per page, and
    each page's cart forms still name only the reseller's own customer."""
    anna, tom = signed_in(app, world.reseller_a_user), signed_in(app, world.reseller_b_user)
    first = in_own_context(app, lambda: anna.get(f"/shop?customer={world.customer_a.id}"))
    second = in_own_context(app, lambda: tom.get(f"/shop?customer={world.customer_b.id}"))
    assert (first.headers["X-Listing-Cache"], second.headers["X-Listing-Cache"]) == \
        ("miss", "hit")
    page = second.get_data(as_text=True)
    assert f'name="customer" value="{world.customer_b.id}"' in page
    assert f'name="customer" value="{world.customer_a.id}"' not in page
    db.session.add(ResellerMarkup(reseller_id=world.reseller_b.id, product_id=None,
                                  markup_percent=Decimal("30")))
    db.session.commit()
    repriced = in_own_context(app, lambda: tom.get(f"/shop?customer={world.customer_b.id}"))
    assert repriced.headers["X-Listing-Cache"] == "miss"
    assert 'data-testid="price">$13.00' in repriced.get_data(as_text=True)
    again = in_own_context(app, lambda: anna.get(f"/shop?customer={world.customer_a.id}"))
    assert 'data-testid="price">$12.50' in again.get_data(as_text=True)
