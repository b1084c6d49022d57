"""A Microsoft Entra ID double for OpenID Connect sign-in (rule K11's proof of tenant control).

Entra's paths, as msal and the sign-in proof call them (v2-protocols-oidc.md,
v2-oauth2-auth-code-flow.md): GET /{tenant}/v2.0/.well-known/openid-configuration,
GET /{tenant}/discovery/v2.0/keys, GET /{tenant}/oauth2/v2.0/authorize (no login page: it
redirects straight back with a code) and POST /{tenant}/oauth2/v2.0/token (an RS256 id
token with tid, oid, preferred_username, nonce, aud, iss, exp, iat).

Who signs in: the identity set by POST /_sandbox/entra/sign-in (used once), else the
login_hint, whose domain names a tenant among the sandbox's customers. Endpoints and
issuer use config.entra_authority_host, because msal insists on an https authority: over
plain http the client maps that host to this server (connectors/graph/entra_http.py).
Codes are single-use, live 10 minutes of sandbox time and are bound to the client,
redirect URI and PKCE challenge.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import uuid
from datetime import datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Blueprint, Response, jsonify, redirect, request

from connectors.partner_center.sandbox.state import Sandbox

MULTI_TENANT = ("common", "organizations")
CODE_LIFETIME = timedelta(minutes=10)  # "Typically, they expire after about 10 minutes."
TOKEN_LIFETIME = 3600


class EntraError(Exception):
    """An OAuth error answer: {error, error_description, error_codes, ...} with a status."""

    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.code, self.description = status, error, code, description

    def response(self, now: str) -> tuple[Response, int]:
        """Entra's documented error body (timestamp, trace and correlation ids)."""
        return jsonify(error=self.error, error_description=f"AADSTS{self.code}: "
                       f"{self.description}", error_codes=[self.code], timestamp=now,
                       trace_id=str(uuid.uuid4()), correlation_id=str(uuid.uuid4()),
                       error_uri=f"https://login.microsoftonline.com/error?code={self.code}"
                       ), self.status


@functools.cache
def _signing_key() -> rsa.RSAPrivateKey:
    """One RSA key per process: made on first use, so sandboxes that never sign cost nothing."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _kid() -> str:
    """The key id: a thumbprint of the public key, shaped like Entra's."""
    der = str(_signing_key().public_key().public_numbers().n).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:20]).decode().rstrip("=")


def _host(sb: Sandbox) -> str:
    """The authority host this double answers as (issuer and endpoints)."""
    return sb.config.entra_authority_host.rstrip("/")


def _tenant_of_domain(sb: Sandbox, domain: str) -> str | None:
    """The tenant whose verified domain this is, among the sandbox's customers."""
    for tenant_id, customer in sb.data["customers"].items():
        if customer.get("companyProfile", {}).get("domain", "").lower() == domain.lower():
            return tenant_id
    return None


def _tenant_id(sb: Sandbox, tenant: str) -> str | None:
    """The tenant id an authority path names: None for common/organizations."""
    if tenant.lower() in MULTI_TENANT:
        return None
    if "." not in tenant:
        return tenant.lower()
    found = _tenant_of_domain(sb, tenant)
    if found is None:
        raise EntraError(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found.")
    return found


def discovery(sb: Sandbox, tenant: str) -> dict[str, Any]:
    """The OpenID configuration document of an authority."""
    tid, base = _tenant_id(sb, tenant), f"{_host(sb)}/{tenant}"
    return {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                  "client_secret_basic"],
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{_host(sb)}/{tid or '{tenantid}'}/v2.0",
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "name", "tid", "oid",
                             "preferred_username", "ver"],
        "cloud_instance_name": "microsoftonline.com", "msgraph_host": "graph.microsoft.com"}


def keys() -> dict[str, Any]:
    """The published signing keys (JWKS)."""
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(_signing_key().public_key(), as_dict=True)
    return {"keys": [jwk | {"kid": _kid(), "use": "sig", "alg": "RS256"}]}


def _who(sb: Sandbox, login_hint: str | None) -> dict[str, Any]:
    """The person signing in: the queued identity, else the login_hint's tenant."""
    queued = sb.data["entra"].get("nextSignIn")
    if queued:
        sb.data["entra"]["nextSignIn"] = None
        return queued
    if not login_hint:
        raise EntraError(400, "invalid_request", 50058, "No account to sign in: pass a "
                         "login_hint or POST /_sandbox/entra/sign-in first.")
    tenant = _tenant_of_domain(sb, login_hint.rpartition("@")[2])
    if tenant is None:
        raise EntraError(400, "invalid_request", 50034, f"The user account {login_hint} "
                         "does not exist in the directory.")
    return {"username": login_hint, "tenantId": tenant}


