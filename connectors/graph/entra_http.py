"""The HTTP client msal and the sign-in proof use to talk to Microsoft Entra ID.

msal accepts any object with get, post and close, and sends no timeout of its own when
given one; this adapter adds our (connect, read) timeout to every call. In sandbox mode it
also serves the authority host from the local Entra double (`rebase_to`), because msal
insists on an https authority while the demo's double listens on plain http.
"""

from __future__ import annotations

from typing import Any

import requests


class EntraHttp:
    """get/post/close for msal, with a timeout on every call and optional rebasing."""

    def __init__(self, session: requests.Session, timeout: tuple[float, float],
                 authority_host: str, rebase_to: str | None = None) -> None:
        self._session, self._timeout = session, timeout
        self._host = authority_host.rstrip("/")
        self._rebase_to = rebase_to.rstrip("/") if rebase_to else None

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        """GET with our timeout."""
        kwargs.setdefault("timeout", self._timeout)
        return self._session.get(self.browser_url(url), **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        """POST with our timeout."""
        kwargs.setdefault("timeout", self._timeout)
        return self._session.post(self.browser_url(url), **kwargs)

    def close(self) -> None:
        """The session belongs to whoever gave it; msal must not close it."""

    def json(self, url: str) -> dict[str, Any]:
        """GET a JSON document (discovery, keys); Entra's silence is an error."""
        response = self.get(url)
        response.raise_for_status()
        body = response.json()
        return body if isinstance(body, dict) else {}

    def browser_url(self, url: str) -> str:
        """The URL as reachable from here: the authority host mapped to the double."""
        if self._rebase_to and (url == self._host or url.startswith(self._host + "/")):
            return self._rebase_to + url[len(self._host):]
        return url
