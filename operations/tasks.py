"""The heartbeat: beat sends it every HEARTBEAT_SECONDS and whichever worker takes it
records its run (operations/celery_hooks.py), so the status page sees each worker and beat
alive even when no other work is queued."""

from __future__ import annotations

from celery import shared_task

HEARTBEAT_SECONDS = 60.0


@shared_task(name="operations.heartbeat", ignore_result=True)
def heartbeat_task() -> None:
    """Nothing to do: finishing is the signal."""
