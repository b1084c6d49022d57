"""The K6 race again on PostgreSQL, where row locks (not SQLite's write lock) serialise it."""

from __future__ import annotations

import pytest

from config.settings import TestingConfig
from connectors.partner_center.app_client import KEY
from persistence import db
from storefront import create_app
from tests.provisioning.databases import database


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def app(request, tmp_path, pc_client):
    """The storefront on a fresh PostgreSQL database (skipped without make test's services)."""
    with database(request.param, tmp_path) as url:
        app = create_app(type("Settings", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
        app.extensions[KEY] = pc_client
        with app.app_context():
            db.create_all()
            yield app
            db.session.remove()
            db.engine.dispose()
