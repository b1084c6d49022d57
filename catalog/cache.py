"""Per-worker caches keyed by the catalog version: a newer version empties them, or for
caches kept per product (offer cards, market prices) takes out only the products it
changed (catalog/changes.py).

The version is read from the database on every request (catalog/version.py), which keeps
every gunicorn worker right after a write made anywhere. Rendered listings (the web
layer's) and small derived facts (this module's `catalog_fact`) both use `ListingCache`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import TypeVar

from flask import current_app

from catalog import changes
from persistence import db

T = TypeVar("T")
FACTS_KEY = "catalog_facts"
PRODUCT_FACTS_KEY = "catalog_product_facts"
LISTING_FACTS_KEY = "catalog_listing_facts"
SEARCHES_KEY = "catalog_searches"
# Facts are small (a switch, a country list, one reseller's markups) and have a cache of
# their own, so one entry per reseller never pushes a rendered listing out.
MAX_FACTS = 4096
# Each market's prices by product (catalog/rows.py): one per market.
MAX_PRODUCT_FACTS = 64
# The product list and each market's sellable products (catalog/rows.py): a few per market.
MAX_LISTING_FACTS = 64
# What each search (and filter) of a product list keeps: up to 5,000 references each.
MAX_SEARCHES = 256


class ListingCache:
    """An LRU of rendered HTML (and small facts) for one catalog version; a newer version
    empties it.

    The emptied entries are set aside rather than freed on the spot: freeing a worker's
    ~6,000 offer cards took ~6 ms, paid by whichever request first saw the new version
    (#27). `release_outdated` frees them once that request's response is sent; a cache
    never holds more than one outdated set (a second change frees the first)."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._outdated: OrderedDict[Hashable, object] | None = None
        self._version: int | None = None
        self._max = max_entries
        self._lock = threading.Lock()

    def _renew(self, catalog_version: int) -> None:
        """Start `catalog_version` (under the lock): entries of another version can never
        be served."""
        if self._entries:
            self._outdated = self._entries
            self._entries = OrderedDict()
        self._version = catalog_version

    def outdated(self) -> bool:
        return self._outdated is not None

    def release(self) -> None:
        """Free the entries set aside at the last version change."""
        with self._lock:
            outdated, self._outdated = self._outdated, None
        del outdated  # freed here, outside the lock

    def advance(self, catalog_version: int,
                changed_since: Callable[[int, int], frozenset[int] | None],
                forget: Callable[[OrderedDict, frozenset[int]], dict]) -> None:
        """Move entries kept per product to a newer `catalog_version`, less what the
        products changed since the kept version showed: `forget(entries, changed)` takes
        that out of the entries in place and returns the entries it dropped, which are set
        aside like an emptied cache's. `changed_since(kept_version, catalog_version)` reads
        the changed products (catalog/changes.py; None: anything else changed, and the
        newer version empties the cache as usual)."""
        with self._lock:
            kept_version = self._version
        if kept_version is None or kept_version >= catalog_version:
            return
        changed = changed_since(kept_version, catalog_version)  # a read: not under the lock
        if changed is None:
            return
        with self._lock:
            if self._version != kept_version:  # another thread moved it meanwhile
                return
            if changed:
                self._outdated = forget(self._entries, changed) or self._outdated
            self._version = catalog_version

    def peek(self, catalog_version: int, key: Hashable):
        """The entry kept for `key` at this version, or None."""
        with self._lock:
            if catalog_version != self._version:
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, catalog_version: int, key: Hashable, value: T) -> T:
        """Keep `value` for `key` at this version (a newer version empties the rest first)."""
        with self._lock:
            if catalog_version != self._version:
                self._renew(catalog_version)
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value

    def get_or_render(self, catalog_version: int, key: Hashable, render: Callable[[], T]) -> T:
        with self._lock:
            if catalog_version != self._version:
                self._renew(catalog_version)
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        html = render()
        with self._lock:
            if catalog_version == self._version:
                self._entries[key] = html
                while len(self._entries) > self._max:
                    self._entries.popitem(last=False)
        return html


def _caches(app) -> Iterator[ListingCache]:
    return (kept for kept in app.extensions.values() if isinstance(kept, ListingCache))


def holds_outdated(app) -> bool:
    """Whether any of the app's caches set entries aside at a version change."""
    return any(kept.outdated() for kept in _caches(app))


def release_outdated(app) -> None:
    """Free what every cache of the app set aside (ListingCache)."""
    for kept in _caches(app):
        kept.release()


def init_app(app) -> None:
    """Give the app its facts cache (one per worker process)."""
    app.extensions[FACTS_KEY] = ListingCache(MAX_FACTS)
    app.extensions[PRODUCT_FACTS_KEY] = ListingCache(MAX_PRODUCT_FACTS)
    app.extensions[LISTING_FACTS_KEY] = ListingCache(MAX_LISTING_FACTS)
    app.extensions[SEARCHES_KEY] = ListingCache(MAX_SEARCHES)


def catalog_fact(catalog_version: int, key: tuple, compute: Callable[[], T]) -> T:
    """A small fact derived from the catalog alone (C1's switches, whether a market has
    prices, the checkout's reference data), computed once per worker and catalog version
    instead of once per request."""
    return _kept(FACTS_KEY, catalog_version, ("fact", *key), compute)


def product_fact(catalog_version: int, key: tuple, compute: Callable[[], dict[int, T]]
                 ) -> dict[int, T]:
    """A fact kept per product (a market's prices by product id), filled in by its
    callers: a newer catalog version keeps it less the products it changed
    (catalog/changes.py), so one product's edited price is all the next page reads again."""
    cache: ListingCache = current_app.extensions[PRODUCT_FACTS_KEY]
    cache.advance(catalog_version, _changed, _forget)
    return cache.get_or_render(catalog_version, key, compute)


def carry_over(cache: ListingCache, catalog_version: int) -> None:
    """Bring `cache`, whose entries each show one product (the first part of their key),
    to `catalog_version`, keeping the entries of products no change since touched."""
    cache.advance(catalog_version, _changed, _drop)


def _changed(kept_version: int, catalog_version: int) -> frozenset[int] | None:
    return changes.since(db.session, kept_version, catalog_version)


def _drop(entries: OrderedDict, changed: frozenset[int]) -> dict:
    """The entries of changed products, taken out (a scan of the keys, no call per entry:
    a worker keeps ~6,000 offer cards)."""
    return {key: entries.pop(key) for key in [key for key in entries if key[0] in changed]}


def _forget(entries: OrderedDict, changed: frozenset[int]) -> dict:
    """Each per-product fact less the changed products: copies, as a request still at the
    older version may yet add its own reads to the old ones."""
    for key, by_product in entries.items():
        entries[key] = {product_id: fact for product_id, fact in by_product.items()
                        if product_id not in changed}
    return {}


def listing_fact(listing_version: int, key: tuple, compute: Callable[[], T]) -> T:
    """A fact derived from the listing alone (which products there are and which prices
    are listed where), kept across edits of amounts, markups and settings
    (catalog/version.py)."""
    return _kept(LISTING_FACTS_KEY, listing_version, key, compute)


def search_fact(listing_version: int, key: tuple, compute: Callable[[], T]) -> T:
    """The products a search keeps of a product list, per listing version (a cache of its
    own, so searches never push the product lists out)."""
    return _kept(SEARCHES_KEY, listing_version, key, compute)


def _kept(cache_key: str, version: int, key: tuple, compute: Callable[[], T]) -> T:
    cache: ListingCache = current_app.extensions[cache_key]
    return cache.get_or_render(version, key, compute)
