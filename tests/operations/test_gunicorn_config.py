"""The production gunicorn configuration's worker hooks (deploy/gunicorn.conf.py)."""

from __future__ import annotations

import gc
import importlib.util
import logging
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


def started(app) -> int:
    """Run the hook as a starting worker does; the objects it froze (then thawed)."""
    assert gc.get_freeze_count() == 0
    try:
        load_config().post_worker_init(Worker(app))
        return gc.get_freeze_count()
    finally:
        gc.unfreeze()


def test_a_worker_with_its_app_loaded_keeps_those_objects_out_of_full_collections(app):
    config = load_config()
    try:
        config.post_worker_init(Worker(app))
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # this test process's modules and objects, as a worker's app
        assert len(gc.get_objects(generation=2)) < frozen  # a full collection's share
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


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
