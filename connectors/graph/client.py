"""The Microsoft Graph client and the factory that builds it from the app's settings."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from connectors.graph.auth import MsalGraphTokenProvider, SandboxGraphTokenProvider
from connectors.graph.billing import BillingApi
from connectors.graph.blobs import BlobReader
from connectors.graph.gdap import GdapApi
from connectors.graph.retry import RetryPolicy
from connectors.graph.signin import SignInProof
from connectors.graph.transport import TokenProvider, Transport

LIVE_BASE_URL = "https://graph.microsoft.com/v1.0"
SANDBOX_URL = "http://127.0.0.1:5001"  # the Partner Center sandbox also serves Graph
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
SANDBOX_SIGN_IN_CLIENT_ID = "5a1e5b0c-0000-4000-8000-00000000d3e0"  # the demo app registration


class GraphClient(GdapApi, BillingApi):
    """Microsoft Graph client: one method per operation, frozen dataclasses out.

    No globals: the session, base URL and token provider are given. Every request carries a
    (connect, read) timeout; silence, 429 and 5xx are retried `retries` times with backoff
    (or Graph's Retry-After), keeping the call's client-request-id.
    """

    def __init__(self, session: requests.Session, base_url: str = LIVE_BASE_URL, *,
                 token_provider: TokenProvider, timeout: tuple[float, float] = (5.0, 30.0),
                 retries: int = 3, backoff_base: float = 0.5, backoff_cap: float = 30.0,
                 sleeper: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        retry = RetryPolicy(max_attempts=retries + 1, backoff_base=backoff_base,
                            backoff_cap=backoff_cap, sleeper=sleeper,
                            rng=rng or random.Random())  # noqa: S311 - jitter, not security
        self.base_url = base_url.rstrip("/")
        self._transport = Transport(session, self.base_url, token_provider, timeout=timeout,
                                    retry=retry)
        # Export blobs live in Azure Storage, read with the manifest's SAS, not our token.
        self._blobs = BlobReader(session, timeout=timeout, retry=retry)
        self._sleep = sleeper  # waits between polls of a billing export

    def __repr__(self) -> str:
        return f"GraphClient(base_url={self.base_url!r})"

    def check_token(self) -> None:
        """Get a token (msal's cache serves it while valid), for readiness checks; raises
        ReauthenticationRequired when Entra ID refuses the credentials."""
        self._transport.token()


def _setting(settings: Mapping[str, Any], name: str, fallback: str = "") -> str:
    """GRAPH_<name>, else PARTNER_CENTER_<name>: one app registration can serve both."""
    return str(settings.get(f"GRAPH_{name}") or settings.get(f"PARTNER_CENTER_{name}")
               or fallback)


def graph_mode(settings: Mapping[str, Any]) -> str:
    """GRAPH_MODE, else PARTNER_CENTER_MODE: 'sandbox' or 'live'."""
    mode = _setting(settings, "MODE", "sandbox").lower()
    if mode not in ("sandbox", "live"):
        raise ValueError(f"GRAPH_MODE must be 'sandbox' or 'live', not {mode!r}")
    return mode


def sandbox_url(settings: Mapping[str, Any]) -> str:
    """Where the sandbox runs: the Partner Center sandbox URL, which serves Graph too."""
    return str(settings.get("PARTNER_CENTER_BASE_URL") or SANDBOX_URL).rstrip("/")


def _token_provider(settings: Mapping[str, Any], mode: str,
                    timeout: tuple[float, float]) -> TokenProvider:
    """Sandbox tokens in sandbox mode, msal client credentials otherwise."""
    tenant = _setting(settings, "TENANT_ID")
    if mode == "sandbox":
        return SandboxGraphTokenProvider(tenant or "sandbox-partner")
    return MsalGraphTokenProvider(
        tenant_id=tenant, client_id=_setting(settings, "CLIENT_ID"),
        client_secret=_setting(settings, "CLIENT_SECRET"),
        authority_host=_setting(settings, "AUTHORITY_HOST", DEFAULT_AUTHORITY_HOST),
        timeout=timeout)


def build_graph_client(settings: Mapping[str, Any],
                       session: requests.Session | None = None) -> GraphClient:
    """Build the client from GRAPH_* settings, falling back to PARTNER_CENTER_* ones."""
    mode = graph_mode(settings)
    default_url = sandbox_url(settings) + "/v1.0" if mode == "sandbox" else LIVE_BASE_URL
    timeout = (float(_setting(settings, "CONNECT_TIMEOUT", "5")),
               float(_setting(settings, "READ_TIMEOUT", "30")))
    return GraphClient(session or requests.Session(),
                       str(settings.get("GRAPH_BASE_URL") or default_url),
                       token_provider=_token_provider(settings, mode, timeout), timeout=timeout)


def build_sign_in_proof(settings: Mapping[str, Any],
                        session: requests.Session | None = None) -> SignInProof:
    """The K11 sign-in proof from ENTRA_* settings. In sandbox mode the authority host is
    served by the sandbox's Entra double, with a demo app registration unless one is set."""
    sandbox = graph_mode(settings) == "sandbox"
    host = str(settings.get("ENTRA_AUTHORITY_HOST")
               or settings.get("PARTNER_CENTER_AUTHORITY_HOST") or DEFAULT_AUTHORITY_HOST)
    timeout = (float(_setting(settings, "CONNECT_TIMEOUT", "5")),
               float(_setting(settings, "READ_TIMEOUT", "30")))
    return SignInProof(
        str(settings.get("ENTRA_SIGN_IN_CLIENT_ID") or (SANDBOX_SIGN_IN_CLIENT_ID if sandbox
                                                        else "")),
        str(settings.get("ENTRA_SIGN_IN_CLIENT_SECRET") or ("sandbox-secret" if sandbox
                                                            else "")),
        host, session=session, timeout=timeout,
        rebase_to=sandbox_url(settings) if sandbox else None)
