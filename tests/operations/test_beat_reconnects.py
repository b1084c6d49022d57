"""#26: beat keeps sending after its broker channel breaks. The first `make run` after new
migrations had the embedded beat fail its first publish on the SQLite broker, then log
"channel disconnected" every tick and never send again. The scheduler the storefront
configures drops the dead producer and sends on a fresh connection."""

from __future__ import annotations

from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler
from kombu import Connection

from config.settings import TestingConfig
from operations.beat import RecoveringScheduler
from storefront import create_app


def _broker(tmp_path: Path) -> Celery:
    app = Celery("beat-test", broker=f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}")
    app.conf.beat_schedule = {}
    return app


def _queued(app: Celery) -> int:
    with Connection(app.conf.broker_url) as connection:
        queue = connection.SimpleQueue("celery")
        try:
            return queue.qsize()
        finally:
            queue.close()


def _tick_with_a_broken_channel(scheduler_class, tmp_path: Path) -> Celery:
    app = _broker(tmp_path)
    scheduler = scheduler_class(app=app, schedule_filename=str(tmp_path / "schedule"))
    entry = scheduler.Entry(name="heartbeat", task="operations.heartbeat", schedule=60.0,
                            app=app)
    scheduler.apply_entry(entry, producer=scheduler.producer)
    scheduler.producer.channel.close()  # what a lost broker connection leaves behind
    for _ in range(3):  # three more ticks
        scheduler.apply_entry(entry, producer=scheduler.producer)
    scheduler.close()
    return app


def test_beat_sends_every_tick_after_its_channel_breaks(tmp_path):
    app = _tick_with_a_broken_channel(RecoveringScheduler, tmp_path)
    assert _queued(app) == 4


def test_celerys_own_scheduler_loses_every_tick_after_a_broken_channel(tmp_path):
    """Why the storefront does not use Celery's default: it never recovers."""
    app = _tick_with_a_broken_channel(PersistentScheduler, tmp_path)
    assert _queued(app) == 1


def test_the_worker_and_beat_use_the_recovering_scheduler():
    app = create_app(TestingConfig)
    assert app.extensions["celery"].conf.beat_scheduler == "operations.beat:RecoveringScheduler"
