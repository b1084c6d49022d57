"""The production gunicorn configuration's worker hooks (deploy/gunicorn.conf.py)."""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import logging
from collections.abc import Iterator
from pathlib import Path

from storefront import create_app
from tests.catalog.test_catalog_rows import statements
from tests.catalog.test_listing_cache import in_own_context, shop
from tests.conftest import login, on_database

ROOT = Path(__file__).resolve().parents[2]


def load_config():
    spec = importlib.util.spec_from_file_location("gunicorn_conf",
                                                  ROOT / "deploy" / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Worker:
    """What gunicorn hands the hook: the worker, its app loaded as `wsgi`."""

    def __init__(self, app) -> None:
        self.wsgi = app


@contextlib.contextmanager
def worker_started(app, config=None) -> Iterator[None]:
    """Run the hook as a starting worker does; afterwards thaw what it froze and give the
    interpreter its own collection schedule back (the rest of the suite runs on it)."""
    assert gc.get_freeze_count() == 0
    schedule = gc.get_threshold()
    try:
        (config or load_config()).post_worker_init(Worker(app))
        yield
    finally:
        gc.set_threshold(*schedule)
        gc.unfreeze()


def started(app) -> int:
    """The number of objects a starting worker froze."""
    with worker_started(app):
        return gc.get_freeze_count()


def test_a_worker_with_its_app_loaded_keeps_those_objects_out_of_full_collections(app):
    with worker_started(app):
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # this test process's modules and objects, as a worker's app
        assert len(gc.get_objects(generation=2)) < frozen  # a full collection's share
    assert gc.get_freeze_count() == 0


class Collections:
    """The collections the interpreter runs in a worker configured by `config`, by
    generation, and whether each ran between two requests (in the post_request hook) or
    during one."""

    def __init__(self, config) -> None:
        self.config = config
        self.seen: list[tuple[int, bool]] = []
        self.between = False
        self.held: list = []  # what the requests keep (as a page's cache entries)

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.seen.append((info["generation"], self.between))

    @contextlib.contextmanager
    def watched(self) -> Iterator[Collections]:
        gc.callbacks.append(self)
        try:
            yield self
        finally:
            gc.callbacks.remove(self)

    def request(self, objects: int) -> None:
        """A request that makes `objects` objects it keeps, then the hook gunicorn runs once
        the response is sent."""
        self.held.extend([] for _ in range(objects))
        self.between = True
        try:
            self.config.post_request(None, None, {}, None)
        finally:
            self.between = False


def test_a_worker_collects_garbage_between_requests_never_during_one(app):
    collections = Collections(load_config())
    with worker_started(app, collections.config), collections.watched():
        for _ in range(250):  # pages that each keep ~800 objects, as shop pages do
            collections.request(800)
    assert collections.seen
    assert [seen for seen in collections.seen if not seen[1]] == []  # none during one
    # All three generations, on the interpreter's schedule: ten young collections to
    # each older one.
    generations = [generation for generation, _ in collections.seen]
    assert set(generations) == {0, 1, 2}
    assert generations[:12] == [0] * 11 + [1]


def test_a_request_that_makes_far_more_objects_than_a_page_is_still_collected_during_it(app):
    collections = Collections(load_config())
    with worker_started(app, collections.config), collections.watched():
        collections.request(250_000)  # an import's worth
    assert [between for _, between in collections.seen].count(False) >= 2


def test_a_starting_worker_reads_the_product_lists_before_its_first_shop_page(
        app, client, world):
    started(app)
    in_own_context(app, lambda: login(client, world.direct_user))
    with statements() as sent:
        page = shop(app, client)
    assert "Microsoft 365 Business Standard" in page
    lists = ("SELECT products.", "SELECT skus.", "SELECT DISTINCT skus.")
    assert [s for s in sent if s.startswith(lists)] == []
    assert [s for s in sent if s.startswith("SELECT prices.")]  # its prices: only at its view


def test_a_worker_starts_when_the_database_cannot_answer_yet(tmp_path, caplog):
    unreachable = create_app(on_database(f"sqlite:///{tmp_path}/missing/store.sqlite"))
    with caplog.at_level(logging.WARNING, logger="catalog.warm"):
        assert started(unreachable) > 10_000
    assert "not read ahead (OperationalError)" in caplog.text
