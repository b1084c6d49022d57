"""The Partner Center client and the factory that builds it from the app's settings."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from connectors.partner_center.auth import MsalTokenProvider, SandboxTokenProvider
from connectors.partner_center.azure_plan import AzurePlanApi
from connectors.partner_center.commerce_api import CommerceApi
from connectors.partner_center.customers_api import CustomersApi
from connectors.partner_center.entitlements import EntitlementsApi
from connectors.partner_center.invoices import InvoicesApi
from connectors.partner_center.retry import RetryPolicy
from connectors.partner_center.transport import TokenProvider, Transport

LIVE_BASE_URL = "https://api.partnercenter.microsoft.com"
SANDBOX_BASE_URL = "http://127.0.0.1:5001"


class PartnerCenterClient(CustomersApi, CommerceApi, InvoicesApi, AzurePlanApi,
                          EntitlementsApi):
    """Partner Center REST client: one method per operation, typed values in and out.

    No globals: the session, base URL and token provider are given. Every request carries a
    (connect, read) timeout; silence, 429 and 5xx are retried with the same MS-RequestId.
    """

    def __init__(
        self, session: requests.Session, base_url: str, token_provider: TokenProvider, *,
        timeout: tuple[float, float] = (5.0, 30.0), max_attempts: int = 4,
        backoff_base: float = 0.5, backoff_cap: float = 30.0,
        sleeper: Callable[[float], None] = time.sleep, locale: str = "en-US",
        rng: random.Random | None = None,
    ) -> None:
        retry = RetryPolicy(max_attempts=max_attempts, backoff_base=backoff_base,
                            backoff_cap=backoff_cap, sleeper=sleeper,
                            rng=rng or random.Random())  # noqa: S311 - jitter, not security
        self.base_url = base_url.rstrip("/")
        self._transport = Transport(session, base_url, token_provider, timeout=timeout,
                                    retry=retry, locale=locale)

    def __repr__(self) -> str:
        return f"PartnerCenterClient(base_url={self.base_url!r})"

    def check_token(self) -> None:
        """Get an app-only token (msal's cache serves it while valid), for readiness checks;
        raises ReauthenticationRequired when Entra ID refuses the credentials."""
        self._transport.token("app")


def _token_provider(settings: Mapping[str, Any], mode: str) -> TokenProvider:
    """Sandbox tokens in sandbox mode, msal otherwise."""
    tenant = settings.get("PARTNER_CENTER_TENANT_ID") or ""
    if mode == "sandbox":
        return SandboxTokenProvider(tenant or "sandbox-partner")
    return MsalTokenProvider(
        tenant_id=tenant, client_id=settings.get("PARTNER_CENTER_CLIENT_ID") or "",
        client_secret=settings.get("PARTNER_CENTER_CLIENT_SECRET") or "",
        refresh_token=settings.get("PARTNER_CENTER_REFRESH_TOKEN") or None,
        cache_path=settings.get("PARTNER_CENTER_TOKEN_CACHE") or None,
        authority_host=settings.get("PARTNER_CENTER_AUTHORITY_HOST")
        or "https://login.microsoftonline.com",
    )


def build_client(settings: Mapping[str, Any],
                 session: requests.Session | None = None) -> PartnerCenterClient:
    """Build the client from PARTNER_CENTER_* settings (Flask config or any mapping)."""
    mode = str(settings.get("PARTNER_CENTER_MODE") or "sandbox").lower()
    if mode not in ("sandbox", "live"):
        raise ValueError(f"PARTNER_CENTER_MODE must be 'sandbox' or 'live', not {mode!r}")
    default_url = SANDBOX_BASE_URL if mode == "sandbox" else LIVE_BASE_URL
    timeout = (float(settings.get("PARTNER_CENTER_CONNECT_TIMEOUT") or 5),
               float(settings.get("PARTNER_CENTER_READ_TIMEOUT") or 30))
    return PartnerCenterClient(
        session or requests.Session(),
        settings.get("PARTNER_CENTER_BASE_URL") or default_url,
        _token_provider(settings, mode), timeout=timeout)
