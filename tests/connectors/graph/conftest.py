"""GDAP fixtures: the real Graph client and msal sign-in, answered by the stateful sandbox."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests

from connectors.graph import GraphClient, Relationship, SignInProof
from connectors.partner_center.sandbox import seed
from connectors.partner_center.sandbox.fixtures import GRAPH_HOST

DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
LICENSE_ADMIN = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
ROLES = (DIRECTORY_READERS, USER_ADMIN, LICENSE_ADMIN)
GROUP = "869713c9-0b28-4d08-8949-ae07ae1bf528"  # a security group of the partner tenant
REDIRECT = "https://shop.example/account/tenant/signed-in"
FABRIKAM_ADMIN = f"avery@{seed.TENANT_WITH_DAP_DOMAIN}"


@pytest.fixture
def control(graph_responses) -> Callable[..., requests.Response]:
    """POST a /_sandbox control (the customer's side, the clock)."""

    def post(path: str, body: dict | None = None) -> requests.Response:
        return requests.post(f"{GRAPH_HOST}/_sandbox{path}", json=body or {}, timeout=5)

    return post


@pytest.fixture
def new_relationship(graph_client: GraphClient) -> Callable[..., Relationship]:
    """Create a relationship for Northwind (or another tenant) in status `created`."""

    def make(name: str = "Northwind GDAP", tenant: str = seed.TENANT_WITHOUT_DAP_ID,
             days: int = 730, roles: tuple[str, ...] = ROLES,
             auto_extend: bool = False) -> Relationship:
        return graph_client.create_relationship(tenant, name, timedelta(days=days), roles,
                                                auto_extend=auto_extend)

    return make


@pytest.fixture
def active_relationship(graph_client, new_relationship, control) -> Callable[..., Relationship]:
    """A relationship locked by the partner and approved by the customer's admin."""

    def make(**kw) -> Relationship:
        created = new_relationship(**kw)
        graph_client.lock_for_approval(created.id)
        assert control(f"/gdap/{created.id}/approve").status_code == 200
        return graph_client.get_relationship(created.id)

    return make


def posted_back(page: requests.Response) -> dict[str, str]:
    """The fields Entra's form_post page would submit to the redirect URI."""
    assert page.status_code == 200 and "hiddenform" in page.text
    return {k: html.unescape(v)
            for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', page.text)}


@pytest.fixture
def sign_in(sign_in_proof: SignInProof) -> Callable[..., tuple[dict, dict[str, str]]]:
    """Start a sign-in and let the browser visit Entra: (flow state, fields posted back)."""

    def run(login_hint: str | None = FABRIKAM_ADMIN, tenant_id: str | None = None):
        url, flow = sign_in_proof.start(REDIRECT, login_hint, tenant_id=tenant_id)
        return flow, posted_back(requests.get(url, allow_redirects=False, timeout=5))

    return run
