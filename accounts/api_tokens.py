"""Issue, revoke, authenticate and rate-limit API tokens; each service commits once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import Select, Update, bindparam, func, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from accounts import audit
from accounts.models import ApiToken, User
from accounts.throttle import Store, allowance_wait, seconds_until
from persistence import db
from persistence.locks import locked

PREFIX = "csp_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenLimitReached(ValueError):
    """The user already holds as many live tokens as one user may (API_TOKENS_PER_USER)."""


def issue(user, name: str, limit: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the user's reseller or company; the secret is returned only here.

    With a limit, a user holding that many live tokens is refused (TokenLimitReached): a
    leaked session cannot mint tokens without end, and each token in use stays one someone
    can name and revoke. The user's row is locked so two requests cannot both pass.
    """
    if limit is not None:
        _check_limit(user, limit)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name.strip() or "API token", token_hash=digest(secret),
                     prefix=secret[:10], user=user, reseller_id=user.reseller_id,
                     customer_id=None if user.reseller_id else user.customer_id)
    db.session.add(token)
    audit.record(audit.Kind.TOKEN_CREATED, user=user, actor=user,
                 detail=f"{token.name} ({token.prefix}…)")
    db.session.commit()
    return token, secret


def _check_limit(user, limit: int) -> None:
    locked(select(User.id).where(User.id == user.id).with_for_update())
    held = db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    if held >= limit:
        raise TokenLimitReached(
            f"You hold {held} active tokens, the most one user may have ({limit}). "
            "Revoke one you no longer use, then create the new one.")


def owned_by(user):
    """A select() of the tokens of the user's reseller or company (any of its users made)."""
    if user.reseller_id:
        return select(ApiToken).where(ApiToken.reseller_id == user.reseller_id)
    return select(ApiToken).where(ApiToken.customer_id == user.customer_id,
                                  ApiToken.reseller_id.is_(None))


def revoke(token: ApiToken, now: datetime | None = None, actor=None) -> None:
    """Revoke one token (its owner or a colleague on the tokens page), in the audit log."""
    if token.revoked_at is None:
        token.revoked_at = now or datetime.now(UTC)
        audit.record(audit.Kind.TOKEN_REVOKED, user=token.user, actor=actor,
                     detail=f"{token.name} ({token.prefix}…)", now=token.revoked_at)
        db.session.commit()


def revoke_where(which, now: datetime) -> int:
    """Revoke every live token matching `which` (deactivation); how many; the caller
    commits."""
    return db.session.execute(update(ApiToken).where(which, ApiToken.revoked_at.is_(None))
                              .values(revoked_at=now)).rowcount


def live_count(user) -> int:
    """How many live tokens the user made (what a password change offers to revoke)."""
    return db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))) or 0


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


def bad_token_wait(store: Store, address: str, limit: int, now: datetime) -> int | None:
    """The seconds this client address waits when its missing or unknown tokens reached
    the limit in the window. Only a read, asked before any token lookup: a guesser is
    refused at the cost of one read."""
    count = store.count(_bad_token_bucket(address), now)
    return seconds_until(count.resets_at, now) if count.hits >= limit else None


def count_bad_token(store: Store, address: str, window: int, now: datetime) -> None:
    """Count a request that carried no live token."""
    store.hit(_bad_token_bucket(address), window, now)


def _bad_token_bucket(address: str) -> str:
    return "api:bad-token:" + (address or "unknown")


def owner_wait(store: Store, owner: str, now: datetime, limit: int,
               window: int) -> int | None:
    """Count a request against the token's reseller or company (`owner_of`): one owner's
    many tokens share one limit. The seconds to wait when over it."""
    return allowance_wait(store, "api:" + owner, limit, window, now)


def owner_of(token: ApiToken) -> str:
    """Whose tokens share one limit: "reseller:<id>" or "customer:<id>"."""
    if token.reseller_id is not None:
        return f"reseller:{token.reseller_id}"
    return f"customer:{token.customer_id}"


def token_wait(store: Store, token: ApiToken, now: datetime, limit: int,
               window: int) -> int | None:
    """Count one request of a live token in its fixed window; the seconds to wait when
    over its limit.

    #27: the count lives in the throttle store (Redis, or the embedded default's own
    SQLite file), not on the token's row, so an API request writes nothing to the app's
    database; the store's one atomic statement per hit never loses a count. The token's
    last use is written only when its window opens (`record_use`)."""
    count = store.hit(f"api:token:{token.id}", window, now)
    if count.hits == 1:
        record_use(token, now)
    return seconds_until(count.resets_at, now) if count.hits > limit else None


def record_use(token: ApiToken, now: datetime) -> None:
    """Write the token's last use (commits): once per rate window, so the tokens page is
    right to the window while the requests in between write nothing. The commit keeps
    what the request has loaded (the token, its user and reseller) instead of reading
    them again."""
    db.session.execute(_statements().used, {"token_id": token.id, "now": now})
    set_committed_value(token, "last_used_at", now)
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


class _Statements(NamedTuple):
    by_hash: Select
    used: Update


@cache  # built on first use, when every model is mapped
def _statements() -> _Statements:
    """Built once: every API request runs the first (see checkout/build.py on why)."""
    c = ApiToken.__table__.c
    return _Statements(
        # the owner and its company are checked on every request: one statement for all
        by_hash=select(ApiToken).where(ApiToken.token_hash == bindparam("hash"))
        .options(joinedload(ApiToken.user).joinedload(User.reseller),
                 joinedload(ApiToken.user).joinedload(User.customer)),
        used=update(ApiToken.__table__).where(c.id == bindparam("token_id"))
        .values(last_used_at=bindparam("now", type_=c.last_used_at.type)))
