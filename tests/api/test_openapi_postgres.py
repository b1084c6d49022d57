"""The API honours its own document on PostgreSQL too: SQLite stores what PostgreSQL
refuses (a NUL in text, an over-long value), so the generated requests run on both."""

import pytest

from connectors.partner_center.app_client import KEY
from tests.api.test_openapi import (  # noqa: F401 - collected again on this module's app
    test_the_api_honours_its_own_document as test_the_api_honours_its_document_on_postgres,
)
from tests.provisioning.databases import app_on

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(tmp_path, pc_client):
    """The storefront on a fresh PostgreSQL database (skipped without `make test`'s server)."""
    with app_on("postgres", tmp_path) as app:
        app.extensions[KEY] = pc_client
        yield app