def authorize(sb: Sandbox, tenant: str, query: dict[str, str]) -> dict[str, str]:
    """The answer to send back to redirect_uri: a code (or an OAuth error) and the state."""
    for name in ("client_id", "redirect_uri", "response_type"):
        if not query.get(name):
            raise EntraError(400, "invalid_request", 900144, "The request body must contain "
                             f"the following parameter: '{name}'.")
    state = {"state": query["state"]} if query.get("state") else {}
    if query["response_type"] != "code":
        return state | {"error": "unsupported_response_type", "error_description": (
            "The provided value for the input parameter 'response_type' is not allowed.")}
    person = _who(sb, query.get("login_hint"))
    if person.get("decline"):
        return state | {"error": "access_denied",
                        "error_description": "the user canceled the authentication"}
    wanted = _tenant_id(sb, tenant)
    if wanted and wanted != person["tenantId"]:
        raise EntraError(400, "invalid_request", 50020, f"User account '{person['username']}'"
                         f" does not exist in tenant '{tenant}'.")
    return {"code": _issue_code(sb, query, person)} | state | {
        "session_state": str(uuid.uuid4())}


def _issue_code(sb: Sandbox, query: dict[str, str], person: dict[str, Any]) -> str:
    """A single-use code bound to the client, redirect URI, PKCE challenge and nonce."""
    codes = sb.data["entra"]["codes"]
    for old in [c for c, g in codes.items() if _expired(sb, g)]:
        del codes[old]  # keep the state file small: expired codes can never be redeemed
    code = secrets.token_urlsafe(32)
    codes[code] = {
        "clientId": query["client_id"], "redirectUri": query["redirect_uri"],
        "challenge": query.get("code_challenge"),
        "method": query.get("code_challenge_method") or "plain",
        "nonce": query.get("nonce"), "scope": query.get("scope", ""),
        "issued": sb.now().isoformat(), "used": False} | person
    return code


def answer_page(redirect_uri: str, answer: dict[str, str], response_mode: str | None) -> Any:
    """Back to the app: a self-submitting form for form_post (as Entra's "Working..."
    page), else a 302 with the answer in the query string."""
    if response_mode != "form_post":
        glue = "&" if "?" in redirect_uri else "?"
        return redirect(redirect_uri + glue + urlencode(answer), 302)
    fields = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}"/>'
                     for k, v in answer.items())
    page = ('<html><head><title>Working...</title></head>'
            '<body onload="document.forms[0].submit()">'
            f'<form method="POST" name="hiddenform" action="{escape(redirect_uri)}">{fields}'
            '<noscript><p>Script is disabled. Click Submit to continue.</p>'
            '<input type="submit" value="Submit"/></noscript></form></body></html>')
    return Response(page, 200, content_type="text/html; charset=utf-8")


def token(sb: Sandbox, form: dict[str, str]) -> dict[str, Any]:
    """Redeem an authorization code for an id token (and an opaque access token)."""
    if form.get("grant_type") != "authorization_code":
        raise EntraError(400, "unsupported_grant_type", 70003,
                         "The app requested an unsupported grant type.")
    if not form.get("client_id") or not (form.get("client_secret")
                                         or form.get("client_assertion")):
        raise EntraError(401, "invalid_client", 7000218, "The request body must contain the "
                         "following parameter: 'client_assertion' or 'client_secret'.")
    grant = _redeem(sb, form)
    scope = grant["scope"].split()
    answer = {"token_type": "Bearer", "scope": " ".join(s for s in scope if s != "openid"),
              "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME,
              "access_token": f"sandbox-signin:{grant['oid']}",
              "client_info": _b64({"uid": grant["oid"], "utid": grant["tenantId"]})}
    if "openid" in scope:
        answer["id_token"] = _id_token(sb, grant)
    if "offline_access" in scope:
        answer["refresh_token"] = secrets.token_urlsafe(32)
    return answer


