"""Rendered catalog listings, kept per worker for as long as the catalog version stands.

A listing (the shop's priced offers, the admin's product table) depends only on the catalog
and on what its key names, so it is rendered once per catalog version and key. The version
is read from the database on every request (catalog/version.py), which keeps every gunicorn
worker right after a write made anywhere. Per-session CSRF tokens are the one part that
differs between users: listings are rendered with a placeholder in their place, filled in
on the way out.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from catalog import version
from storefront.extensions import db

KEY = "listing_cache"
# Unguessable, so no product title can smuggle it into a listing.
CSRF_HOLE = f"csrf-{secrets.token_hex(16)}"
# The customer being shopped for: one listing serves every customer who sees the same
# offers at the same prices, instead of one cache entry per customer.
CUSTOMER_HOLE = f"customer-{secrets.token_hex(16)}"
T = TypeVar("T")
MAX_ENTRIES = 128  # a shop listing is ~90 kB: at most ~12 MB per worker
FACTS_KEY = "catalog_facts"
# Facts are small (a switch, a country list, one reseller's markups) and have a cache of
# their own, so one entry per reseller never pushes a rendered listing out.
MAX_FACTS = 4096


class ListingCache:
    """An LRU of rendered HTML (and small facts) for one catalog version; a newer version
    empties it."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._version: int | None = None
        self._max = max_entries
        self._lock = threading.Lock()

    def get_or_render(self, catalog_version: int, key: Hashable, render: Callable[[], T]) -> T:
        with self._lock:
            if catalog_version != self._version:
                self._entries.clear()  # entries of an older version can never be served
                self._version = catalog_version
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


def init_app(app: Flask) -> None:
    app.extensions[KEY] = ListingCache()
    app.extensions[FACTS_KEY] = ListingCache(MAX_FACTS)


def cached_listing(template: str, key: tuple, context: Callable[[], dict],
                   catalog_version: int | None = None, holes: dict[str, str] | None = None
                   ) -> Markup:
    """`template` rendered with `context()`, from the cache when `key` and the catalog match.

    The key must name everything besides the catalog that changes the output; `context`
    (the queries) runs only when the listing has to be rendered. Pass the version when the
    request has read it already; it must be read before any catalog read. `holes` are
    placeholders the context rendered (e.g. CUSTOMER_HOLE) and their values for this
    request."""
    if catalog_version is None:
        catalog_version = version.current(db.session)
    cache: ListingCache = current_app.extensions[KEY]
    pieces = cache.get_or_render(
        catalog_version, (template, request.script_root, *key),
        lambda: _split(render_template(template, csrf_token=lambda: CSRF_HOLE, **context())))
    values = {hole: str(escape(value)) for hole, value in
              {CSRF_HOLE: generate_csrf(), **(holes or {})}.items()}
    # One join instead of a replace pass per hole over ~90 kB; only the holes are looked up
    # (the text between them never equals a hole, or the split would have cut it).
    return Markup("".join([values.get(piece, piece) for piece in pieces]))  # noqa: S704


_HOLES = re.compile(f"({re.escape(CSRF_HOLE)}|{re.escape(CUSTOMER_HOLE)})")


def _split(html: str) -> tuple[str, ...]:
    """The rendered (autoescaped) listing cut at its holes: text, hole, text, …"""
    return tuple(_HOLES.split(html))


def catalog_fact(catalog_version: int, key: tuple, compute: Callable[[], T]) -> T:
    """A small fact derived from the catalog alone (C1's switches, whether a market has
    prices, the checkout's reference data), computed once per worker and catalog version
    instead of once per request."""
    cache: ListingCache = current_app.extensions[FACTS_KEY]
    return cache.get_or_render(catalog_version, ("fact", *key), compute)
