"""Counters that throttle sign-in, sign-up and API abuse, shared by every worker.

A bucket (a string such as "sign-in:address:203.0.113.7") counts hits in a window that
opens at its first hit and lasts `window` seconds (fixed: a rate limit), or, when
`sliding`, lasts until `window` seconds pass without a hit (quiet time forgives); a bucket
can also be locked until a moment. Two backends keep them: a database table (the embedded
SQLite default and PostgreSQL) and Redis (THROTTLE_STORAGE_URL=redis://…). Each operation
is one atomic statement (an upsert, or a Lua script on Redis), so concurrent requests never
lose a hit. On the embedded default the counters live in a SQLite file of their own
(`file_store`, #27), off the write path of the app's database.

The caller passes `now` on every call: time comes from the request, never from the store's
clock, so a Redis server and the app never disagree about when a window ends. Every write
commits at once: a count must stand even when the request that made it fails. The database
store commits through the request's session, so callers count before the request changes
anything (sign-in, sign-up and the API all do); a second connection would instead queue
behind the session's own lock on SQLite, which has a single writer.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import NamedTuple, Protocol

from sqlalchemy import case, create_engine, delete, event, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import scoped_session, sessionmaker

from persistence import as_utc, db


class Count(NamedTuple):
    hits: int
    resets_at: datetime  # when the window ends and the count starts again


class Store(Protocol):
    def hit(self, bucket: str, window: int, now: datetime, *,
            sliding: bool = False) -> Count: ...
    def count(self, bucket: str, now: datetime) -> Count: ...
    def undo(self, bucket: str, now: datetime) -> None: ...
    def clear(self, bucket: str) -> None: ...
    def lock(self, bucket: str, until: datetime, now: datetime) -> bool: ...
    def locked_until(self, buckets: list[str], now: datetime) -> datetime | None: ...


def lock_seconds(attempt: int, free: int, cap: int) -> int:
    """How long a bucket locks after its `attempt`-th hit: nothing before `free`, then 2, 4,
    8 … seconds, doubling with each attempt, at most `cap`."""
    if attempt < free:
        return 0
    return min(cap, 2 ** min(attempt - free + 1, 31))


def allowance_wait(store: Store, bucket: str, limit: int, window: int,
                   now: datetime) -> int | None:
    """Count one use of a fixed-window allowance (`limit` per `window` seconds); the seconds
    to wait when this use is over it, else None."""
    count = store.hit(bucket, window, now)
    return seconds_until(count.resets_at, now) if count.hits > limit else None


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds from now until moment, at least 1 (a Retry-After of 0 invites a spin)."""
    return max(1, math.ceil((moment - now).total_seconds()))


class ThrottleBucket(db.Model):
    """One bucket of the database backend; expired rows are deleted by `purge`."""

    __tablename__ = "throttle_buckets"

    bucket = db.Column(db.String(200), primary_key=True)
    hits = db.Column(db.Integer, nullable=False, default=0)
    resets_at = db.Column(db.DateTime(timezone=True), nullable=False, index=True)
    locked_until = db.Column(db.DateTime(timezone=True))


class DatabaseStore:
    """Buckets in the throttle_buckets table, on SQLite or PostgreSQL, through `session`."""

    def __init__(self, session):
        self.session = session
        self.table = ThrottleBucket.__table__

    def _write(self, statement) -> list:
        """Run one statement and commit at once; the rows it returns, if any."""
        result = self.session.execute(statement)
        rows = result.all() if result.returns_rows else []
        self.session.commit()
        return rows

    def _upsert(self, **values):
        name = self.session.get_bind().dialect.name
        return (sqlite if name == "sqlite" else postgresql).insert(self.table).values(**values)

    def hit(self, bucket: str, window: int, now: datetime, *,
            sliding: bool = False) -> Count:
        c = self.table.c
        over = c.resets_at <= now
        statement = self._upsert(bucket=bucket, hits=1,
                                 resets_at=now + timedelta(seconds=window))
        later = statement.excluded.resets_at
        statement = statement.on_conflict_do_update(
            index_elements=[c.bucket],
            set_={"hits": case((over, 1), else_=c.hits + 1),
                  "resets_at": later if sliding else case((over, later), else_=c.resets_at)},
        ).returning(c.hits, c.resets_at)
        [row] = self._write(statement)
        return Count(row.hits, as_utc(row.resets_at))

    def count(self, bucket: str, now: datetime) -> Count:
        c = self.table.c
        row = self.session.execute(select(c.hits, c.resets_at).where(
            c.bucket == bucket, c.resets_at > now)).one_or_none()
        return Count(row.hits, as_utc(row.resets_at)) if row else Count(0, now)

    def undo(self, bucket: str, now: datetime) -> None:
        c = self.table.c
        self._write(update(self.table).where(
            c.bucket == bucket, c.resets_at > now, c.hits > 0).values(hits=c.hits - 1))

    def clear(self, bucket: str) -> None:
        self._write(delete(self.table).where(self.table.c.bucket == bucket))

    def lock(self, bucket: str, until: datetime, now: datetime) -> bool:
        c = self.table.c
        # Only a bucket that is not locked now takes the lock: of two racing requests,
        # exactly one goes ahead.
        statement = self._upsert(bucket=bucket, hits=0, resets_at=now, locked_until=until)
        statement = statement.on_conflict_do_update(
            index_elements=[c.bucket], set_={"locked_until": until},
            where=or_(c.locked_until.is_(None), c.locked_until <= now),
        ).returning(c.bucket)
        return bool(self._write(statement))

    def locked_until(self, buckets: list[str], now: datetime) -> datetime | None:
        c = self.table.c
        return as_utc(self.session.execute(select(func.max(c.locked_until)).where(
            c.bucket.in_(buckets), c.locked_until > now)).scalar())

    def purge(self, now: datetime) -> int:
        """Delete buckets whose window and lock are both over (commits); how many went."""
        c = self.table.c
        removed = self.session.execute(delete(self.table).where(
            c.resets_at <= now, or_(c.locked_until.is_(None), c.locked_until <= now))).rowcount
        self.session.commit()
        return removed


