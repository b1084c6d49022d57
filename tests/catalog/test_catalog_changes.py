"""An edited price outdates its own product's offer cards and market prices, not every
product's in every worker (catalog/changes.py, #27); anything a card shows that a change
does not record by product empties them as before."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import event, select, update

from catalog import changes, version
from catalog.cache import PRODUCT_FACTS_KEY, ListingCache, carry_over
from catalog.models import CatalogChange, CatalogSettings, Price, Product, ResellerMarkup
from persistence import db
from storefront.listing_cache import OFFERS
from tests.catalog.test_listing_cache import shop_at, signed_in
from tests.conftest import make_price, move_to


def three_products(world) -> list[Price]:
    prices = [make_price(title=f"Plan {n}", product_id=f"CFQ7TTC0CH0{n}", cost=f"{n + 1}.00",
                         erp=f"{n + 2}.00") for n in range(3)]
    db.session.commit()
    return prices


def cards_by_product(app) -> dict[int, list]:
    """The kept offer cards of each product (every kind of buyer's)."""
    found: dict[int, list] = {}
    for key, card in app.extensions[OFFERS]._entries.items():
        found.setdefault(key[0], []).append(card)
    return found


def test_an_edited_price_outdates_its_own_products_cards_only(app, world):
    prices = three_products(world)
    direct = signed_in(app, world.direct_user)
    shop_at(app, direct, "q=plan")  # keeps the three cards
    before = cards_by_product(app)
    edited = prices[1]
    edited.erp_price = Decimal("9.75")
    db.session.commit()
    page = shop_at(app, direct, "q=plan")
    assert "$9.75" in page and "$3.00" not in page  # the edited card, rendered again
    after = cards_by_product(app)
    product_of = {price.id: price.sku.product_id for price in prices}
    for price in (prices[0], prices[2]):  # the same objects: kept, not rendered again
        assert after[product_of[price.id]] == before[product_of[price.id]]
        assert after[product_of[price.id]][0] is before[product_of[price.id]][0]
    assert after[product_of[edited.id]][0] is not before[product_of[edited.id]][0]
    assert "$2.00" in page and "$4.00" in page  # the others' prices, as they were


def test_an_edited_price_is_read_again_and_the_markets_other_prices_are_kept(app, world):
    prices = three_products(world)
    direct = signed_in(app, world.direct_user)
    shop_at(app, direct, "q=plan")
    (by_product,) = app.extensions[PRODUCT_FACTS_KEY]._entries.values()
    kept = dict(by_product)
    prices[0].retail_price = Decimal("1.99")
    db.session.commit()
    assert "$1.99" in shop_at(app, direct, "q=plan")
    (now,) = app.extensions[PRODUCT_FACTS_KEY]._entries.values()
    assert now is not by_product  # a copy: a request still at the old version adds to the old
    first = prices[0].sku.product_id
    assert now[first] != kept[first]
    assert all(now[product] is kept[product] for product in kept if product != first)


def test_an_edited_product_outdates_every_card(app, world):
    prices = three_products(world)
    direct = signed_in(app, world.direct_user)
    shop_at(app, direct, "q=plan")
    before = cards_by_product(app)
    db.session.get(Product, prices[0].sku.product_id).title = "Plan Zero"
    db.session.commit()
    assert "Plan Zero" in shop_at(app, direct, "q=plan")
    after = cards_by_product(app)
    assert all(after[product][0] is not before[product][0] for product in before)


def test_a_markup_keeps_every_card_and_prices_the_shop_with_the_new_one(app, world):
    """A card's key names the markup it was priced with: a new markup needs new cards but
    outdates none (a reseller on the old one still sees its own)."""
    prices = three_products(world)
    for price in prices:
        price.market, price.currency = "DE", "EUR"
    move_to(world.customer_a, "DE")  # C7: it buys at its own market's prices
    db.session.commit()
    anna = signed_in(app, world.reseller_a_user)
    customer = f"customer={world.customer_a.id}&q=plan"
    shop_at(app, anna, customer)
    before = dict(app.extensions[OFFERS]._entries)
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("50")))
    db.session.commit()
    page = shop_at(app, anna, customer)
    assert "1,50\xa0€" in page  # cost 1.00 plus 50 %
    entries = app.extensions[OFFERS]._entries
    assert all(entries[key] is card for key, card in before.items())
    assert len(entries) == 2 * len(before)


