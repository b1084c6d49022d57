"""Server-side sign-in sessions: opened at sign-in, checked on every request, ended at
sign-out, "sign out everywhere", a password change and deactivation (each of the last
three ends the account's open reset and email-change links too: accounts/links.py).

Policy: a cookie signs a browser in only while its session row is live: not revoked, not
expired, and its user active. A remembered session ("Keep me signed in") lasts the
remember-me duration from its sign-in however busy it is; any other ends after an idle
period without a request, and at the latest an absolute lifetime after its sign-in however
busy it is (ASVS 3.3.2: re-authentication also while actively used). A provider admin's or
admin agent's session (mfa.required: the keys to every tenant) is never remembered and
has shorter idle and absolute lifetimes of its own, checked on every request, so a user
made admin agent while remembered gets them at once. A request touches
the row at most every TOUCH_EVERY, so a busy browser does not write to the database on
every request. Revocation is a timestamp on the row, so reactivating a user or reseller
does not revive an old cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Table, bindparam, delete, inspect, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import ColumnElement

from accounts import api_tokens, audit, links, mfa
from accounts.models import ApiToken, Customer, Reseller, User, UserSession
from persistence import as_utc, db, row_id

TOUCH_EVERY = timedelta(minutes=5)
USER_AGENT_LENGTH = 200
ADDRESS_LENGTH = 45


@dataclass(frozen=True)
class Lifetimes:
    remember: timedelta  # a remembered session, from its sign-in
    idle: timedelta  # any other, from its last request…
    absolute: timedelta  # …and from its sign-in, however busy
    # A privileged user's session, remembered or not (ASVS 3.3.2 L2's bounds by default).
    privileged_idle: timedelta = timedelta(minutes=30)
    privileged_absolute: timedelta = timedelta(hours=12)


def remembered(user) -> bool:
    """Whether "Keep me signed in" may keep this user signed in: not a privileged one."""
    return not mfa.required(user)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(user, *, remember: bool, user_agent: str, address: str, now: datetime,
                 lifetimes: Lifetimes) -> tuple[UserSession, str]:
    """A new live session for the user and its cookie token "<id>:<secret>", which exists
    only here; the user's long-dead rows are dropped on the way (commits)."""
    secret = secrets.token_urlsafe(32)
    row = UserSession(user=user, secret_hash=digest(secret), remember=remember,
                      created_at=now, last_seen_at=now,
                      user_agent=user_agent[:USER_AGENT_LENGTH],
                      address=address[:ADDRESS_LENGTH])
    # Unused for a whole remember-me period, a session is dead whatever its kind.
    db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.last_seen_at < now - lifetimes.remember))
    db.session.add(row)
    db.session.commit()
    return row, f"{row.id}:{secret}"


