"""Who runs the dispatcher: every process on SQLite, the advisory lock's holder on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from storage.db import create_engine

log = logging.getLogger(__name__)

# "bilanout" in ASCII: the advisory lock id of the dispatcher, the same in every process.
LEADER_LOCK_ID = 0x62696C616E6F7574


class Leadership(Protocol):
    async def hold(self) -> bool:
        """True while this process may dispatch; tries to become leader if not."""
        ...

    async def release(self) -> None: ...


class EveryProcess:
    """SQLite: the claim statement is safe between processes, everyone dispatches."""

    async def hold(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class AdvisoryLockLeadership:
    """PostgreSQL: the holder of a session-level advisory lock is the dispatcher.

    The lock lives on its own connection, outside any pool (``NullPool``), so
    it can never be handed to other code still holding the lock, and closing
    it (or the process dying) releases the lock on the server.
    """

    def __init__(self, url: str, lock_id: int = LEADER_LOCK_ID, check_every: float = 1.0) -> None:
        self._url = url
        self._lock_id = lock_id
        self._check_every = check_every
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._checked_at = 0.0

    async def hold(self) -> bool:
        loop = asyncio.get_running_loop()
        if self._connection is not None:
            if loop.time() - self._checked_at < self._check_every:
                return True
            try:
                await self._connection.execute(text("SELECT 1"))
                self._checked_at = loop.time()
                return True
            except Exception as exc:  # the connection, hence the lock, is gone
                log.warning("outbox dispatcher lost its lock connection (%s)", type(exc).__name__)
                await self._close()
                return False
        if self._engine is None:
            self._engine = create_engine(self._url, poolclass=NullPool)
        connection = await self._engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:id)"), {"id": self._lock_id}
            )
        except Exception:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        self._checked_at = loop.time()
        log.info("this process now runs the outbox dispatcher")
        return True

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": self._lock_id}
                )
        await self._close()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
