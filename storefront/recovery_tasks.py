"""Celery's view of password recovery: the reset request, run by a worker.

/password/forgot hands every address typed to this task without looking it up, so the
request does the same work (the throttle, one queued message) whether or not the address
has an account, and its time tells nobody which (ASVS V2.5: no account enumeration).
The worker does the lookup, the link and the outbox email, for an active account only.

The address travels sealed (Fernet, under a key derived from SECRET_KEY for this purpose
alone): the broker (a SQLite file, or Redis at scale), its backups and any log of task
arguments hold no address anyone typed, known or not. A message older than a reset link's
hour is dropped: its link would no longer be what the person who asked is waiting for.

It lives with the delivery layer rather than in accounts/tasks.py because, as the view
did, it wires the policy (accounts) to the outbox (notifications) and to the reset page's
public address: neither package may import the other.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from celery import shared_task
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

import notifications
from accounts import links, password_reset
from notifications.links import public_url_for
from notifications.secret_links import derived_fernet

log = logging.getLogger(__name__)
KEY_INFO = b"csp-storefront accounts: password reset requests in the broker"
# A reset link's lifetime: a request waiting longer is not what its asker waits for.
MESSAGE_SECONDS = int(links.LIFETIMES[links.Purpose.PASSWORD_RESET].total_seconds())


@shared_task(name="accounts.password_reset", ignore_result=True)
def password_reset_task(sealed: str) -> None:
    """Email a reset link if the address typed belongs to an active account."""
    try:
        email = _fernet().decrypt(sealed.encode(), ttl=MESSAGE_SECONDS).decode()
    except InvalidToken:  # older than an hour, or sealed under another SECRET_KEY
        log.warning("password reset request dropped: older than %s s or unreadable",
                    MESSAGE_SECONDS)
        return
    password_reset.request(email, datetime.now(UTC), notifications.email,
                           lambda secret: public_url_for("recovery.reset", token=secret))


def enqueue_password_reset(email: str) -> None:
    """Hand the address typed to the workers, sealed, whoever it belongs to."""
    password_reset_task.delay(_fernet().encrypt(email.encode()).decode())


def _fernet() -> Fernet:
    return derived_fernet(current_app.config["SECRET_KEY"], KEY_INFO)
