"""One unit of work per update: the caller, the wait, the write and what it enqueues.

Every update runs inside a :class:`Unit` (see :class:`bot.kit.application.BotApplication`),
an :class:`storage.db.Ambient` transaction: the first ``Database.transaction()``
of the update opens it, and the blocks after it share it. So resolving the
caller, reading their wait and writing what they typed is one transaction,
and the conversation row read at the start is served from the session's
identity map afterwards.

The unit commits before the bot says anything to Telegram
(:class:`UnitGate`, which every Bot API call passes through), and at the end
of the update. So nothing reaches a person before it is stored, and an
SQLite write lock (every transaction is ``BEGIN IMMEDIATE``) is never held
across a network call: the dispatcher and the desk wait for a handler's
work, never for Telegram. A block that raises rolls the unit back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import BaseRateLimiter

from storage import conversation
from storage.db import Ambient, Database, current_ambient

log = logging.getLogger(__name__)

NOTICE_ENDPOINTS = frozenset({"sendMessage", "editMessageText"})
MAX_TEXT = 4096


class Unit(Ambient):
    """The transaction of one update, with what must follow its commits.

    After a commit: wake the dispatcher if the update queued a message, and
    remember the waits the update's new wait ended, for the line that tells the
    person (:meth:`prefix_notice`).
    """

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._wake: Callable[[], None] | None = None
        self.dropped: list[conversation.Wait] = []
        self.telegram_id: int | None = None
        self.describe: Callable[[list[conversation.Wait]], str | None] = lambda _waits: None
        """Set by the caller's resolution: the one line that tells the person what a
        new wait ended, in their language."""
        self._late_notice: str | None = None

    def wake_after_commit(self, wake: Callable[[], None]) -> None:
        """The dispatcher must see the queued message: wake it once it is committed."""
        self._wake = wake

    async def commit(self) -> AsyncSession | None:
        session = await super().commit()
        if session is not None:
            self.dropped.extend(conversation.dropped_waits(session))
        wake, self._wake = self._wake, None
        if wake is not None:
            wake()
        return session

    async def rollback(self) -> None:
        self._wake = None
        await super().rollback()

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
            self._late_notice = notice  # said on its own at the end of the update
            return
        data["text"] = text

    def late_notice(self) -> str | None:
        """What is left to say at the end of the update (no reply could carry it)."""
        notice, self._late_notice = self._late_notice, None
        return notice or self.take_notice()


def current_unit() -> Unit | None:
    unit = current_ambient()
    return unit if isinstance(unit, Unit) else None


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
        unit = current_unit()
        if unit is not None and unit.joins(unit.db):
            await unit.commit()
            unit.prefix_notice(endpoint, data)
        if self.inner is None:
            return await callback(*args, **kwargs)
        return await self.inner.process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
