"""The throttle store behaves the same on SQLite, PostgreSQL and Redis (the last two when
`make test` started them): windows, locks, atomic counts under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

from accounts import sign_up
from accounts.tasks import purge_task
from accounts.throttle import DatabaseStore, ThrottleBucket, lock_seconds, store_for
from persistence import db
from tests.accounts.stores import make_store
from tests.provisioning.databases import database

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


@pytest.fixture(params=["sqlite", "sqlite-file", "postgres", "redis"])
def store(request, app, tmp_path):
    """A store of each backend; the database ones on a session per thread, as requests
    have. sqlite-file is the embedded default's own file (#27)."""
    if request.param == "redis":
        yield make_store("redis")
    elif request.param == "sqlite":
        yield from database_store(db.engine)
    elif request.param == "sqlite-file":
        found = store_for(f"sqlite:///{tmp_path / 'throttle.sqlite'}", db.session)
        yield found
        found.session.remove()
        found.session.get_bind().dispose()
    else:
        with database("postgres", tmp_path) as url:
            engine = create_engine(url)
            ThrottleBucket.__table__.create(engine)
            yield from database_store(engine)
            engine.dispose()


def database_store(engine):
    sessions = scoped_session(sessionmaker(bind=engine))
    yield DatabaseStore(sessions)
    sessions.remove()


def test_hits_count_up_in_a_fixed_window_and_start_again_after_it(store):
    assert [store.hit("b", 60, later(s)).hits for s in (0, 10, 59)] == [1, 2, 3]
    assert store.hit("b", 60, later(30)).resets_at == later(60)
    assert store.count("b", later(59.9)).hits == 4
    assert store.count("b", later(60)).hits == 0
    assert store.hit("b", 60, later(60)) == (1, later(120))


def test_a_sliding_window_ends_only_after_a_quiet_spell(store):
    for s in (0, 50, 100, 150):
        count = store.hit("b", 60, later(s), sliding=True)
    assert count == (4, later(210))
    assert store.hit("b", 60, later(210), sliding=True).hits == 1


def test_of_two_lockers_only_the_first_gets_the_lock_until_it_ends(store):
    store.hit("b", 60, NOW)
    assert store.lock("b", later(8), NOW) is True
    assert store.lock("b", later(30), later(1)) is False
    assert store.locked_until(["b"], later(7)) == later(8)
    assert store.locked_until(["b"], later(8)) is None
    assert store.lock("b", later(20), later(8)) is True


def test_locked_until_is_the_latest_lock_in_force_among_the_buckets(store):
    store.lock("a", later(5), NOW)
    store.lock("b", later(9), NOW)
    assert store.locked_until(["a", "b", "unknown"], NOW) == later(9)
    assert store.locked_until(["a", "unknown"], later(6)) is None


def test_undo_takes_one_hit_back_and_never_goes_below_zero(store):
    store.hit("b", 60, NOW)
    store.hit("b", 60, NOW)
    for _ in range(3):
        store.undo("b", NOW)
    assert store.count("b", NOW).hits == 0
    assert store.hit("b", 60, NOW).hits == 1


def test_clear_forgets_hits_and_lock(store):
    store.hit("b", 60, NOW)
    store.lock("b", later(30), NOW)
    store.clear("b")
    assert store.count("b", NOW).hits == 0 and store.locked_until(["b"], NOW) is None


def test_concurrent_hits_are_never_lost(store):
    def hit(_) -> int:
        try:
            return store.hit("b", 60, NOW).hits
        finally:
            if isinstance(store, DatabaseStore):
                store.session.remove()  # this thread's session

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(hit, range(80)))
    assert sorted(counts) == list(range(1, 81))


def test_locks_double_after_the_free_attempts_up_to_the_cap():
    assert [lock_seconds(n, 5, 900) for n in range(1, 16)] == [
        0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert lock_seconds(10_000, 5, 900) == 900


def test_the_daily_purge_removes_spent_buckets_and_sign_ups(app, world):
    store, now = DatabaseStore(db.session), datetime.now(UTC)
    store.hit("spent", 60, now - timedelta(hours=1))
    store.hit("live", 60, now)
    store.lock("locked", now + timedelta(minutes=5), now - timedelta(hours=1))
    db.session.add(sign_up.SignUpRequest(token_hash="0" * 64, email="x@example.com", data={},
                                         password_hash="x", expires_at=now))
    db.session.commit()
    assert purge_task.apply().get() == 2
    assert store.count("live", now).hits == 1
    assert store.locked_until(["locked"], now) is not None


def test_the_embedded_default_counts_in_a_file_of_its_own_not_the_apps_database(app, tmp_path):
    """#27: counting an API request must not take the app database's write lock."""
    app.config["THROTTLE_STORAGE_URL"] = url = f"sqlite:///{tmp_path / 'throttle.sqlite'}"
    store = store_for(url, db.session)
    # The purge below runs on the real clock: a bucket counted at a fixed date would be
    # spent, and purged, on any day after it.
    now = datetime.now(UTC)
    store.hit("api:token:1", 60, now)
    assert db.session.query(ThrottleBucket).count() == 0
    assert store.count("api:token:1", now + timedelta(seconds=1)).hits == 1
    store.hit("spent", 60, now - timedelta(days=1))
    assert purge_task.apply().get() == 1  # the daily purge reaches the file too
    assert store.session.query(ThrottleBucket.bucket).all() == [("api:token:1",)]
