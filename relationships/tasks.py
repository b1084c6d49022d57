"""Celery's view of GDAP: the daily refresh of live relationships and the expiry notices."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import shared_task

from connectors.graph.app_client import get_graph_client
from notifications import notify
from notifications.links import public_url_for
from relationships.services import expiry_notices, refresh_all


@shared_task(name="relationships.daily")
def gdap_daily_task() -> int:
    """Re-read live relationships, then warn 30 and 7 days before one ends (once each)."""
    now = datetime.now(UTC)
    refresh_all(get_graph_client(), now)
    return expiry_notices(now, notify, tenant_page)


def tenant_page(customer_id: int) -> str:
    """The customer's tenant page, where a new relationship is requested: absolute, built
    without a request (a worker has none), as the notice's email carries it."""
    return public_url_for("tenants.show", customer_id=customer_id)
