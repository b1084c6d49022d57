"""Rendered catalog listings, kept per worker for as long as the catalog version stands.

A listing (the shop's priced offers, the admin's product table) depends only on the catalog
and on what its key names, so it is rendered once per catalog version and key. The version
is read from the database on every request (catalog/version.py), which keeps every gunicorn
worker right after a write made anywhere. Per-session CSRF tokens are the one part that
differs between users: listings are rendered with a placeholder in their place, filled in
on the way out.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from flask import (
    Flask,
    Response,
    after_this_request,
    current_app,
    render_template,
    request,
    url_for,
)
from markupsafe import escape

from catalog import cache, version
from catalog.cache import ListingCache
from persistence import db
from storefront.csrf_tokens import csrf_token

KEY = "listing_cache"
CACHE_HEADER = "X-Listing-Cache"
# Unguessable, so no product title can smuggle it into a listing.
CSRF_HOLE = f"csrf-{secrets.token_hex(16)}"
# The customer being shopped for: one listing serves every customer who sees the same
# offers at the same prices, instead of one cache entry per customer.
CUSTOMER_HOLE = f"customer-{secrets.token_hex(16)}"
# Where a page template places its listing (listing_page).
LISTING_MARK = f"listing-{secrets.token_hex(16)}"
# Where a listing template placed a Fragment (cached_listing puts its bytes there).
FRAGMENT_MARK = f"fragment-{secrets.token_hex(16)}"
T = TypeVar("T")
MAX_ENTRIES = 128  # a shop listing is ~90 kB: at most ~12 MB per worker
# The shop's offer cards, one per product and kind of buyer (storefront/shop.py): ~4.5 kB
# each, so at most ~27 MB per worker, enough for every product of a 5,000-product catalog
# in one market at one buyer's prices.
OFFERS = "offer_cards"
MAX_OFFERS = 6000


def init_app(app: Flask) -> None:
    app.extensions[KEY] = ListingCache(MAX_ENTRIES)
    app.extensions[OFFERS] = ListingCache(MAX_OFFERS)
    cache.init_app(app)
    app.after_request(_free_outdated_once_sent)


def _free_outdated_once_sent(response: Response) -> Response:
    """What the caches set aside at a catalog change (catalog/cache.py) is freed when the
    server has sent this response, not while its client waits."""
    if cache.holds_outdated(current_app):
        app = current_app._get_current_object()
        response.call_on_close(lambda: cache.release_outdated(app))
    return response


def cached_listing(template: str, key: tuple, context: Callable[[], dict],
                   catalog_version: int | None = None, holes: dict[str, str] | None = None
                   ) -> bytes:
    """`template` rendered with `context()`, from the cache when `key` and the catalog match,
    as UTF-8 for listing_page.

    The key must name everything besides the catalog that changes the output; `context`
    (the queries) runs only when the listing has to be rendered. Pass the version when the
    request has read it already; it must be read before any catalog read. `holes` are
    placeholders the context rendered (e.g. CUSTOMER_HOLE) and their values for this
    request."""
    if catalog_version is None:
        catalog_version = version.current(db.session)
    cache: ListingCache = current_app.extensions[KEY]
    rendered = []

    def render() -> tuple[bytes, ...]:
        rendered.append(True)
        # Straight from the environment, without the context processors: a listing is
        # shared by every user its key allows, so it must not see who is asking (and they
        # would run their queries, e.g. the unread count, a second time per page).
        page = current_app.jinja_env.get_template(template)
        placed: list[Fragment] = []
        token = _placed.set(placed)
        try:
            html = page.render(csrf_token=lambda: CSRF_HOLE, **context())
        finally:
            _placed.reset(token)
        return _spliced(html, placed)

    pieces = cache.get_or_render(catalog_version, (template, request.script_root, *key), render)
    _tell_cache_state("miss" if rendered else "hit")
    values = {hole.encode(): str(escape(value)).encode() for hole, value in
              {CSRF_HOLE: csrf_token(), **(holes or {})}.items()}
    # One join instead of a replace pass per hole over ~90 kB; only the holes are looked up
    # (the text between them never equals a hole, or the split would have cut it).
    return b"".join([values.get(piece, piece) for piece in pieces])


def listing_page(template: str, listing: bytes, **context) -> Response:
    """The page `template` renders around a listing from cached_listing (at
    `{{ listing }}`). The listing, most of the page, is kept encoded and joined to the rest
    as bytes: encoding a ~110 kB shop page was ~0.12 ms of every view (#27)."""
    page = render_template(template, listing=LISTING_MARK, **context)
    head, mark, tail = page.partition(LISTING_MARK)
    if not mark:
        raise ValueError(f"{template} does not show its listing")
    return current_app.response_class(b"".join((head.encode(), listing, tail.encode())))


def id_url(endpoint: str, argument: str) -> Callable[[int], str]:
    """The address of `endpoint` for any id, from one url_for call: a listing links each of
    its rows, and url_for per row was a fifth of an admin catalog page not yet cached (#27)."""
    marker = 987654321987654321  # no row's id: the one place the id goes
    head, tail = url_for(endpoint, **{argument: marker}).split(str(marker))
    return lambda row_id: f"{head}{int(row_id)}{tail}"


def _tell_cache_state(state: str) -> None:
    """Say whether the listing came from the cache: the catalog bench (bench/catalog_page.py)
    splits its timings into cold and warm views by it. It names no data, only hit or miss."""
    @after_this_request
    def header(response):
        response.headers[CACHE_HEADER] = state
        return response


class Fragment:
    """A part of listings rendered once and kept encoded and cut at its holes, e.g. one
    product's offer card, shown on many pages. A listing template prints it like Markup;
    cached_listing joins its bytes in, so a page of 20 cards is not joined, encoded and cut
    again as one ~100 kB string (#27). Its pieces are autoescaped HTML, encoded, each hole
    (CSRF_HOLE, CUSTOMER_HOLE) a piece of its own, as `_split` cuts them."""

    __slots__ = ("pieces",)

    def __init__(self, pieces: tuple[bytes, ...]) -> None:
        self.pieces = pieces

    def __html__(self) -> str:
        placed = _placed.get(None)
        if placed is None:
            raise RuntimeError("a Fragment is printed only by a cached_listing template")
        placed.append(self)
        return FRAGMENT_MARK


# The Fragments a listing being rendered printed, in order (cached_listing).
_placed: ContextVar[list[Fragment]] = ContextVar("listing_fragments")


def _spliced(html: str, placed: list[Fragment]) -> tuple[bytes, ...]:
    """_split(html) with each placed Fragment's pieces where the template printed it."""
    if not placed:
        return _split(html)
    pieces: list[bytes] = []
    parts = html.split(FRAGMENT_MARK)
    for fragment, part in zip(placed, parts[:-1], strict=True):
        pieces += _split(part)
        pieces += fragment.pieces
    pieces += _split(parts[-1])
    return tuple(pieces)


def _split(html: str) -> tuple[bytes, ...]:
    """The rendered (autoescaped) listing, encoded, cut at its holes: text, hole, text, …
    Encoded first, then split: UTF-8 never holds a hole's ASCII inside another character,
    and splitting the bytes takes about half as long as splitting a str holding any
    character past Latin-1 (a regex over ~100 kB was a tenth of a page not yet cached, #27)."""
    csrf, customer = CSRF_HOLE.encode(), CUSTOMER_HOLE.encode()
    pieces: list[bytes] = []
    for at, part in enumerate(html.encode().split(csrf)):
        if at:
            pieces.append(csrf)
        for inner, text in enumerate(part.split(customer)):
            if inner:
                pieces.append(customer)
            pieces.append(text)
    return tuple(pieces)
