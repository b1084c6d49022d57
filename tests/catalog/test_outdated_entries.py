"""Entries a catalog change outdates are set aside and freed once a response is sent, not
while the first request to see the new version waits (#27)."""

from __future__ import annotations

import gc
import weakref
from decimal import Decimal

from catalog.cache import ListingCache
from persistence import db
from storefront.listing_cache import OFFERS
from tests.catalog.test_listing_cache import in_own_context, shop
from tests.conftest import login


class Held:
    """A kept value a test can watch being freed."""


def kept_at(cache: ListingCache, version: int, key: str) -> weakref.ref:
    value = Held()
    cache.put(version, key, value)
    return weakref.ref(value)


def test_a_newer_version_serves_none_of_the_old_entries_and_frees_them_on_release():
    cache = ListingCache(10)
    old = kept_at(cache, 1, "card")
    assert cache.get_or_render(2, "card", lambda: "rendered at 2") == "rendered at 2"
    assert cache.peek(2, "card") == "rendered at 2" and cache.peek(1, "card") is None
    assert old() is not None and cache.outdated()  # set aside, not freed yet
    cache.release()
    gc.collect()
    assert old() is None and not cache.outdated()


def test_a_second_change_before_a_release_frees_the_first_set_at_once():
    cache = ListingCache(10)
    first = kept_at(cache, 1, "card")
    second = kept_at(cache, 2, "card")
    kept_at(cache, 3, "card")
    gc.collect()
    assert first() is None and second() is not None  # one outdated set at most


def test_a_catalog_change_outdates_the_cards_and_the_page_frees_them_once_sent(
        app, client, world):
    in_own_context(app, lambda: login(client, world.direct_user))
    shop(app, client)  # keeps the offer cards
    cards: ListingCache = app.extensions[OFFERS]
    world.price.erp_price = Decimal("14.25")
    db.session.commit()
    response = in_own_context(app, lambda: client.get("/shop"))
    assert "$14.25" in response.get_data(as_text=True)
    assert cards.outdated()  # the old cards wait for the response to be sent
    response.close()  # what the server does once it has sent the body
    assert not cards.outdated()
