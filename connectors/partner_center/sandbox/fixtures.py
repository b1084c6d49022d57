"""Reusable pytest fixtures: a fresh sandbox and the real client routed to it.

Import them in a conftest.py: `from connectors.partner_center.sandbox.fixtures import
pc_sandbox, pc_client, pc_sleeps  # noqa: F401`. graph_client and sign_in_proof put the real
Graph client and the real msal sign-in on the same sandbox.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import requests
import responses

from connectors.graph.auth import SandboxGraphTokenProvider
from connectors.graph.client import LIVE_BASE_URL as LIVE_GRAPH_URL
from connectors.graph.client import SANDBOX_SIGN_IN_CLIENT_ID as SIGN_IN_CLIENT_ID
from connectors.graph.client import GraphClient
from connectors.graph.signin import SignInProof
from connectors.partner_center.auth import SandboxTokenProvider
from connectors.partner_center.client import LIVE_BASE_URL, PartnerCenterClient
from connectors.partner_center.sandbox import seed
from connectors.partner_center.sandbox.app import create_sandbox_app
from connectors.partner_center.sandbox.graph import served_at
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
        app = create_sandbox_app(pc_sandbox, sleep=lambda _s: None)
        mock.sandbox_app = app  # graph_responses serves Graph and Entra from the same app
        route_to_sandbox(mock, app, LIVE_BASE_URL)
        yield mock


@pytest.fixture
def pc_client(pc_responses: responses.RequestsMock,
              pc_sleeps: list[float]) -> PartnerCenterClient:
    """The real client, on the real base URL, answered by the sandbox; sleeps are recorded."""
    return PartnerCenterClient(
        requests.Session(), LIVE_BASE_URL, SandboxTokenProvider(seed.PARTNER_TENANT_ID),
        sleeper=pc_sleeps.append, rng=random.Random(7))  # noqa: S311 - test jitter


# Microsoft Graph (GDAP) and Entra ID sign-in, answered by the same sandbox.
GRAPH_HOST = "https://graph.microsoft.com"
ENTRA_HOST = "https://login.microsoftonline.com"
SIGN_IN_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox accepts any secret


@pytest.fixture
def graph_responses(pc_responses: responses.RequestsMock,
                    pc_sandbox: Sandbox) -> responses.RequestsMock:
    """`pc_responses` also answering graph.microsoft.com and login.microsoftonline.com."""
    app = pc_responses.sandbox_app  # building a second app per test cost ~45 ms
    route_to_sandbox(pc_responses, served_at(app, GRAPH_HOST), GRAPH_HOST)  # type: ignore[arg-type]
    route_to_sandbox(pc_responses, app, ENTRA_HOST)
    return pc_responses


@pytest.fixture
def graph_client(graph_responses: responses.RequestsMock,
                 pc_sleeps: list[float]) -> GraphClient:
    """The real Graph client on Graph's real base URL, answered by the sandbox."""
    return GraphClient(requests.Session(), LIVE_GRAPH_URL,
                       token_provider=SandboxGraphTokenProvider(seed.PARTNER_TENANT_ID),
                       sleeper=pc_sleeps.append, rng=random.Random(7))  # noqa: S311


@pytest.fixture
def sign_in_proof(graph_responses: responses.RequestsMock) -> SignInProof:
    """The real sign-in proof (real msal) against the sandbox's Entra ID double."""
    return SignInProof(SIGN_IN_CLIENT_ID, SIGN_IN_SECRET, ENTRA_HOST, session=requests.Session())
