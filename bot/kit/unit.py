"""One unit of work per update: the caller, the wait, the write and what it enqueues.

Every update runs inside a :class:`Unit` (see :class:`bot.kit.application.BotApplication`).
Handlers reach the database with ``async with work(context) as session``; the
first such block of an update opens the unit's transaction, and the blocks
after it share it, so resolving the caller, reading their wait and writing
what they typed is one transaction, and the conversation row read at the
start is served from the session's identity map afterwards.

The unit commits before the bot says anything to Telegram
(:class:`UnitGate`, which every Bot API call passes through), and at the end
of the update. So nothing reaches a person before it is stored, and an
SQLite write lock (every transaction is ``BEGIN IMMEDIATE``) is never held
across a network call: the dispatcher and the desk wait for a handler's
work, never for Telegram. A block that raises rolls the unit back.

Outside an update (a job, the command line) ``work()`` is a plain transaction.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import BaseRateLimiter

from storage import conversation
from storage.db import Database

log = logging.getLogger(__name__)

_CURRENT: ContextVar[Unit | None] = ContextVar("bilan_unit_of_work", default=None)

NOTICE_ENDPOINTS = frozenset({"sendMessage", "editMessageText"})
MAX_TEXT = 4096


class Unit:
    """The transaction of one update, opened lazily and committed before each send."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._session: AsyncSession | None = None
        self._wake: Callable[[], None] | None = None
        self.dropped: list[conversation.Wait] = []
        self.telegram_id: int | None = None
        self.describe: Callable[[list[conversation.Wait]], str | None] = lambda _waits: None
        """Set by the caller's resolution: the one line that tells the person what a
        new wait ended, in their language."""
        self._late_notice: str | None = None

    async def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.db.sessions()
            await self._session.begin()
        return self._session

    def wake_after_commit(self, wake: Callable[[], None]) -> None:
        """The dispatcher must see the queued message: wake it once it is committed."""
        self._wake = wake

    async def commit(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            self.dropped.extend(conversation.dropped_waits(session))
            await session.commit()
        finally:
            await session.close()
        wake, self._wake = self._wake, None
        if wake is not None:
            wake()

    async def rollback(self) -> None:
        session, self._session = self._session, None
        self._wake = None
        if session is None:
            return
        conversation.dropped_waits(session)
        try:
            await session.rollback()
        finally:
            await session.close()

    def take_notice(self) -> str | None:
        """The line about waits this update ended, once."""
        if not self.dropped:
            return None
        waits, self.dropped = self.dropped, []
        return self.describe(waits)

    def prefix_notice(self, endpoint: str, data: dict[str, Any]) -> None:
        """Put the pending notice at the top of the reply to this person, if it fits."""
        if (
            not self.dropped
            or endpoint not in NOTICE_ENDPOINTS
            or data.get("chat_id") != self.telegram_id
            or not isinstance(data.get("text"), str)
            or data.get("entities")
        ):
            return
        notice = self.take_notice()
        if notice is None:
            return
        text = f"{notice}\n\n{data['text']}"
        if len(text) > MAX_TEXT:
            self.dropped = []  # said separately at the end of the update
            self._late_notice = notice
            return
        data["text"] = text

    def late_notice(self) -> str | None:
        """What is left to say at the end of the update (no reply could carry it)."""
        notice, self._late_notice = self._late_notice, None
        return notice or self.take_notice()


def current_unit() -> Unit | None:
    return _CURRENT.get()


@asynccontextmanager
async def unit_of_work(db: Database) -> AsyncIterator[Unit]:
    """Run one update's handlers inside a unit: committed at the end, rolled back on error."""
    unit = Unit(db)
    token = _CURRENT.set(unit)
    try:
        yield unit
        await unit.commit()
    except BaseException:
        await unit.rollback()
        raise
    finally:
        _CURRENT.reset(token)


@asynccontextmanager
async def work_in(db: Database) -> AsyncIterator[AsyncSession]:
    """The update's transaction if one runs on ``db``, else a transaction of its own."""
    unit = _CURRENT.get()
    if unit is None or unit.db is not db:
        async with db.transaction() as session:
            yield session
        return
    session = await unit.session()
    try:
        yield session
    except BaseException:
        await unit.rollback()
        raise


class UnitGate(BaseRateLimiter[int]):
    """Every Bot API call passes here: commit the update's work first, then send.

    Wraps the real rate limiter (``AIORateLimiter`` in production, none in tests
    that count calls), so the commit comes before any waiting for a rate slot.
    """

    def __init__(self, inner: BaseRateLimiter[Any] | None = None) -> None:
        self.inner = inner

    async def initialize(self) -> None:
        if self.inner is not None:
            await self.inner.initialize()

    async def shutdown(self) -> None:
        if self.inner is not None:
            await self.inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        unit = _CURRENT.get()
        if unit is not None:
            await unit.commit()
            unit.prefix_notice(endpoint, data)
        if self.inner is None:
            return await callback(*args, **kwargs)
        return await self.inner.process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
