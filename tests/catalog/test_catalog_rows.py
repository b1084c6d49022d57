"""Cold catalog pages render from precomputed rows (#27), and those rows are never stale."""

from contextlib import contextmanager

from flask import url_for
from sqlalchemy import event

from catalog import effective, rows, version
from catalog.cache import SEARCHES_KEY
from catalog.models import CatalogSettings
from persistence import db
from tests.catalog.previews import preview_then_save
from tests.catalog.test_listing_cache import in_own_context, shop
from tests.conftest import login, make_price


def row(title: str, pc_id: str = "CFQ7TTC0AAAA", **flags) -> rows.ProductRow:
    facts = {"segment": "commercial", "family": "office365_business", "enabled": True,
             "listed": True, "discontinued": False, "end_of_sale": False,
             "list_ended": False, "sync_ended": False, **flags}
    return rows.ProductRow(id=len(title), title=title, pc_product_id=pc_id,
                           publisher="Microsoft Corporation",
                           haystack=f"{title}\n{pc_id}".lower(), **facts)


def test_a_search_matches_title_or_product_id_in_any_case():
    listed = [row("Microsoft 365 E3", "CFQ7TTC0LFLZ"), row("Visio Plan 2", "CFQ7TTC0KHS9")]
    assert [r.title for r in rows.matching(listed, q="visio")] == ["Visio Plan 2"]
    assert [r.title for r in rows.matching(listed, q="cfq7ttc0lflz")] == ["Microsoft 365 E3"]


def test_a_search_takes_like_wildcards_literally():
    listed = [row("100% Cotton"), row("100 Seats"), row("a_b")]
    assert [r.title for r in rows.matching(listed, q="100%")] == ["100% Cotton"]
    assert rows.matching(listed, q="a%b") == [] and len(rows.matching(listed, q="a_b")) == 1


def test_admin_status_filters_keep_what_they_name():
    listed = [row("On sale"), row("Off sale", enabled=False), row("Gone", discontinued=True),
              row("Unlisted", listed=False)]
    titles = lambda status: [r.title for r in rows.matching(listed, status=status)]  # noqa: E731
    assert titles("enabled") == ["On sale", "Unlisted"]
    assert titles("disabled") == ["Off sale"]
    assert titles("discontinued") == ["Gone"]
    assert titles("unlisted") == ["Unlisted"]


def test_a_page_of_rows_counts_for_the_pager_and_past_the_end_is_empty():
    listed = [row(f"Product {n:02}") for n in range(45)]
    second = rows.page_of(listed, 2, 20)
    assert [r.title for r in second.items][:1] == ["Product 20"]
    assert (second.pages, second.total, second.prev_num, second.next_num) == (3, 45, 1, 3)
    assert rows.page_of(listed, 9, 20).items == []
    assert rows.page_of([], 1, 20).pages == 0


def test_shop_rows_hold_only_sellable_products_listed_in_the_market_c1(app, world):
    make_price(title="Annual only", product_id="CFQ7TTC0ANNU", term="P1Y", cycle="annual")
    make_price(title="Not for sale", product_id="CFQ7TTC0OFFS", enabled=False)
    make_price(title="Discontinued", product_id="CFQ7TTC0DISC", discontinued=True)
    make_price(title="Germany only", product_id="CFQ7TTC0DEDE", market="DE", currency="EUR")
    unlisted = make_price(title="Price unlisted", product_id="CFQ7TTC0UNLI")
    unlisted.listed = False
    db.session.commit()
    current = version.both(db.session).listing
    titles = [r.title for r in rows.shop_rows(db.session, current, "US", annual_sellable=False)]
    assert titles == ["Microsoft 365 Business Standard"]
    with_annual = rows.shop_rows(db.session, current, "US", annual_sellable=True)
    assert [r.title for r in with_annual] == ["Annual only", "Microsoft 365 Business Standard"]


