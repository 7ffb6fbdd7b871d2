"""The one-trip SQLite adapter answers SQLAlchemy as its own adapter does.

Every other test runs through it too (``storage.db.create_engine`` picks it for
``sqlite+aiosqlite``); these pin what SQLAlchemy reads from a cursor: rows,
``rowcount``, the new row's id, many rows at once, and errors of the right class;
and that a transaction's BEGIN rides with its first statement.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from storage import sqlite_one_trip
from storage.db import create_engine

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("word", String, unique=True),
)


@pytest.fixture
async def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trip.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_the_bot_engine_uses_one_trip_per_statement(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        cursor = raw.dbapi_connection.cursor()
        assert isinstance(cursor, sqlite_one_trip.OneTripCursor)


async def test_rows_counts_ids_and_many_rows(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.begin() as connection:
        first = await connection.execute(insert(notes).values(word="un"))
        assert first.inserted_primary_key == (1,)
        many = await connection.execute(insert(notes), [{"word": "deux"}, {"word": "trois"}])
        assert many.rowcount == 2
        moved = await connection.execute(
            update(notes).where(notes.c.word.in_(["un", "deux"])).values(word=notes.c.word + "!")
        )
        assert moved.rowcount == 2
        none = await connection.execute(update(notes).where(notes.c.id == 99).values(word="x"))
        assert none.rowcount == 0
        rows = (await connection.execute(select(notes.c.word).order_by(notes.c.id))).all()
    assert [row.word for row in rows] == ["un!", "deux!", "trois"]


async def test_errors_keep_their_class_and_the_transaction_rolls_back(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert(notes).values(word="seul"))
            await connection.execute(insert(notes).values(word="seul"))
    with pytest.raises(OperationalError):
        async with engine.begin() as connection:
            await connection.exec_driver_sql("SELECT * FROM nowhere")
    async with engine.connect() as connection:
        count = (await connection.execute(select(notes.c.id))).all()
    assert count == []


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each function the engine sends to aiosqlite's thread."""
    sent: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return sent


async def test_a_transaction_begins_in_its_first_statements_trip(engine, trips) -> None:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        await connection.execute(select(notes.c.id))  # the connection's first use, its set-up
        await connection.commit()
        trips.clear()
        await connection.execute(select(notes.c.id))
        await connection.execute(insert(notes).values(word="un"))
        await connection.execute(update(notes).values(word="deux"))
        await connection.execute(insert(notes).values(word="trois"))
        await connection.commit()
    # Four statements and the commit: five trips, the BEGIN riding with the first.
    assert trips == ["_run", "_run", "_run", "_run", "commit"]


async def test_a_transaction_that_ran_nothing_makes_no_trip(engine, trips) -> None:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        await connection.execute(select(notes.c.id))
        await connection.commit()
        trips.clear()
        await connection.begin()
        await connection.commit()
        await connection.begin()
        await connection.rollback()
        assert trips == []
        assert (await connection.execute(select(notes.c.id))).all() == []


async def test_the_write_lock_is_held_from_the_first_read(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = sqlite3.connect(tmp_path / "trip.db", timeout=0, isolation_level=None)
    try:
        async with engine.begin() as connection:
            await connection.execute(select(notes.c.id))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("INSERT INTO notes (word) VALUES ('ailleurs')")
            await connection.execute(insert(notes).values(word="ici"))
        other.execute("INSERT INTO notes (word) VALUES ('ailleurs')")
        async with engine.connect() as connection:
            rows = (await connection.execute(select(notes.c.word).order_by(notes.c.id))).all()
        assert [row.word for row in rows] == ["ici", "ailleurs"]
    finally:
        other.close()


async def test_a_begin_that_cannot_lock_fails_its_statement_and_leaves_the_connection_usable(
    engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    other = sqlite3.connect(tmp_path / "trip.db", isolation_level=None)
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA busy_timeout=50")
            await connection.commit()
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(OperationalError, match="locked"):
                await connection.execute(insert(notes).values(word="bloqué"))
            await connection.rollback()
            other.execute("ROLLBACK")
            await connection.execute(insert(notes).values(word="libre"))
            await connection.commit()
            rows = (await connection.execute(select(notes.c.word))).all()
        assert [row.word for row in rows] == ["libre"]
    finally:
        other.close()
