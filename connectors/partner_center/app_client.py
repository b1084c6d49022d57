"""The app's Partner Center client: built once per app from PARTNER_CENTER_* settings.

Tests and workers may place a client of their own in app.extensions["partner_center"]
(for example one routed to the sandbox); everything else asks `get_client()`.
"""

from __future__ import annotations

from flask import current_app

from connectors.partner_center import PartnerCenterClient, build_client
from connectors.partner_center.pacing import PacedSession

KEY = "partner_center"


def get_client() -> PartnerCenterClient:
    """The client for the current app, built on first use."""
    client = current_app.extensions.get(KEY)
    if client is None:
        limit = int(current_app.config.get("PARTNER_CENTER_RATE_LIMIT") or 0)
        session = PacedSession(limit) if limit > 0 else None
        client = current_app.extensions[KEY] = build_client(current_app.config, session)
    return client
