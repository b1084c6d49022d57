"""Route a real requests.Session to the sandbox in-process through `responses` (no sockets)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import requests
import responses
from flask import Flask
from werkzeug.test import Client

from connectors.partner_center.sandbox.app import IN_PROCESS, TIMEOUT_HEADER

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _callback(client: Client) -> Any:
    """A responses callback calling the WSGI app with the prepared request."""

    def handle(prepared: requests.PreparedRequest) -> Any:
        url = urlsplit(prepared.url or "")
        response = client.open(
            url.path, method=prepared.method, query_string=url.query,
            headers=dict(prepared.headers), data=prepared.body,
            environ_overrides={IN_PROCESS: True})
        if response.headers.get(TIMEOUT_HEADER):
            # "Committed but timed out": the sandbox applied the write, the client saw nothing.
            return requests.exceptions.ReadTimeout("sandbox: read timed out (injected)")
        headers = [(k, v) for k, v in response.headers.items()
                   if k.lower() not in ("content-length", "content-type")]
        headers.append(("Content-Type", response.headers.get("Content-Type", "")))
        return response.status_code, headers, response.get_data()

    return handle


def route_to_sandbox(mock: responses.RequestsMock, app: Flask, base_url: str) -> None:
    """Answer every request to `base_url` from the sandbox WSGI app."""
    pattern = re.compile(re.escape(base_url.rstrip("/")) + r"(/.*)?$")
    handler = _callback(Client(app))
    for method in METHODS:
        mock.add_callback(method, pattern, callback=handler)