def live_session(token: str | None, *, now: datetime, lifetimes: Lifetimes
                 ) -> UserSession | None:
    """The live session a cookie token names, touched when last seen a while ago; None for
    a malformed, unknown, revoked or expired token, or a user no longer active."""
    row = _find(token)
    if row is None or not is_live(row, now, lifetimes) or not row.user.is_active:
        return None
    if now - as_utc(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row


@cache
def _session_with_user():
    """The user and its company in the same statement: every signed-in request asks whether
    both are active, and three round trips were a third of a cached shop page. Built once:
    building it and its loader options per request cost as much as running it (#27); on
    first use, not at import, as loader options configure every mapper loaded so far."""
    return select(UserSession).where(UserSession.id == bindparam("id")).options(
        joinedload(UserSession.user).joinedload(User.reseller),
        joinedload(UserSession.user).joinedload(User.customer).joinedload(Customer.reseller))


def _find(token: str | None) -> UserSession | None:
    """The row whose id and secret the token carries (a bare user id, as cookies held
    before sessions were kept on the server, names none)."""
    raw_id, colon, secret = (token or "").partition(":")
    session_id = row_id(raw_id)
    if not colon or session_id is None or not secret:
        return None
    row = _read(session_id)
    if row is None or not hmac.compare_digest(row.secret_hash, digest(secret)):
        return None
    return row


# Every request of a signed-in browser reads its session, user and company. Loading them
# through the ORM was a quarter of a cached shop page (#27), so each worker keeps a clean,
# detached copy per session id together with the column values it holds. A request reads
# the current values with one plain statement and, when they equal the copy's, takes the
# ORM objects from the copy (merge without SQL); when any differs (a sign-out, a
# deactivation, a renamed company, a touch), it loads them again. The database is read on
# every request either way, so a sign-out or deactivation still counts at once.
MAX_KEPT = 4096
_MODELS = (UserSession, User, Reseller, Customer)  # the rows a copy holds, in this order
# …and, last, every column of the reseller the customer buys through: whether it is
# active (User.is_active) and its standing, MPN ID and name (checkout's K9, the partner of
# record K8 puts on an order line, the pages) are all read from the copy.
_THROUGH = Reseller
_kept: dict[int, tuple[tuple, UserSession]] = {}
_keeping = threading.Lock()


def _read(session_id: int) -> UserSession | None:
    values = db.session.connection().execute(_current_values(), {"id": session_id}).first()
    if values is None:
        return None
    if _held(values):
        # Merging the copy would overwrite what this session holds of those rows, unsaved
        # changes included: load them as the ORM does (after a flush, keeping what is held).
        return db.session.scalar(_session_with_user(), {"id": session_id})
    kept = _kept.get(session_id)
    if kept is None or kept[0] != tuple(values):
        kept = _keep(session_id)
        if kept is None:  # gone between the two reads
            return None
    return db.session.merge(kept[1], load=False)


def _keep(session_id: int) -> tuple[tuple, UserSession] | None:
    """Load the rows into a detached copy, keyed by the values the copy itself holds (not
    those read just before: a write between the two reads must not pair old values with a
    newer copy)."""
    side = Session(bind=db.session.connection())  # the same transaction, its own objects
    try:
        row = side.scalar(_session_with_user(), {"id": session_id})
        if row is None:
            return None
        kept = (_values_of(row), row)
    finally:
        side.close()  # detaches the objects, leaving their loaded state
    with _keeping:
        if len(_kept) >= MAX_KEPT:
            _kept.pop(next(iter(_kept)))  # the oldest kept
        _kept[session_id] = kept
    return kept


def _tables() -> tuple[Table, ...]:
    return tuple(model.__table__ for model in _MODELS)


@cache
def _current_values():
    sessions, users, resellers, customers = _tables()
    through = resellers.alias("through")
    return select(*_tables(), *through.c).select_from(
        sessions.join(users, users.c.id == sessions.c.user_id)
        .outerjoin(resellers, resellers.c.id == users.c.reseller_id)
        .outerjoin(customers, customers.c.id == users.c.customer_id)
        .outerjoin(through, through.c.id == customers.c.reseller_id),
    ).where(sessions.c.id == bindparam("id"))


def _held(values) -> bool:
    """Whether this request's ORM session holds any of the rows already (a view that read
    them before asking who is signed in, or a test's own objects)."""
    held = db.session.identity_map
    if not held:
        return False
    return any(identity_key(model, values[at]) in held
               for model, at in _id_positions() if values[at] is not None)


@cache
def _id_positions() -> tuple[tuple[type, int], ...]:
    """Each model and where its primary key sits in a _current_values row (the reseller
    a customer buys through after the four)."""
    found, offset = [], 0
    for model in _MODELS:
        columns = list(model.__table__.c)
        found.append((model, offset + columns.index(model.__table__.c.id)))
        offset += len(columns)
    found.append((_THROUGH, offset + list(_THROUGH.__table__.c).index(_THROUGH.__table__.c.id)))
    return tuple(found)


@cache
def _attribute_names() -> tuple[tuple[str, ...], ...]:
    """Per table, the mapped attribute of each column, in the statement's column order."""
    return tuple(tuple(inspect(model).get_property_by_column(column).key
                       for column in model.__table__.c)
                 for model in _MODELS)


def _values_of(row: UserSession) -> tuple:
    """The copy's column values in _current_values' order (None for a missing company)."""
    user = row.user
    values: list = []
    for obj, names in zip((row, user, user.reseller, user.customer), _attribute_names(),
                          strict=True):
        values.extend(getattr(obj, name) if obj is not None else None for name in names)
    through = user.customer.reseller if user.customer is not None else None
    values.extend(getattr(through, name) if through is not None else None
                  for name in _attribute_names()[_MODELS.index(_THROUGH)])
    return tuple(values)


def is_live(row: UserSession, now: datetime, lifetimes: Lifetimes) -> bool:
    if row.revoked_at is not None:
        return False
    if not remembered(row.user):
        idle, absolute = lifetimes.privileged_idle, lifetimes.privileged_absolute
    elif row.remember:
        return now < as_utc(row.created_at) + lifetimes.remember
    else:
        idle, absolute = lifetimes.idle, lifetimes.absolute
    return (now < as_utc(row.last_seen_at) + idle
            and now < as_utc(row.created_at) + absolute)


def sessions_of(user, now: datetime, lifetimes: Lifetimes) -> list[UserSession]:
    """The user's live sessions, the most recently used first (the account page's list)."""
    rows = db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
    ).order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))
    return [row for row in rows if is_live(row, now, lifetimes)]


def session_of(user, session_id: int) -> UserSession | None:
    """One of the user's own sessions by id; None for anybody else's."""
    return db.session.scalar(select(UserSession).where(
        UserSession.id == session_id, UserSession.user_id == user.id))


def revoke(row: UserSession, now: datetime) -> None:
    """End one session (sign-out, or its owner ending it from the account page)."""
    if row.revoked_at is None:
        row.revoked_at = now
        db.session.commit()


def revoke_all(user, now: datetime) -> None:
    """Sign out everywhere: end every session of the user, this one included, revoke the
    API tokens it made (a token acts as its user, so a leaked one would outlive the
    sign-out), stop trusting its browsers for two-factor sign-in, and end its open reset
    and email-change links (whoever held a session may have asked for one)."""
    end_sessions(UserSession.user_id == user.id, now)
    links.end_own([user.id], now)
    api_tokens.revoke_where(ApiToken.user_id == user.id, now)
    mfa.forget_devices(user.id, now)
    # An owner taking the account back: the audit log shows when, beside what came before.
    audit.record(audit.Kind.SIGNED_OUT_EVERYWHERE, user=user, actor=user, now=now)
    db.session.commit()


def end_sessions(which: ColumnElement[bool], now: datetime,
                 keep: UserSession | None = None) -> None:
    """Revoke the live sessions matching `which`, but `keep`; the caller commits."""
    statement = update(UserSession).where(which, UserSession.revoked_at.is_(None))
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    db.session.execute(statement.values(revoked_at=now))
