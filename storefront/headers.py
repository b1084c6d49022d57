"""Security headers on every response, error pages and the API included.

- Content-Security-Policy: script and style only from our own files (static/behaviour.js,
  static/style.css); no inline script, handler or style attribute, so an injected tag
  runs nothing. Nothing may frame a page (frame-ancestors 'none', with X-Frame-Options
  DENY for browsers that predate it). Forms post to us, or to Microsoft's sign-in for a
  tenant (K11): form-action also governs the redirect a form post answers with.
- X-Content-Type-Options nosniff; Referrer-Policy same-origin (page URLs name customers
  and orders, which other sites need not learn).
- Cache-Control no-store on the whole API and on everything a signed-in client gets
  (signed in when the request came or when the answer leaves, so sign-in and sign-out
  answers too), so no shared or back-button cache keeps a customer's data; static files
  stay cacheable.
- Strict-Transport-Security when HSTS_SECONDS is set (production): a browser that has seen
  it will not speak plain HTTP to the site again for that long.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, request, session

from connectors.graph.client import DEFAULT_AUTHORITY_HOST, graph_mode, sandbox_url

# Features no page uses: a script that got in anyway cannot reach them.
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def sign_in_origins(config: Mapping[str, Any]) -> list[str]:
    """Where the tenant sign-in form sends the browser: Entra's authority host (as
    build_sign_in_proof picks it), and in sandbox mode the sandbox's double of it."""
    hosts = [str(config.get("ENTRA_AUTHORITY_HOST") or config.get(
        "PARTNER_CENTER_AUTHORITY_HOST") or DEFAULT_AUTHORITY_HOST)]
    if graph_mode(config) == "sandbox":
        hosts.append(sandbox_url(config))
    return sorted({f"{urlsplit(host).scheme}://{urlsplit(host).netloc}" for host in hosts})


def content_security_policy(config: Mapping[str, Any]) -> str:
    form_targets = " ".join(["'self'", *sign_in_origins(config)])
    return "; ".join([
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
        "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
        f"form-action {form_targets}", "frame-ancestors 'none'"])


def fixed_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """The headers every response gets, decided once from the settings."""
    headers = {"Content-Security-Policy": content_security_policy(config),
               "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "same-origin", "Permissions-Policy": PERMISSIONS,
               "Cross-Origin-Opener-Policy": "same-origin"}
    if int(config.get("HSTS_SECONDS") or 0):
        headers["Strict-Transport-Security"] = f"max-age={int(config['HSTS_SECONDS'])}"
    return headers


def signed_in() -> bool:
    """Whether the session names a user. The session is asked, not the user loader: this
    runs after error pages too, when the database may be what failed."""
    return "_user_id" in session


def private() -> bool:
    """An API response, or one to a client signed in before or after the request."""
    if request.path.startswith("/api/"):
        return True
    return request.endpoint != "static" and (g.get("signed_in_before", False) or signed_in())


def register(app: Flask) -> None:
    headers = fixed_headers(app.config)

    @app.before_request
    def note_signed_in() -> None:
        g.signed_in_before = signed_in()

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers.update(headers)
        if private():
            response.headers["Cache-Control"] = "no-store"
        return response
