"""The daily purge: what is past its retention is deleted, shortly after start-up, then daily."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from storage import rights
from storage.db import Database
from storage.models import utcnow
from storage.rights import RetentionPolicy

log = logging.getLogger(__name__)


class DailyPurge:
    """Runs :func:`storage.rights.purge` shortly after start-up, then once a day.

    Nothing is lost if the process stops: the purge works from the dates in
    the database, so the next run catches up. Several processes may each run
    one; the deletes are idempotent.
    """

    def __init__(
        self,
        db: Database,
        policy: RetentionPolicy,
        *,
        interval: timedelta = timedelta(days=1),
        first_delay: timedelta = timedelta(minutes=1),
    ) -> None:
        self._db = db
        self._policy = policy
        self._interval = interval
        self._first_delay = first_delay
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> dict[rights.PurgeKind, int]:
        async with self._db.transaction() as session:
            counts = await rights.purge(session, utcnow(), self._policy)
        log.info(
            "purge: %s", ", ".join(f"{n} {kind.value}" for kind, n in counts.items()) or "nothing"
        )
        return counts

    async def _loop(self) -> None:
        await asyncio.sleep(self._first_delay.total_seconds())
        while True:
            try:
                await self.run_once()
            except Exception as exc:  # keep purging tomorrow; the type says enough
                log.error("purge failed (%s); next try in %s", type(exc).__name__, self._interval)
            await asyncio.sleep(self._interval.total_seconds())

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="daily-purge")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