def _redeem(sb: Sandbox, form: dict[str, str]) -> dict[str, Any]:
    """The code's grant, once: bound to its client, redirect URI and PKCE challenge."""
    grant = sb.data["entra"]["codes"].get(form.get("code") or "")
    if grant is None or grant["clientId"] != form["client_id"]:
        raise EntraError(400, "invalid_grant", 70000,
                         "The provided value for the 'code' parameter is not valid.")
    if grant["used"]:
        raise EntraError(400, "invalid_grant", 54005, "OAuth2 Authorization code was already "
                         "redeemed, please retry with a new valid code.")
    grant["used"] = True
    if _expired(sb, grant):
        raise EntraError(400, "invalid_grant", 70008, "The provided authorization code or "
                         "refresh token has expired due to inactivity.")
    if form.get("redirect_uri") != grant["redirectUri"]:
        raise EntraError(400, "invalid_grant", 50011, "The redirect URI does not match the "
                         "one used to request the authorization code.")
    if grant["challenge"] and not _pkce_ok(grant, form.get("code_verifier") or ""):
        raise EntraError(400, "invalid_grant", 50148, "The code_verifier does not match the "
                         "code_challenge supplied in the authorization request for PKCE.")
    oid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{grant['tenantId']}/{grant['username']}"))
    return grant | {"oid": oid}


def _expired(sb: Sandbox, grant: dict[str, Any]) -> bool:
    """True once a code is older than its lifetime on the sandbox clock."""
    return sb.now() - datetime.fromisoformat(grant["issued"]) > CODE_LIFETIME


def _pkce_ok(grant: dict[str, Any], verifier: str) -> bool:
    """RFC 7636: S256 compares base64url(sha256(verifier)); plain compares as is."""
    if grant["method"] == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        verifier = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return secrets.compare_digest(verifier, grant["challenge"])


def _id_token(sb: Sandbox, grant: dict[str, Any]) -> str:
    """A v2.0 id token signed with the published key."""
    now = int(sb.now().timestamp())
    claims = {"aud": grant["clientId"], "iss": f"{_host(sb)}/{grant['tenantId']}/v2.0",
              "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME,
              "name": grant["username"].partition("@")[0].title(),
              "oid": grant["oid"], "preferred_username": grant["username"],
              "sub": _b64({"oid": grant["oid"], "aud": grant["clientId"]})[:43],
              "tid": grant["tenantId"], "uti": secrets.token_urlsafe(16), "ver": "2.0"}
    if grant.get("nonce"):
        claims["nonce"] = grant["nonce"]
    return jwt.encode(claims, _signing_key(), algorithm="RS256", headers={"kid": _kid()})


def _b64(data: dict[str, Any]) -> str:
    """base64url JSON without padding, as Entra's client_info."""
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def entra_blueprint(sb: Sandbox) -> Blueprint:
    """Entra ID's endpoints, at Entra's paths under the sandbox root."""
    bp = Blueprint("sandbox_entra", __name__)

    def guarded(answer: Any, write: bool = True) -> Any:
        try:
            with sb.lock:
                result = answer()
                if write:
                    sb.changed()
                return result
        except EntraError as error:
            return error.response(sb.now().strftime("%Y-%m-%d %H:%M:%SZ"))

    @bp.get("/<tenant>/v2.0/.well-known/openid-configuration")
    def openid_configuration(tenant: str) -> Any:
        return guarded(lambda: jsonify(discovery(sb, tenant)), write=False)

    @bp.get("/<tenant>/discovery/v2.0/keys")
    def signing_keys(tenant: str) -> Any:
        return jsonify(keys())

    @bp.get("/<tenant>/oauth2/v2.0/authorize")
    def authorize_endpoint(tenant: str) -> Any:
        query = request.args.to_dict()
        return guarded(lambda: answer_page(query.get("redirect_uri", ""), authorize(
            sb, tenant, query), query.get("response_mode")))

    @bp.post("/<tenant>/oauth2/v2.0/token")
    def token_endpoint(tenant: str) -> Any:
        return guarded(lambda: jsonify(token(sb, request.form.to_dict())))

    return bp


def add_admin_controls(bp: Blueprint, sb: Sandbox) -> None:
    """POST /_sandbox/entra/sign-in {username, tenantId?, decline?}: who signs in next."""

    @bp.post("/entra/sign-in")
    def next_sign_in() -> Any:
        body = request.get_json(silent=True) or {}
        username = str(body.get("username") or "")
        tenant = body.get("tenantId") or _tenant_of_domain(sb, username.rpartition("@")[2])
        if not username or not tenant:
            return jsonify(error="give username (user@domain) and, for an unknown domain, "
                                 "tenantId"), 400
        person = {"username": username, "tenantId": str(tenant).lower(),
                  "decline": bool(body.get("decline"))}
        with sb.lock:
            sb.data["entra"]["nextSignIn"] = person
            sb.changed()
        return jsonify(person), 201
