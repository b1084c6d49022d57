"""Throttle stores for tests: the app's database (always), PostgreSQL and Redis when
`make test` started them (TEST_DATABASE_URL, TEST_REDIS_URL; see .ci/services)."""

from __future__ import annotations

import os
import uuid

from accounts.throttle import RedisStore
from tests.provisioning.databases import REDIS_ENV, skip_without

STORES = ["database", "redis"]  # redis is skipped unless TEST_REDIS_URL is set


def make_store(backend: str) -> RedisStore:
    """A Redis store under a prefix of its own, so tests never see each other's buckets."""
    assert backend == "redis"
    skip_without(REDIS_ENV)
    import redis

    store = RedisStore(redis.Redis.from_url(os.environ[REDIS_ENV]))
    store.PREFIX = f"test-throttle-{uuid.uuid4().hex[:12]}:"
    return store
