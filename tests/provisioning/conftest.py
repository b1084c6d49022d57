"""The app with the real Partner Center client answered in-process by the sandbox.

Every provisioning test runs twice: on SQLite and on PostgreSQL (marked `postgres`,
skipped when `make test`'s services are not running).
"""

from __future__ import annotations

import pytest

from connectors.partner_center.app_client import KEY
from tests.provisioning.databases import BACKENDS, app_on


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    """The storefront on an empty database of each backend."""
    with app_on(request.param, tmp_path) as app:
        yield app


@pytest.fixture
def pc_app(app, pc_client, pc_sandbox):
    """The test app provisioning against the sandbox, retrying without waiting."""
    app.extensions[KEY] = pc_client
    app.config.update(PROVISIONING_BACKOFF_SECONDS=0, PROVISIONING_POLL_SECONDS=0)
    return app


class Crash(RuntimeError):
    """The injected failure: a worker dying right after a Partner Center write."""


def crash_once_at(step: str):
    """A checkpoint that raises the first time provisioning passes `step`."""
    fired: list[str] = []

    def checkpoint(name: str) -> None:
        if name == step and not fired:
            fired.append(name)
            raise Crash(f"injected crash after the {name} write")

    checkpoint.fired = fired  # type: ignore[attr-defined]
    return checkpoint
