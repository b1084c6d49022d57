"""Reusable pytest fixtures: a fresh sandbox and the real client routed to it.

Import them in a conftest.py: `from connectors.partner_center.sandbox.fixtures import
pc_sandbox, pc_client, pc_sleeps  # noqa: F401`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import requests
import responses

from connectors.partner_center.auth import SandboxTokenProvider
from connectors.partner_center.client import LIVE_BASE_URL, PartnerCenterClient
from connectors.partner_center.sandbox import seed
from connectors.partner_center.sandbox.app import create_sandbox_app
from connectors.partner_center.sandbox.router import route_to_sandbox
from connectors.partner_center.sandbox.state import Sandbox


@pytest.fixture
def pc_sandbox() -> Sandbox:
    """A fresh, seeded sandbox; orders complete on the first read unless a test says so."""
    sandbox = Sandbox()
    sandbox.config.provisioning_polls = 0
    return sandbox


@pytest.fixture
def pc_sleeps() -> list[float]:
    """The waits the client asked for (its sleeper records instead of sleeping)."""
    return []


@pytest.fixture
def pc_responses(pc_sandbox: Sandbox) -> Iterator[responses.RequestsMock]:
    """`responses` answering the Partner Center base URL from the sandbox."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        route_to_sandbox(mock, create_sandbox_app(pc_sandbox, sleep=lambda _s: None),
                         LIVE_BASE_URL)
        yield mock


@pytest.fixture
def pc_client(pc_responses: responses.RequestsMock,
              pc_sleeps: list[float]) -> PartnerCenterClient:
    """The real client, on the real base URL, answered by the sandbox; sleeps are recorded."""
    return PartnerCenterClient(
        requests.Session(), LIVE_BASE_URL, SandboxTokenProvider(seed.PARTNER_TENANT_ID),
        sleeper=pc_sleeps.append, rng=random.Random(7))  # noqa: S311 - test jitter