# Times are integer milliseconds since the epoch, passed in by the caller; Redis' own
# expiry (PEXPIRE, relative) only removes buckets nobody can need any more.
_HIT = """
local now, window, sliding = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'
local resets = tonumber(redis.call('HGET', KEYS[1], 'resets') or '0')
local hits = 0
if resets > now then
  hits = tonumber(redis.call('HGET', KEYS[1], 'hits') or '0')
end
if sliding or resets <= now then
  resets = now + window
end
hits = hits + 1
redis.call('HSET', KEYS[1], 'hits', hits, 'resets', resets)
local locked = tonumber(redis.call('HGET', KEYS[1], 'locked') or '0')
redis.call('PEXPIRE', KEYS[1], math.max(resets, locked) - now)
return {hits, resets}
"""
_LOCK = """
local now, till = tonumber(ARGV[1]), tonumber(ARGV[2])
if tonumber(redis.call('HGET', KEYS[1], 'locked') or '0') > now then return 0 end
redis.call('HSET', KEYS[1], 'locked', till)
local resets = tonumber(redis.call('HGET', KEYS[1], 'resets') or '0')
redis.call('PEXPIRE', KEYS[1], math.max(resets, till) - now)
return 1
"""
_UNDO = """
local now = tonumber(ARGV[1])
local resets = tonumber(redis.call('HGET', KEYS[1], 'resets') or '0')
if resets > now and tonumber(redis.call('HGET', KEYS[1], 'hits') or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'hits', -1)
end
return 0
"""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _moment(ms: int | bytes | str) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, UTC)


class RedisStore:
    """Buckets as Redis hashes under a key prefix (the broker's database may be shared)."""

    PREFIX = "throttle:"

    def __init__(self, client):
        self.client = client
        self._hit, self._lock, self._undo = (client.register_script(s)
                                             for s in (_HIT, _LOCK, _UNDO))

    def hit(self, bucket: str, window: int, now: datetime, *,
            sliding: bool = False) -> Count:
        hits, resets = self._hit(keys=[self.PREFIX + bucket],
                                 args=[_ms(now), window * 1000, int(sliding)])
        return Count(int(hits), _moment(resets))

    def count(self, bucket: str, now: datetime) -> Count:
        hits, resets = self.client.hmget(self.PREFIX + bucket, "hits", "resets")
        if resets is None or _moment(resets) <= now:
            return Count(0, now)
        return Count(int(hits or 0), _moment(resets))

    def undo(self, bucket: str, now: datetime) -> None:
        self._undo(keys=[self.PREFIX + bucket], args=[_ms(now)])

    def clear(self, bucket: str) -> None:
        self.client.delete(self.PREFIX + bucket)

    def lock(self, bucket: str, until: datetime, now: datetime) -> bool:
        return bool(self._lock(keys=[self.PREFIX + bucket], args=[_ms(now), _ms(until)]))

    def locked_until(self, buckets: list[str], now: datetime) -> datetime | None:
        pipe = self.client.pipeline(transaction=False)
        for bucket in buckets:
            pipe.hget(self.PREFIX + bucket, "locked")
        locks = [_moment(ms) for ms in pipe.execute() if ms is not None]
        return max((moment for moment in locks if moment > now), default=None)


REDIS_TIMEOUT_SECONDS = 2.0  # a stalled Redis must not hold every sign-in


def store_for(url: str | None, session) -> Store:
    """Redis for a redis:// or rediss:// URL, a SQLite file of its own for a sqlite:// URL,
    else the database behind `session`."""
    if url and url.startswith(("redis://", "rediss://")):
        import redis  # the [redis] extra: only deployments that configure Redis need it

        return RedisStore(redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                               socket_connect_timeout=REDIS_TIMEOUT_SECONDS))
    if url and url.startswith("sqlite:"):
        return file_store(url)
    return DatabaseStore(session)


@cache  # one engine per file and process, shared by every thread's session
def file_store(url: str) -> DatabaseStore:
    """#27: the embedded default's counters, in a SQLite file beside the app's database.

    Every API request counts (its token and its owner): on the app's own SQLite file each
    count would be a commit taking the one write lock every checkout needs. This file has
    a lock of its own, WAL so reads never wait, and no fsync (synchronous=OFF): a power cut
    may forget the last counts of a window, which a rate limit can afford; every worker
    process still shares it."""
    engine = create_engine(url, connect_args={"timeout": 5})
    event.listen(engine, "connect", _fast_pragmas)
    ThrottleBucket.__table__.create(engine, checkfirst=True)
    return DatabaseStore(scoped_session(sessionmaker(engine)))


def _fast_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()