@contextmanager
def statements():
    """Every SQL statement the block sends."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def test_a_cold_shop_page_of_products_shown_before_sends_no_catalog_query(app, client, world):
    """A page not yet cached (another search) filters the precomputed rows and takes the
    prices of products shown before from the worker's copy: no product query, no count,
    no price query."""
    in_own_context(app, lambda: login(client, world.direct_user))
    shop(app, client)  # the rows, and the prices of the products this page shows
    with statements() as sent:
        page = in_own_context(app, lambda: client.get("/shop?q=business"))
    assert page.status_code == 200 and "$12.50" in page.get_data(as_text=True)
    assert page.headers["X-Listing-Cache"] == "miss"
    assert not [s for s in sent if " products" in s or " prices" in s]


def test_a_cold_shop_page_of_new_products_reads_only_their_prices_once(app, client, world):
    """Products no page showed yet: one query for their prices, by SKU (no scan of the
    market's prices); the next page showing them reads none."""
    for n in range(25):  # a second page of products
        make_price(title=f"Zeta plan {n:02}", product_id=f"CFQ7TTC0Z{n:03}")
    db.session.commit()
    in_own_context(app, lambda: login(client, world.direct_user))
    shop(app, client)
    with statements() as sent:
        page = in_own_context(app, lambda: client.get("/shop?page=2"))
    assert "Zeta plan 24" in page.get_data(as_text=True)
    catalog = [s for s in sent if " products" in s or " prices" in s]
    assert len(catalog) == 1 and "sku_id IN (SELECT skus.id" in catalog[0]
    with statements() as again:
        in_own_context(app, lambda: client.get("/shop?q=zeta+plan+2"))
    assert not [s for s in again if " prices" in s]


def test_market_prices_hold_the_listed_prices_of_the_market_and_no_other(app, world):
    annual = make_price(title="Annual only", product_id="CFQ7TTC0ANNU", term="P1Y",
                        cycle="annual")
    german = make_price(title="Germany only", product_id="CFQ7TTC0DEDE", market="DE",
                        currency="EUR")
    unlisted = make_price(title="Price unlisted", product_id="CFQ7TTC0UNLI")
    unlisted.listed = False
    db.session.commit()
    products = [p.sku.product_id for p in (world.price, annual, german, unlisted)]
    prices = rows.market_prices(db.session, version.both(db.session), "US", products)
    held = {p.id for listed in prices.values() for p in listed}
    assert world.price.id in held and annual.id in held
    assert german.id not in held and unlisted.id not in held
    assert prices[german.sku.product_id] == ()  # asked for, none here: not asked again
    standard = prices[world.price.sku.product_id][0]
    assert (standard.currency, standard.sell_price) == ("USD", world.price.sell_price)


def test_prices_are_read_a_page_of_products_at_a_time_each_price_once(app, world):
    """A long list is read IDS_PER_READ products at a time and a short one padded with
    its last id: no product loses or repeats a price either way."""
    made = [make_price(title=f"Plan {n:02}", product_id=f"CFQ7TTC0P{n:03}", cost=f"{n}.00")
            for n in range(rows.IDS_PER_READ * 2 + 8)]
    db.session.commit()
    ids = [price.sku.product_id for price in made]
    versions = version.both(db.session)
    rows.sku_names(db.session, versions.listing)
    effective.price_day(db.session, versions.listing)  # read once per listing version
    with statements() as sent:
        long = rows.market_prices(db.session, versions, "US", ids[:-3])
        short = rows.market_prices(db.session, versions, "US", ids[-3:])
    assert len(sent) == 3 + 1
    assert {product: [p.id for p in listed] for product, listed in {**long, **short}.items()} \
        == {price.sku.product_id: [price.id] for price in made}
    assert [p.unit_price for listed in short.values() for p in listed] == [
        price.unit_price for price in made[-3:]]
    assert rows.market_prices(db.session, versions, "US", []) == {}


def test_a_sku_written_after_the_listing_version_was_read_waits_for_the_next_version(
        app, world):
    """Prices are named from the SKUs kept for the listing version the request read first
    (#27): a SKU committed since belongs to the next version's pages, and shows there."""
    before = version.both(db.session)
    rows.sku_names(db.session, before.listing)
    late = make_price(title="Late plan", product_id="CFQ7TTC0LATE")
    db.session.commit()
    product = late.sku.product_id
    assert rows.market_prices(db.session, before, "US", [product]) == {product: ()}
    after = version.both(db.session)
    assert after.listing > before.listing
    listed = rows.market_prices(db.session, after, "US", [product])[product]
    assert [(p.id, p.sku_title) for p in listed] == [(late.id, "Late plan")]


def test_a_cold_admin_page_sends_no_catalog_query(app, client, world):
    in_own_context(app, lambda: login(client, world.admin))
    assert in_own_context(app, lambda: client.get("/admin/catalog")).status_code == 200
    with statements() as sent:
        page = in_own_context(app, lambda: client.get("/admin/catalog?q=business&status=enabled"))
    assert "Microsoft 365 Business Standard" in page.get_data(as_text=True)
    assert page.headers["X-Listing-Cache"] == "miss"
    assert not [s for s in sent if " products" in s]


def test_bulk_retail_prices_show_on_the_next_cold_page(app, client, world):
    in_own_context(app, lambda: login(client, world.direct_user))
    assert "$12.50" in shop(app, client)
    admin = app.test_client()
    in_own_context(app, lambda: login(admin, world.admin))
    saved = in_own_context(app, lambda: preview_then_save(
        admin, "/admin/catalog/prices/bulk",
        {"kind": "fixed", "value": "1.25", "market": "", "product_id": str(
            world.price.sku.product_id)}, token_url="/admin/catalog"))
    assert saved.status_code == 302
    page = in_own_context(app, lambda: client.get("/shop?q=standard")).get_data(as_text=True)
    assert "$13.75" in page and "$12.50" not in page


def test_a_markup_saved_by_the_admin_shows_on_the_resellers_next_cold_page(
        app, client, world):
    in_own_context(app, lambda: login(client, world.reseller_a_user))
    assert "$12.50" in shop(app, client)  # no markup yet: the sell price
    admin = app.test_client()
    in_own_context(app, lambda: login(admin, world.admin))
    url = f"/admin/catalog/markups/{world.reseller_a.id}"
    saved = in_own_context(app, lambda: preview_then_save(
        admin, url, {"product_id": "", "markup_percent": "15"}, token_url=url))
    assert saved.status_code == 302
    page = in_own_context(app, lambda: client.get("/shop?q=standard")).get_data(as_text=True)
    # Cost $10.00 + 15 %; retail stays $12.50, so the margin is $1.00.
    assert 'data-testid="price">$11.50' in page and 'data-testid="margin">$1.00' in page


def test_a_settings_change_reaches_the_precomputed_rows_c1(app, client, world):
    make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", term="P1Y",
               cycle="annual", cost="360", erp="432")
    db.session.commit()
    in_own_context(app, lambda: login(client, world.direct_user))
    assert "Microsoft 365 E3" not in shop(app, client)
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    db.session.commit()
    page = in_own_context(app, lambda: client.get("/shop?q=e3")).get_data(as_text=True)
    assert "Microsoft 365 E3" in page and "$432.00" in page


