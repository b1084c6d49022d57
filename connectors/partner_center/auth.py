"""Access tokens for Partner Center: msal (app-only and app+user) or opaque sandbox tokens.

App+user follows the Secure Application Model: the refresh token from the admin's one-time
MFA consent is imported once into msal's SerializableTokenCache, which is persisted to a
file; afterwards tokens come from `acquire_token_silent`, and msal keeps the rotated refresh
token in that cache. Tokens and secrets never appear in logs, reprs or error messages.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msal

from connectors.partner_center.errors import ConsentRequired, ReauthenticationRequired
from connectors.partner_center.private_file import write_private
from connectors.partner_center.transport import TokenKind

log = logging.getLogger("connectors.partner_center.auth")

APP_SCOPE = "https://api.partnercenter.microsoft.com/.default"
USER_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation"
# AAD codes meaning the refresh token is dead: MFA/CA policy change or expiry.
DEAD_REFRESH_TOKEN_CODES = (50076, 50078, 700082)
RECONSENT = ("An administrator must sign in again with MFA and grant the Secure Application "
             "Model consent, then store the new refresh token.")


class SandboxTokenProvider:
    """Opaque tokens the Partner Center sandbox accepts, so the demo needs no credentials."""

    def __init__(self, tenant_id: str = "sandbox-partner") -> None:
        self._tenant_id = tenant_id

    def token(self, kind: TokenKind) -> str:
        """Return `sandbox-app:<tenant>` or `sandbox-user:<tenant>`."""
        return f"sandbox-{kind}:{self._tenant_id}"

    def forget(self, kind: TokenKind, token: str) -> None:
        """Nothing to drop: sandbox tokens are not cached and never expire."""

    def __repr__(self) -> str:
        return f"SandboxTokenProvider(tenant_id={self._tenant_id!r})"


def _aad_codes(result: dict[str, Any]) -> tuple[int, ...]:
    """AADSTS codes of a failed msal result."""
    return tuple(int(c) for c in result.get("error_codes") or ())


class MsalTokenProvider:
    """Partner Center tokens through msal; the msal app is built on first use (it does HTTP)."""

    def __init__(
        self, *, tenant_id: str, client_id: str, client_secret: str,
        refresh_token: str | None = None, cache_path: str | os.PathLike[str] | None = None,
        authority_host: str = "https://login.microsoftonline.com",
        app_factory: Callable[..., msal.ConfidentialClientApplication] = (
            msal.ConfidentialClientApplication),
    ) -> None:
        self._authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self._client_id = client_id
        self._secret = client_secret
        self._refresh_token = refresh_token
        self._cache_path = Path(cache_path) if cache_path else None
        self._factory = app_factory
        self._cache = msal.SerializableTokenCache()
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MsalTokenProvider(authority={self._authority!r}, client_id={self._client_id!r})"

    def token(self, kind: TokenKind) -> str:
        """Return an access token; app+user failures with a dead refresh token need consent."""
        with self._lock:
            result = self._user_token() if kind == "user" else self._app_token()
            self._persist()
        if "access_token" not in result:
            raise self._failure(kind, result)
        if result.get("token_source") == "identity_provider":  # new, not from msal's cache
            # Its lifetime only, never the token: the status page shows when it runs out.
            log.info("partner center %s token acquired, valid %s s", kind,
                     result.get("expires_in"), extra={
                         "token_source": "partner_center", "token_kind": kind,
                         "expires_in": result.get("expires_in")})
        return str(result["access_token"])

    def forget(self, kind: TokenKind, token: str) -> None:
        """Remove the refused access token from msal's cache (and its file), so the next
        `token` asks Entra ID: client credentials again for app-only, the cached refresh
        token for app+user. Only that token: another thread may already hold a newer one."""
        with self._lock:
            if self._app is None:
                return
            access = msal.TokenCache.CredentialType.ACCESS_TOKEN
            for item in list(self._cache.search(access)):
                if item.get("secret") == token:
                    self._cache.remove_at(item)
            self._persist()
        log.info("partner center %s token dropped after a 401", kind, extra={
            "token_source": "partner_center", "token_kind": kind})

    def _application(self) -> msal.ConfidentialClientApplication:
        """Build the msal app once, loading the persisted cache first."""
        if self._app is None:
            if self._cache_path and self._cache_path.exists():
                self._cache.deserialize(self._cache_path.read_text(encoding="utf-8"))
            # The authority is known: skip msal's instance-discovery round trip.
            self._app = self._factory(self._client_id, client_credential=self._secret,
                                      authority=self._authority, token_cache=self._cache,
                                      instance_discovery=False)
        return self._app

    def _app_token(self) -> dict[str, Any]:
        """Client-credentials token, served from msal's cache while valid."""
        return self._application().acquire_token_for_client(scopes=[APP_SCOPE])

    def _user_token(self) -> dict[str, Any]:
        """App+user token: silent from the cache, else import the refresh token once."""
        app = self._application()
        accounts = app.get_accounts()
        if accounts:
            result = app.acquire_token_silent_with_error([USER_SCOPE], account=accounts[0])
            if result:
                return result
        if not self._refresh_token:
            return {"error": "no_refresh_token"}
        result = app.acquire_token_by_refresh_token(self._refresh_token, scopes=[USER_SCOPE])
        if "access_token" in result:
            # The imported token is now in the cache, which keeps its rotated successors.
            self._refresh_token = None
        return result

    def _persist(self) -> None:
        """Write the token cache (with the newest refresh token) when it changed."""
        if self._cache_path and self._cache.has_state_changed:
            write_private(self._cache_path, self._cache.serialize())
            self._cache.has_state_changed = False

    def _failure(self, kind: TokenKind, result: dict[str, Any]) -> ReauthenticationRequired:
        """Turn an msal error into ours, keeping only the error name and AADSTS codes."""
        error, codes = str(result.get("error", "unknown_error")), _aad_codes(result)
        label = ", ".join(f"AADSTS{c}" for c in codes) or error
        log.warning("partner center %s token refused: %s", kind, label,
                    extra={"token_source": "partner_center", "token_kind": kind,
                           "token_failed": label})
        dead = error == "invalid_grant" or any(c in DEAD_REFRESH_TOKEN_CODES for c in codes)
        if kind == "user" and (dead or error == "no_refresh_token"):
            return ConsentRequired(
                f"Partner Center app+user sign-in is no longer valid ({label}). {RECONSENT}",
                http_status=400 if dead else None, code=error)
        return ReauthenticationRequired(
            f"Partner Center refused the app credentials ({label}); check the app "
            "registration's client id and secret.", http_status=401, code=error)
