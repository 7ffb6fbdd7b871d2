"""What became of a send, and what the row becomes: sent, retried with backoff, held, failed.

The retry and error policy of the module docstring of :mod:`bot.dispatcher`,
as a part of :class:`bot.dispatcher.Dispatcher`: 429 is not an attempt,
transient errors back off, refusals fail at once, 403 holds the person's rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from bot.dispatcher.config import Clock, DispatcherConfig, DispatchStats
from storage import outbox
from storage.db import Database
from storage.outbox import ClaimedMessage

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


SENT = _Marker("sent")
NOT_OURS = _Marker("not ours any more")
NOT_RELEVANT = _Marker("not relevant")


@dataclass(frozen=True)
class RenderFailed:
    error: str


@dataclass(frozen=True)
class FloodedOut:
    wait: float


# What became of one send: a marker, a renderer failure, repeated flood
# control, or the exception the Bot raised.
Outcome = _Marker | RenderFailed | FloodedOut | BaseException


def retry_after_seconds(error: RetryAfter) -> float:
    # A timedelta, as python-telegram-bot 23 will give it (``PTB_TIMEDELTA``, see
    # ``bot/__init__.py``); whole seconds should the setting be off.
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Settling:
    """The dispatcher's records of outcomes, each in one short transaction."""

    config: DispatcherConfig
    stats: DispatchStats
    _clock: Clock
    _db: Database
    _write_lock: asyncio.Lock | None

    async def _settle(self, row: ClaimedMessage, outcome: Outcome) -> None:
        """Record what happened to the row (outside the per-chat and send locks)."""
        if outcome is SENT:
            await self._mark_sent(row)
        elif outcome is NOT_OURS:
            # Cancelled since the claim, or our lease ran out and another took it.
            self.stats.skipped += 1
        elif outcome is NOT_RELEVANT:
            await self._write(lambda s: outbox.mark_cancelled(s, row, reason="NotRelevant"))
            self.stats.cancelled += 1
        elif isinstance(outcome, RenderFailed):
            await self._failed_attempt(row, outcome.error)
        elif isinstance(outcome, FloodedOut):
            # Flood control again and again: back to the queue, not counted as a failure.
            later = self._clock() + timedelta(seconds=outcome.wait)
            await self._write(
                lambda s: outbox.release(s, row, not_before=later, error="RetryAfter")
            )
        elif isinstance(outcome, Forbidden):
            newly = await self._write(lambda s: outbox.mark_unreachable(s, row, now=self._clock()))
            self.stats.held += 1
            if newly:
                log.info("outbox: %s %s blocked the bot", row.recipient.kind, row.recipient.id)
        elif isinstance(outcome, BadRequest | ChatMigrated):
            # Telegram refuses this message as it is: retrying changes nothing.
            await self._refused(row, type(outcome).__name__)
        else:
            # TimedOut, 5xx and other NetworkErrors, an invalid token: try again later.
            log.warning("outbox row %s: %s", row.id, type(outcome).__name__)
            await self._failed_attempt(row, type(outcome).__name__)

    async def _mark_sent(self, row: ClaimedMessage) -> None:
        """Record the send, trying a few times: a failure here is the resend window."""
        for attempt in range(self.config.mark_retries):
            try:
                ours = await self._write(lambda s: outbox.mark_sent(s, row, now=self._clock()))
            except Exception as exc:
                log.warning("outbox row %s sent, mark failed: %s", row.id, type(exc).__name__)
                await asyncio.sleep(0.2 * (attempt + 1))
                continue
            self.stats.sent += 1
            if not ours:
                self.stats.lost_leases += 1
                log.warning("outbox row %s was sent after its lease ran out", row.id)
            return
        log.error("outbox row %s sent but not marked: it may be sent again", row.id)

    async def _refused(self, row: ClaimedMessage, error: str) -> None:
        log.warning("outbox row %s refused: %s", row.id, error)
        await self._write(lambda s: outbox.mark_failed(s, row, error=error))
        self.stats.failed += 1

    async def _failed_attempt(self, row: ClaimedMessage, error: str) -> None:
        attempts = row.attempts + 1
        if attempts >= self.config.max_attempts:
            await self._write(lambda s: outbox.mark_failed(s, row, error=error))
            self.stats.failed += 1
            log.warning("outbox row %s failed after %d attempts", row.id, attempts)
            return
        later = self._clock() + self.config.backoff(attempts)
        await self._write(
            lambda s: outbox.release(s, row, not_before=later, error=error, count_attempt=True)
        )
        self.stats.retried += 1

    async def _write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """One short transaction. On SQLite the dispatcher's own writes take
        turns: writers that collide wait in SQLite's busy handler, which sleeps
        in growing steps (up to 100 ms), long enough to starve the pace."""
        if self._write_lock is None:
            async with self._db.transaction() as session:
                return await work(session)
        async with self._write_lock, self._db.transaction() as session:
            return await work(session)