def test_price_rows_built_outside_the_template_escape_what_the_catalog_holds(
        app, client, world):
    """The shop's price rows are built in Python (#27): an imported SKU title is still
    printed as text, never as markup."""
    hostile = make_price(title="Plan <img src=x onerror=alert(1)>", product_id="CFQ7TTC0HTML")
    db.session.commit()
    in_own_context(app, lambda: login(client, world.direct_user))
    page = in_own_context(app, lambda: client.get("/shop?q=plan")).get_data(as_text=True)
    assert f'data-price-id="{hostile.id}"' in page
    assert "<img src=x" not in page
    assert "Plan &lt;img src=x onerror=alert(1)&gt;" in page


def test_a_cached_admin_listing_links_each_row_where_url_for_does(app, client, world):
    """The rows' addresses come from one url_for per listing (#27): each is the one
    url_for gives for that product."""
    in_own_context(app, lambda: login(client, world.admin))
    page = in_own_context(app, lambda: client.get("/admin/catalog")).get_data(as_text=True)
    product_id = world.price.sku.product_id
    with app.test_request_context():
        link = url_for("catalog_admin.product", product_id=product_id)
        toggle = url_for("catalog_admin.toggle", product_id=product_id)
    assert f'href="{link}"' in page and f'action="{toggle}"' in page


def test_an_edited_amount_reprices_the_offers_and_keeps_the_product_lists(
        app, client, world):
    """Most catalog writes change an amount: the next page shows it, and no worker rereads
    every product and every market's listed products for it (#27)."""
    in_own_context(app, lambda: login(client, world.direct_user))
    assert "$12.50" in shop(app, client)
    admin = app.test_client()
    in_own_context(app, lambda: login(admin, world.admin))
    in_own_context(app, lambda: preview_then_save(
        admin, f"/admin/catalog/prices/{world.price.id}", {"retail_price": "13.49"},
        token_url="/admin/catalog"))
    with statements() as sent:
        page = in_own_context(app, lambda: client.get("/shop?q=standard"))
    assert "$13.49" in page.get_data(as_text=True)
    assert not [s for s in sent if " products" in s or "DISTINCT" in s]


def test_a_price_taken_off_the_list_takes_its_product_out_of_the_shop_at_once(
        app, client, world):
    in_own_context(app, lambda: login(client, world.direct_user))
    assert "Microsoft 365 Business Standard" in shop(app, client)
    world.price.listed = False
    db.session.commit()
    assert "Microsoft 365 Business Standard" not in shop(app, client)


def test_a_search_kept_by_the_worker_finds_a_renamed_product_at_once(app, client, world):
    """Every page of a search shares its matches, kept per worker (#27); a rename is a
    listing write, so the next search sees it."""
    in_own_context(app, lambda: login(client, world.direct_user))
    search = lambda: in_own_context(app, lambda: client.get("/shop?q=visio"))  # noqa: E731
    assert "No plans match" in search().get_data(as_text=True)
    world.price.sku.product.title = "Visio Plan 2"
    db.session.commit()
    assert "Visio Plan 2" in search().get_data(as_text=True)
    in_own_context(app, lambda: client.get("/shop?q=visio&page=2"))
    assert len(app.extensions[SEARCHES_KEY]._entries) == 1  # both pages, one search
