"""Issue, revoke, authenticate and rate-limit API tokens; each service commits once."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import Select, Update, bindparam, case, or_, select, update
from sqlalchemy.orm import joinedload

from accounts.models import ApiToken
from persistence import db

PREFIX = "csp_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(user, name: str) -> tuple[ApiToken, str]:
    """A new token for the user's reseller or company; the secret is returned only here."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name.strip() or "API token", token_hash=digest(secret),
                     prefix=secret[:10], user=user, reseller_id=user.reseller_id,
                     customer_id=None if user.reseller_id else user.customer_id)
    db.session.add(token)
    db.session.commit()
    return token, secret


def owned_by(user):
    """A select() of the tokens of the user's reseller or company (any of its users made)."""
    if user.reseller_id:
        return select(ApiToken).where(ApiToken.reseller_id == user.reseller_id)
    return select(ApiToken).where(ApiToken.customer_id == user.customer_id,
                                  ApiToken.reseller_id.is_(None))


def revoke(token: ApiToken, now: datetime | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = now or datetime.now(UTC)
        db.session.commit()


def secret_of(header: str | None) -> str | None:
    """The secret of an `Authorization: Bearer …` header, if it is one."""
    scheme, _, secret = (header or "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def authenticate(secret: str) -> ApiToken | None:
    """The live token with this secret, if its owner still holds."""
    token = db.session.scalar(_statements().by_hash, {"hash": digest(secret)})
    if token is None or not token.active or not _owner_holds(token):
        return None
    return token


def _owner_holds(token: ApiToken) -> bool:
    """The acting user is active and still belongs to the token's reseller or company."""
    user = token.user
    if not user.is_active or user.reseller_id != token.reseller_id:
        return False
    return token.reseller_id is not None or user.customer_id == token.customer_id


def hit(secret: str, now: datetime, limit: int, window: int) -> int | None:
    """Count one request in the fixed window of the live token with this secret (commits);
    the seconds to wait when over the limit.

    One UPDATE … RETURNING, so concurrent requests of one token never lose a count (a read
    then a write would). It runs before the token is loaded, so its commit expires nothing
    the request has read.
    """
    counted = db.session.execute(_statements().count, {
        "hash": digest(secret), "now": now, "since": now - timedelta(seconds=window)},
    ).one_or_none()
    db.session.commit()
    if counted is None or counted.window_count <= limit:
        return None
    start = counted.window_start
    if start.tzinfo is None:  # SQLite hands back naive UTC
        start = start.replace(tzinfo=UTC)
    return max(1, math.ceil((start + timedelta(seconds=window) - now).total_seconds()))


class _Statements(NamedTuple):
    by_hash: Select
    count: Update


@cache  # built on first use, when every model is mapped
def _statements() -> _Statements:
    """Built once: every API request runs both (see checkout/build.py on why)."""
    c = ApiToken.__table__.c
    now = bindparam("now", type_=c.last_used_at.type)  # typed: SQLite stores text
    fresh = or_(c.window_start.is_(None),
                c.window_start <= bindparam("since", type_=c.window_start.type))
    return _Statements(
        # the owner is checked on every request
        by_hash=select(ApiToken).where(ApiToken.token_hash == bindparam("hash"))
        .options(joinedload(ApiToken.user)),
        count=update(ApiToken.__table__)
        .where(c.token_hash == bindparam("hash"), c.revoked_at.is_(None))
        .values(window_start=case((fresh, now), else_=c.window_start),
                window_count=case((fresh, 1), else_=c.window_count + 1), last_used_at=now)
        .returning(c.window_start, c.window_count))
