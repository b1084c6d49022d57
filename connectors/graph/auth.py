"""Access tokens for Microsoft Graph: msal app-only (client credentials) or sandbox tokens.

GDAP calls run as the partner's own app registration in the partner tenant, with the
application permission DelegatedAdminRelationship.ReadWrite.All; Microsoft then also
requires the "Partner Customer Delegated Administration" service principal
(2832473f-ec63-45fb-976f-5d45a7d4bb91) in the partner tenant. Secrets never appear in logs,
reprs or error messages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import msal

from connectors.graph.errors import ReauthenticationRequired

log = logging.getLogger("connectors.graph.auth")

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
PARTNER_DELEGATED_ADMIN_APP_ID = "2832473f-ec63-45fb-976f-5d45a7d4bb91"


class SandboxGraphTokenProvider:
    """Opaque tokens the sandbox accepts on its Graph routes (and refuses elsewhere)."""

    def __init__(self, tenant_id: str = "sandbox-partner") -> None:
        self._tenant_id = tenant_id

    def token(self) -> str:
        """Return `sandbox-graph:<partner tenant>`."""
        return f"sandbox-graph:{self._tenant_id}"

    def forget(self, token: str) -> None:
        """Nothing to drop: sandbox tokens are not cached and never expire."""

    def __repr__(self) -> str:
        return f"SandboxGraphTokenProvider(tenant_id={self._tenant_id!r})"


class MsalGraphTokenProvider:
    """App-only Graph tokens through msal; the msal app is built on first use (it does HTTP)."""

    def __init__(self, *, tenant_id: str, client_id: str, client_secret: str,
                 authority_host: str = "https://login.microsoftonline.com",
                 timeout: tuple[float, float] = (5.0, 30.0),
                 app_factory: Callable[..., msal.ConfidentialClientApplication] = (
                     msal.ConfidentialClientApplication)) -> None:
        self._authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self._client_id, self._secret = client_id, client_secret
        self._timeout, self._factory = timeout, app_factory
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"MsalGraphTokenProvider(authority={self._authority!r}, "
                f"client_id={self._client_id!r})")

    def token(self) -> str:
        """A client-credentials token, served from msal's cache while it is valid."""
        with self._lock:
            result = self._application().acquire_token_for_client(scopes=[GRAPH_SCOPE])
        if "access_token" not in result:
            raise self._failure(result)
        if result.get("token_source") == "identity_provider":  # new, not from msal's cache
            log.info("graph app token acquired, valid %s s", result.get("expires_in"),
                     extra={"token_source": "graph", "token_kind": "app",
                            "expires_in": result.get("expires_in")})
        return str(result["access_token"])

    def forget(self, token: str) -> None:
        """Remove the refused access token from msal's cache, so the next `token` asks
        Entra ID again. Only that token: another thread may already hold a newer one."""
        with self._lock:
            if self._app is None:
                return
            cache = self._app.token_cache
            access = msal.TokenCache.CredentialType.ACCESS_TOKEN
            for item in list(cache.search(access)):
                if item.get("secret") == token:
                    cache.remove_at(item)
        log.info("graph app token dropped after a 401", extra={
            "token_source": "graph", "token_kind": "app"})

    def _application(self) -> msal.ConfidentialClientApplication:
        """Build the msal app once; msal's own session gets our timeout on every call."""
        if self._app is None:
            # The authority is known: skip msal's instance-discovery round trip.
            self._app = self._factory(self._client_id, client_credential=self._secret,
                                      authority=self._authority, instance_discovery=False,
                                      timeout=self._timeout)
        return self._app

    def _failure(self, result: dict[str, Any]) -> ReauthenticationRequired:
        """msal's error, keeping only the error name and AADSTS codes (never secrets)."""
        codes = ", ".join(f"AADSTS{c}" for c in result.get("error_codes") or ())
        label = codes or str(result.get("error", "unknown_error"))
        log.warning("graph app token refused: %s", label, extra={
            "token_source": "graph", "token_kind": "app", "token_failed": label})
        return ReauthenticationRequired(
            f"Entra ID refused the Graph app credentials ({label}); check the app "
            "registration's client id, secret and DelegatedAdminRelationship consent.",
            http_status=401, code=str(result.get("error") or "unknown_error"))
