"""The production gunicorn configuration's worker hooks (deploy/gunicorn.conf.py)."""

from __future__ import annotations

import gc
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_config():
    spec = importlib.util.spec_from_file_location("gunicorn_conf",
                                                  ROOT / "deploy" / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_worker_with_its_app_loaded_keeps_those_objects_out_of_full_collections():
    config = load_config()
    assert gc.get_freeze_count() == 0
    try:
        config.post_worker_init(worker=None)
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # this test process's modules and objects, as a worker's app
        assert len(gc.get_objects(generation=2)) < frozen  # a full collection's share
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
