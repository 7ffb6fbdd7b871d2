"""SQLite statements in one trip to aiosqlite's thread, instead of four.

aiosqlite runs every call on a connection in that connection's own thread: the
event loop puts the call in a queue, the thread runs it and wakes the loop with
the result. SQLAlchemy's aiosqlite adapter makes four such trips per SELECT
(open a cursor, execute, fetch the rows, close the cursor) and three per write,
and each trip costs CPU on both sides (a queue, a thread wake-up, a write to
the loop's self-pipe). A typed answer runs four statements: sixteen trips.

This adapter runs the whole statement (cursor, execute, rows, counts, close)
as one function in the thread, one trip, and gives SQLAlchemy what its own
cursor would have: the description, the rows, ``rowcount`` and ``lastrowid``.
Errors are raised by the same sqlite3 calls and reach SQLAlchemy by the same
path as before. ``benchmarks/per_update.py`` measures the effect.

A transaction's ``BEGIN`` goes the same way: :meth:`OneTripConnection.begin_with_next`
keeps it for the transaction's first statement, which runs it in the same
trip, and a transaction that ran no statement ends without a trip (it never
began in SQLite). A typed answer's update, four statements, so makes five
trips instead of six. The lock ``BEGIN IMMEDIATE`` takes is taken before the
first statement reads anything, as before; when it cannot be had, the error
is that statement's.

It leans on two private names, aiosqlite's ``Connection._execute`` (queue a
function for the thread) and ``Connection._conn`` (the sqlite3 connection,
only ever touched from inside that function, so in the thread), and on
SQLAlchemy's cursor adapter slots. :func:`dbapi` checks that they are there and
returns ``None`` otherwise, so a release that moves them leaves the bot on
SQLAlchemy's own adapter rather than broken.
"""

from __future__ import annotations

import collections
import sqlite3
import weakref
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

Described = tuple[Any, list[Any], int, int | None]
"""A statement's outcome: description, rows, rowcount, lastrowid."""


def _run(raw: sqlite3.Connection, begin: str | None, operation: str, parameters: Any) -> Described:
    """In aiosqlite's thread: the transaction's BEGIN if it is still to come, the whole
    statement, and what SQLAlchemy will ask of it."""
    if begin is not None:
        raw.execute(begin).close()
    cursor = raw.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _run_many(
    raw: sqlite3.Connection, begin: str | None, operation: str, parameters: Sequence[Any]
) -> Described:
    if begin is not None:
        raw.execute(begin).close()
    cursor = raw.cursor()
    try:
        cursor.executemany(operation, parameters)
        return None, [], cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _Outcome:
    """Stands where SQLAlchemy's adapter keeps aiosqlite's cursor: the last outcome."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def close(self) -> None:
        """Nothing stays open in the thread."""


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, each statement in one trip to the thread."""

    __slots__ = ()

    def __init__(self, adapt_connection: Any) -> None:
        # Not the parent's __init__: it opens an aiosqlite cursor, one trip, and
        # this one has nothing to open.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Outcome()  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()

    def _keep(self, outcome: Described) -> None:
        description, rows, rowcount, lastrowid = outcome
        kept: Any = self._cursor
        kept.description, kept.rowcount, kept.lastrowid = description, rowcount, lastrowid
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            connection: Any = self._connection
            begin = _take_begin(connection)
            self._keep(
                await connection._execute(_run, connection._conn, begin, operation, parameters)
            )

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            connection: Any = self._connection
            begin = _take_begin(connection)
            self._keep(
                await connection._execute(
                    _run_many, connection._conn, begin, operation, seq_of_parameters
                )
            )

    async def _async_soft_close(self) -> None:
        """The rows are already here and nothing is open in the thread."""

    def close(self) -> None:
        self._rows.clear()


_BEGINS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
"""The BEGIN each aiosqlite connection keeps for its transaction's first statement.

Kept here rather than on the connection: SQLAlchemy's adapter has slots and
no room for it."""


def _take_begin(connection: Any) -> str | None:
    """The BEGIN still to run on this aiosqlite connection, if any; taken, it runs now."""
    return _BEGINS.pop(connection, None)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, with a BEGIN that waits for its first statement."""

    __slots__ = ()
    _cursor_cls = OneTripCursor

    def begin_with_next(self, begin: str) -> None:
        """Run ``begin`` in the same trip as the next statement, not in a trip of its own."""
        _BEGINS[self._connection] = begin

    @property
    def begin_pending(self) -> bool:
        return self._connection in _BEGINS

    def commit(self) -> None:
        if _take_begin(self._connection) is None:  # else nothing began in SQLite
            super().commit()

    def rollback(self) -> None:
        if _take_begin(self._connection) is None:
            super().rollback()

    def close(self) -> None:
        _take_begin(self._connection)
        super().close()


class _OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        adapted.__class__ = OneTripConnection
        return adapted


def _supported() -> bool:
    """Whether the private names this adapter uses are where it expects them."""
    slots = {name for cls in AsyncAdapt_aiosqlite_cursor.__mro__ for name in _slots(cls)}
    return (
        callable(getattr(aiosqlite.Connection, "_execute", None))
        and isinstance(getattr(aiosqlite.Connection, "_conn", None), property)
        and {"_adapt_connection", "_connection", "_cursor", "_rows", "_soft_closed_memoized"}
        <= slots
        and hasattr(AsyncAdapt_aiosqlite_connection, "_execute_mutex")
    )


def _slots(cls: type) -> tuple[str, ...]:
    slots = cls.__dict__.get("__slots__", ())
    return (slots,) if isinstance(slots, str) else tuple(slots)


def dbapi() -> AsyncAdapt_aiosqlite_dbapi | None:
    """The module to give ``create_async_engine(module=...)`` for SQLite, or ``None``
    to keep SQLAlchemy's own adapter (this aiosqlite or SQLAlchemy moved a name)."""
    if not _supported():
        return None
    return _OneTripDBAPI(aiosqlite, sqlite3)
