"""Celery's view of password recovery: the reset request, run by a worker.

/password/forgot hands every address typed to this task without looking it up, so the
request does the same work (the throttle, one queued message) whether or not the address
has an account, and its time tells nobody which (ASVS V2.5: no account enumeration).
The worker does the lookup, the link and the outbox email, for an active account only.

It lives with the delivery layer rather than in accounts/tasks.py because, as the view
did, it wires the policy (accounts) to the outbox (notifications) and to the reset page's
public address: neither package may import the other.
"""

from __future__ import annotations

from datetime import UTC, datetime

from celery import shared_task

import notifications
from accounts import password_reset
from notifications.links import public_url_for


@shared_task(name="accounts.password_reset", ignore_result=True)
def password_reset_task(email: str) -> None:
    """Email a reset link if the address typed belongs to an active account."""
    password_reset.request(email, datetime.now(UTC), notifications.email,
                           lambda secret: public_url_for("recovery.reset", token=secret))


def enqueue_password_reset(email: str) -> None:
    """Hand the address typed to the workers, whoever it belongs to."""
    password_reset_task.delay(email)
