"""The one-trip SQLite adapter answers SQLAlchemy as its own adapter does.

Every other test runs through it too (``storage.db.create_engine`` picks it for
``sqlite+aiosqlite``); these pin what SQLAlchemy reads from a cursor: rows,
``rowcount``, the new row's id, many rows at once, and errors of the right class.
"""

from __future__ import annotations

from pathlib import Path

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
