"""Issue, revoke, authenticate and rate-limit API tokens; each service commits once."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storefront.api.models import ApiToken
from storefront.extensions import db

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


def authenticate(header: str | None) -> ApiToken | None:
    """The live token named by an `Authorization: Bearer …` header, if its owner still holds."""
    scheme, _, secret = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    token = db.session.scalar(select(ApiToken).filter_by(token_hash=digest(secret.strip())))
    if token is None or not token.active or not _owner_holds(token):
        return None
    return token


def _owner_holds(token: ApiToken) -> bool:
    """The acting user is active and still belongs to the token's reseller or company."""
    user = token.user
    if not user.active or user.reseller_id != token.reseller_id:
        return False
    return token.reseller_id is not None or user.customer_id == token.customer_id


def hit(token: ApiToken, now: datetime, limit: int, window: int) -> int | None:
    """Count one request in the token's fixed window; the seconds to wait when over the limit."""
    start = token.window_start
    if start is not None and start.tzinfo is None:  # SQLite hands back naive UTC
        start = start.replace(tzinfo=UTC)
    if start is None or now - start >= timedelta(seconds=window):
        token.window_start, token.window_count, start = now, 0, now
    token.window_count += 1
    token.last_used_at = now
    db.session.commit()
    if token.window_count > limit:
        remaining = (start + timedelta(seconds=window) - now).total_seconds()
        return max(1, math.ceil(remaining))
    return None