def test_switching_annual_billing_keeps_the_cards_of_the_other_switch(app, world):
    three_products(world)
    direct = signed_in(app, world.direct_user)
    shop_at(app, direct, "q=plan")
    before = dict(app.extensions[OFFERS]._entries)
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    db.session.commit()
    shop_at(app, direct, "q=plan")
    entries = app.extensions[OFFERS]._entries
    assert all(entries[key] is card for key, card in before.items())


def test_a_bulk_statement_outdates_every_card(app, world):
    """A statement on the prices table (an import's) names no product: everything goes."""
    three_products(world)
    direct = signed_in(app, world.direct_user)
    shop_at(app, direct, "q=plan")
    before = cards_by_product(app)
    db.session.execute(update(Price).where(Price.market == "US").values(erp_price=Decimal("5")))
    db.session.commit()
    shop_at(app, direct, "q=plan")
    after = cards_by_product(app)
    assert all(after[product][0] is not before[product][0] for product in before)


def recorded(catalog_version: int) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        select(CatalogChange.product_id, CatalogChange.everything)
        .where(CatalogChange.version == catalog_version).order_by(CatalogChange.id))]


def test_each_bump_records_what_it_changed_with_the_version(app, world):
    prices = three_products(world)
    prices[0].unit_price = Decimal("0.50")
    prices[2].erp_price = Decimal("7.00")
    db.session.commit()
    amounts = version.current(db.session)
    assert recorded(amounts) == sorted((price.sku.product_id, False)
                                       for price in (prices[0], prices[2]))
    prices[1].listed = False  # which prices are listed: a listing change, everything
    db.session.commit()
    assert recorded(version.current(db.session)) == [(None, True)]
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("5")))
    db.session.commit()
    assert recorded(version.current(db.session)) == [(None, False)]  # no product
    version.bump(db.session)  # a write past the session: everything
    db.session.commit()
    assert recorded(version.current(db.session)) == [(None, True)]


def test_the_changes_since_a_version_are_their_products_or_none(app):
    for at, products in ((1, [4, 5]), (2, []), (3, [5, 6])):
        changes.record(db.session, at, products)
    changes.record(db.session, 5, changes.EVERYTHING)
    db.session.commit()
    assert changes.since(db.session, 0, 3) == {4, 5, 6}
    assert changes.since(db.session, 1, 2) == frozenset()
    assert changes.since(db.session, 2, 4) is None  # version 4 left no record
    assert changes.since(db.session, 4, 5) is None  # everything changed


def test_a_worker_further_behind_than_the_record_keeps_nothing(app):
    changes.record(db.session, 1, [7])
    changes.record(db.session, 1 + changes.KEPT, [8])
    db.session.commit()
    assert recorded(1) == []  # pruned with the later record
    assert changes.since(db.session, 0, 1 + changes.KEPT) is None
    for at in range(2, 2 + changes.KEPT):  # every version recorded, yet too far behind
        changes.record(db.session, at, [9])
    db.session.commit()
    assert changes.since(db.session, 1, 1 + changes.KEPT) == {8, 9}
    assert changes.since(db.session, 0, 1 + changes.KEPT) is None


def test_a_worker_far_behind_asks_the_database_nothing(app):
    """Further behind than the record reaches, the answer is known without a read."""
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        assert changes.since(db.session, 3, 3 + 10**9) is None
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert statements == []


def test_a_cache_moves_to_a_newer_version_without_the_changed_products(app):
    cache = ListingCache(10)
    for product in (1, 2, 3):
        cache.put(1, (product, "US"), f"card {product}")
    with app.test_request_context():
        changes.record(db.session, 2, [2])
        db.session.commit()
        carry_over(cache, 2)
        assert [cache.peek(2, (product, "US")) for product in (1, 2, 3)] == [
            "card 1", None, "card 3"]
        assert cache.outdated()  # the dropped card waits for a response to be sent
        changes.record(db.session, 3, changes.EVERYTHING)
        db.session.commit()
        carry_over(cache, 3)
        assert cache.peek(3, (1, "US")) is None  # anything else changed: nothing is kept
