"""Beat's scheduler, made to survive a broken broker channel.

Celery's scheduler publishes every due task through one cached producer. When that
producer's channel breaks (the SQLite broker of `make run` was busy or being created while
beat first published; Redis restarted at scale), every later tick fails with "channel
disconnected" on the same dead channel and beat never sends again, while the worker beside
it looks healthy. This scheduler drops the dead producer and its connection and sends the
entry once more on a fresh one, so at most one publish is lost to a broken channel and
none to a channel that can be reopened.
"""

from __future__ import annotations

import logging

from celery.beat import PersistentScheduler, SchedulingError

log = logging.getLogger("operations.beat")


class RecoveringScheduler(PersistentScheduler):
    """PersistentScheduler (the schedule file of `--schedule`) that reconnects."""

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        try:
            return super().apply_async(entry, producer=producer, advance=advance, **kwargs)
        except SchedulingError:
            if producer is not None and producer is not self.__dict__.get("producer"):
                raise  # a caller's own producer: not ours to replace
            log.warning("beat: publishing %s failed; reconnecting to the broker", entry.name,
                        exc_info=True)
            self.forget_connection()
            return super().apply_async(entry, producer=self.producer, advance=False, **kwargs)

    def forget_connection(self) -> None:
        """Drop the cached producer and connection; both are rebuilt on next use."""
        self.__dict__.pop("producer", None)
        connection = self.__dict__.pop("connection", None)
        if connection is not None:
            try:
                connection.release()
            except Exception:  # noqa: BLE001 -- releasing a dead connection may fail too
                log.debug("beat: releasing the broken connection failed", exc_info=True)
