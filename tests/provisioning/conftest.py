"""The app with the real Partner Center client answered in-process by the sandbox."""

from __future__ import annotations

import pytest

from storefront.partner_center import KEY


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
