"""Engine and transactions for SQLite (embedded default) and PostgreSQL.

SQLite is tuned for a bot that writes from several coroutines and, with the
benchmark's or the CLI's help, several processes: WAL so readers never block
the writer, a busy timeout instead of immediate "database is locked", foreign
keys on, and ``BEGIN IMMEDIATE`` so that a read-then-write transaction takes
the write lock up front rather than failing at its first write.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_one_trip

SQLITE_BUSY_TIMEOUT_MS = 10_000
# aiosqlite runs each connection in a thread by this name.
_AIOSQLITE_THREAD = "_connection_worker_thread"
SETTLE_TIMEOUT_S = 1.0


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_folder(url: str) -> Path | None:
    """The folder an SQLite database file lives in; ``None`` for PostgreSQL or in memory."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().absolute().parent


async def settle_sqlite_threads(timeout: float = SETTLE_TIMEOUT_S) -> None:
    """After a connection failed to open: let aiosqlite's threads finish while the loop runs.

    A connection that failed to open (a missing folder, a directory where the
    file should be) stops its thread with a future nobody awaits; if the loop
    closes first, the thread prints ``RuntimeError: Event loop is closed`` at
    exit. The command line calls this when opening failed, before its loop
    closes. Threads of connections still open elsewhere do not end: the wait
    is bounded by ``timeout`` in all.
    """
    threads = [t for t in threading.enumerate() if _AIOSQLITE_THREAD in t.name]
    if threads:
        await asyncio.to_thread(_join, threads, time.monotonic() + timeout)
        await asyncio.sleep(0)  # run the callbacks the threads scheduled on this loop


def _join(threads: list[threading.Thread], deadline: float) -> None:
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's own would be DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        adapted = connection.connection.dbapi_connection
        if not hasattr(adapted, "run_async"):  # a synchronous driver
            connection.exec_driver_sql(BEGIN)
            return
        if isinstance(adapted, sqlite_one_trip.OneTripConnection):
            adapted.begin_with_next(BEGIN)  # with the first statement, in its trip
            return
        # SQLAlchemy's own aiosqlite adapter: one trip to aiosqlite's thread, where
        # a statement through SQLAlchemy costs three (cursor, execute, close).
        try:
            adapted.run_async(lambda raw: raw.execute_fetchall(BEGIN))
        except sqlite3.Error as error:  # raised as SQLAlchemy raises any statement's
            raise DBAPIError.instance(BEGIN, None, error, sqlite3.Error) from error

    @event.listens_for(engine.sync_engine, "reset")
    def on_reset(dbapi_connection: Any, _record: Any, state: Any) -> None:
        # A connection goes back to the pool with no transaction open, as with
        # SQLAlchemy's own reset, but without a ROLLBACK after every COMMIT.
        if state.asyncio_safe and not state.terminate_only and _in_transaction(dbapi_connection):
            dbapi_connection.rollback()


BEGIN = "BEGIN IMMEDIATE"


def _in_transaction(dbapi_connection: Any) -> bool:
    """Whether SQLite has a transaction open on this connection, or one to begin with
    its next statement (True when unsure)."""
    if isinstance(dbapi_connection, sqlite_one_trip.OneTripConnection) and (
        dbapi_connection.begin_pending
    ):
        return True
    try:
        return bool(dbapi_connection.driver_connection.in_transaction)
    except (AttributeError, ValueError):  # no driver connection, or already closed
        return True


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if is_sqlite(url):
        kwargs.setdefault("pool_reset_on_return", None)  # see _tune_sqlite's on_reset
        if make_url(url).get_driver_name() == "aiosqlite":
            module = sqlite_one_trip.dbapi()  # a statement in one trip to aiosqlite's thread
            if module is not None:
                kwargs.setdefault("module", module)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        _tune_sqlite(engine)
    return engine


class Database:
    """One engine and its session factory, shared by the whole process."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error.

        Inside a unit of work on this database (:class:`Ambient`, run by the same
        task) this is the unit's transaction: committed by the unit, rolled back
        with it if the block raises. Two transactions of one task would otherwise
        wait on each other for SQLite's write lock.
        """
        ambient = _AMBIENT.get()
        if ambient is not None and ambient.joins(self):
            session = await ambient.session()
            try:
                yield session
            except BaseException:
                await ambient.rollback()
                raise
            return
        async with self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Close every connection; call before the event loop closes."""
        await self.engine.dispose()


_AMBIENT: ContextVar[Ambient | None] = ContextVar("bilan_ambient_transaction", default=None)


class Ambient:
    """One transaction that every :meth:`Database.transaction` of one task joins.

    The bot runs each update inside one (``bot/kit/unit.py``), so resolving the
    caller, reading their wait and writing their answer is one transaction.
    Opened at the first use, committed by :meth:`commit` (after which the next
    use opens another), rolled back if a block raises. Only the task that
    entered it joins it: a task started meanwhile keeps transactions of its own.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._session: AsyncSession | None = None
        self._task = asyncio.current_task()
        self._open = True

    def joins(self, db: Database) -> bool:
        return self._open and db is self.db and asyncio.current_task() is self._task

    async def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.db.sessions()
            await self._session.begin()
        return self._session

    async def commit(self) -> AsyncSession | None:
        """Commit what is open; returns the session it committed (closed), if any."""
        session, self._session = self._session, None
        if session is None:
            return None
        try:
            await session.commit()
        finally:
            await session.close()
        return session

    async def rollback(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            await session.rollback()
        finally:
            await session.close()

    def close(self) -> None:
        self._open = False


def current_ambient() -> Ambient | None:
    return _AMBIENT.get()


@asynccontextmanager
async def ambient(unit: Ambient) -> AsyncIterator[Ambient]:
    """Run the block inside ``unit``: committed at the end, rolled back on error."""
    token = _AMBIENT.set(unit)
    try:
        yield unit
        await unit.commit()
    except BaseException:
        await unit.rollback()
        raise
    finally:
        unit.close()
        _AMBIENT.reset(token)
