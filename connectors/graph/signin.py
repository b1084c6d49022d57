"""Proof that a person controls a Microsoft Entra tenant (rule K11): a work-account sign-in.

OpenID Connect authorization-code flow with PKCE through msal. `start` returns the URL to
send the browser to and a flow state to keep; `finish` takes the fields Entra posts back
to the redirect URI (response_mode=form_post, as msal recommends). msal checks the state
and the nonce but not the id token ("MSAL does not validate the ID token", msal >= 1.38),
so `finish` does: RS256 signature against the keys the authority publishes, audience = our
client id, issuer = the discovery document's issuer for the token's tenant, expiry. The
token's `tid` is the proven tenant.

The authority is `organizations`: only work or school accounts, each signed in at its home
tenant. A guest account in the customer's tenant therefore proves its own home tenant, not
the customer's, and a personal Microsoft account proves nothing.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
import msal
import requests

from connectors.graph.entra_http import EntraHttp

log = logging.getLogger("connectors.graph.signin")

CONSUMER_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"  # personal Microsoft accounts
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "tid", "oid"]


@dataclass(frozen=True)
class ProvenTenant:
    """Who signed in, and the tenant their work account belongs to."""

    tenant_id: str
    username: str  # preferred_username, e.g. admin@contoso.onmicrosoft.com
    object_id: str  # the user's oid in that tenant
    name: str = ""


class SignInError(Exception):
    """A sign-in that proves nothing; `code` is stable for messages and logs."""

    default_code = "sign_in_failed"
    retryable = False

    def __init__(self, message: str, *, code: str | None = None,
                 aad_codes: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.aad_codes = aad_codes


class SignInCancelled(SignInError):
    """The person cancelled or declined consent (access_denied): ask them to try again."""

    default_code = "sign_in_cancelled"


class SignInFailed(SignInError):
    """Entra refused the sign-in or the code redemption (invalid_grant and the like)."""


class SignInRejected(SignInError):
    """The answer cannot be trusted: wrong state or nonce, bad token, personal account."""

    default_code = "invalid_sign_in_response"


class TenantMismatch(SignInError):
    """The account belongs to another tenant than the one being linked."""

    default_code = "tenant_mismatch"

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__("The account that signed in belongs to another tenant.")
        self.expected, self.actual = expected, actual


class SignInUnavailable(SignInError):
    """Entra did not answer or answered 5xx: try again later."""

    default_code = "entra_unavailable"
    retryable = True


class SignInProof:
    """Runs the sign-in and verifies what comes back; holds no per-user state."""

    def __init__(self, client_id: str, secret: str,
                 authority_host: str = "https://login.microsoftonline.com", *,
                 session: requests.Session | None = None,
                 timeout: tuple[float, float] = (5.0, 30.0), rebase_to: str | None = None,
                 leeway: float = 120.0,
                 app_factory: Callable[..., msal.ConfidentialClientApplication] = (
                     msal.ConfidentialClientApplication)) -> None:
        self.client_id, self._secret, self._leeway = client_id, secret, leeway
        self._authority = f"{authority_host.rstrip('/')}/organizations"
        self._http = EntraHttp(session or requests.Session(), timeout,
                               authority_host, rebase_to)
        self._factory = app_factory
        self._http_cache: dict[Any, Any] = {}  # msal's discovery cache, shared by our apps
        self._keys: dict[str, Any] = {}
        self._issuer: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SignInProof(authority={self._authority!r}, client_id={self.client_id!r})"

    def start(self, redirect_uri: str, login_hint: str | None = None, *,
              tenant_id: str | None = None) -> tuple[str, dict[str, Any]]:
        """The URL to send the browser to, and the flow state to keep until it returns;
        with `tenant_id`, `finish` accepts only an account of that tenant."""
        # form_post keeps the code out of URLs, logs and Referer headers (RFC 9700 4.3.1).
        flow = self._app().initiate_auth_code_flow(
            scopes=[], redirect_uri=redirect_uri, login_hint=login_hint,
            response_mode="form_post")
        return self._http.browser_url(flow["auth_uri"]), {
            "msal": flow, "expected_tenant_id": tenant_id}

    def finish(self, flow_state: Mapping[str, Any],
               query_params: Mapping[str, str]) -> ProvenTenant:
        """Redeem the code Entra posted back (code, state or error, error_description)
        and return the tenant the account proves."""
        flow = dict(flow_state.get("msal") or {})
        params = {k: str(v) for k, v in query_params.items()}
        _check_response(flow, params)
        result = self._redeem(flow, params)
        claims = self._verified_claims(str(result.get("id_token") or ""))
        proven = ProvenTenant(tenant_id=str(claims["tid"]),
                              username=str(claims.get("preferred_username") or ""),
                              object_id=str(claims["oid"]), name=str(claims.get("name") or ""))
        expected = flow_state.get("expected_tenant_id")
        if expected and str(expected).lower() != proven.tenant_id.lower():
            log.info("sign-in proof: tenant %s, expected %s", proven.tenant_id, expected)
            raise TenantMismatch(str(expected), proven.tenant_id)
        return proven

    def _app(self) -> msal.ConfidentialClientApplication:
        """A fresh msal app per use, so no signed-in user's tokens pile up in a shared
        cache; msal's discovery answers are shared through `_http_cache`."""
        try:
            return self._factory(
                self.client_id, client_credential=self._secret, authority=self._authority,
                instance_discovery=False, http_client=self._http, http_cache=self._http_cache,
                # No refresh token: the proof needs one id token, nothing to keep.
                exclude_scopes=["offline_access"])
        except requests.RequestException as exc:
            raise SignInUnavailable("Microsoft Entra ID did not answer.") from exc
        except ValueError as exc:
            raise SignInFailed(f"The sign-in authority is not usable: {exc}",
                               code="invalid_authority") from exc

    def _redeem(self, flow: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        """Exchange the code (msal re-checks state and the nonce in the id token)."""
        try:
            result = self._app().acquire_token_by_auth_code_flow(flow, params)
        except requests.RequestException as exc:
            raise SignInUnavailable("Microsoft Entra ID did not answer.") from exc
        except RuntimeError as exc:  # msal: the id token's nonce is not this flow's
            raise SignInRejected("The sign-in answer was not issued for this sign-in.",
                                 code="nonce_mismatch") from exc
        except ValueError as exc:
            raise SignInRejected(f"The sign-in answer is malformed: {exc}") from exc
        if "error" in result:
            raise _entra_error(result)
        return result

    def _verified_claims(self, id_token: str) -> dict[str, Any]:
        """The id token's claims once signature, audience, issuer and expiry hold."""
        try:
            key = self._key(jwt.get_unverified_header(id_token).get("kid"))
            claims = jwt.decode(id_token, key, algorithms=["RS256"], audience=self.client_id,
                                leeway=self._leeway, options={"require": _REQUIRED_CLAIMS})
        except jwt.PyJWTError as exc:
            raise SignInRejected(f"The id token is not valid: {exc}",
                                 code="invalid_id_token") from exc
        except (requests.RequestException, ValueError) as exc:
            raise SignInUnavailable("Microsoft Entra ID's signing keys could not be read.") \
                from exc
        issuer = (self._issuer or "").replace("{tenantid}", str(claims["tid"]))
        if issuer.rstrip("/") != str(claims["iss"]).rstrip("/"):
            raise SignInRejected("The id token was not issued by the tenant it names.",
                                 code="invalid_id_token")
        if claims["tid"] == CONSUMER_TENANT_ID:
            raise SignInRejected("A personal Microsoft account cannot prove a tenant.",
                                 code="personal_account")
        return claims

    def _key(self, kid: Any) -> Any:
        """The signing key `kid`, re-reading the published keys once if it is new."""
        with self._lock:
            if kid not in self._keys:
                self._load_keys()
            if kid not in self._keys:
                raise jwt.InvalidKeyError(f"unknown signing key {kid!r}")
            return self._keys[kid]

    def _load_keys(self) -> None:
        """Read the discovery document (issuer, jwks_uri) and the keys it points to."""
        config = self._http.json(f"{self._authority}/v2.0/.well-known/openid-configuration")
        self._issuer = str(config.get("issuer") or "")
        keys = self._http.json(str(config.get("jwks_uri") or "")).get("keys") or []
        self._keys = {k.get("kid"): jwt.PyJWK(k).key for k in keys
                      if isinstance(k, dict) and k.get("kty") == "RSA"}


def _check_response(flow: dict[str, Any], params: dict[str, str]) -> None:
    """Refuse an answer that is not for the sign-in this session started."""
    expected = str(flow.get("state") or "")
    if not expected:
        raise SignInRejected("No sign-in was started in this session.", code="no_sign_in")
    if not hmac.compare_digest(expected, params.get("state", "")):
        raise SignInRejected("The sign-in answer belongs to another sign-in.",
                             code="state_mismatch")
    if not params.get("code") and not params.get("error"):
        raise SignInRejected("The sign-in answer carries neither a code nor an error.")


def _entra_error(result: dict[str, Any]) -> SignInError:
    """Entra's OAuth error as ours: cancelled, unavailable, or failed with its codes."""
    error = str(result.get("error"))
    codes = tuple(int(c) for c in result.get("error_codes") or ())
    message = str(result.get("error_description") or error)
    if error == "access_denied":
        return SignInCancelled(message, code="sign_in_cancelled", aad_codes=codes)
    if error in ("temporarily_unavailable", "server_error"):
        return SignInUnavailable(message, code=error, aad_codes=codes)
    return SignInFailed(message, code=error, aad_codes=codes)
