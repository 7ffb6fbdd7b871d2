"""Ids that reach buttons, deep links and queued rows are never given to someone else.

Checked on the schema ``bilan-bot db upgrade`` builds (both databases), on the
models every new table is declared with, and on an SQLite database migrated
with rows in it: they are all kept, and so are the foreign keys' cascades.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import Integer, delete, func, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateTable

import storage.schema  # noqa: F401
from storage import migrate
from storage.db import Database
from storage.journal import JournalEntry
from storage.models import Base, Beneficiary, Counsellor

BEFORE = "2053a38b281f"


def _surrogate_id_tables() -> list[str]:
    return sorted(
        table.name
        for table in Base.metadata.tables.values()
        if [c.name for c in table.primary_key.columns] == ["id"]
        and isinstance(table.c.id.type, Integer)
    )


def test_every_table_with_an_integer_id_is_declared_autoincrement() -> None:
    tables = _surrogate_id_tables()
    assert {"beneficiaries", "counsellors", "journal_entries", "outbox", "tasks"} <= set(tables)
    for name in tables:
        ddl = str(CreateTable(Base.metadata.tables[name]).compile(dialect=sqlite.dialect()))
        assert "AUTOINCREMENT" in ddl, name


async def _person(db: Database, counsellor_id: int, name: str) -> int:
    async with db.transaction() as session:
        person = Beneficiary(counsellor_id=counsellor_id, name=name)
        session.add(person)
        await session.flush()
        session.add(JournalEntry(beneficiary_id=person.id, text=f"note of {name}"))
        return person.id


async def test_an_erased_persons_id_goes_to_nobody_else(database_url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, database_url)
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            claire = Counsellor(telegram_id=111, name="Claire Martin")
            session.add(claire)
            await session.flush()
            claire_id = claire.id
        await _person(db, claire_id, "Paul Durand")
        erased = await _person(db, claire_id, "Léa Moreau")  # the newest person, and note
        async with db.transaction() as session:
            erased_note = await session.scalar(select(func.max(JournalEntry.id)))
            await session.execute(delete(Beneficiary).where(Beneficiary.id == erased))
            assert await session.scalar(select(func.max(JournalEntry.id))) < erased_note
        newcomer = await _person(db, claire_id, "Gaston Nouveau")
        async with db.transaction() as session:
            newest_note = await session.scalar(select(func.max(JournalEntry.id)))
    finally:
        await db.dispose()
    assert newcomer > erased
    assert newest_note is not None and erased_note is not None and newest_note > erased_note


async def test_the_migration_keeps_rows_and_cascades(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(migrate.upgrade, url, BEFORE)
    db = Database(url)
    try:
        async with db.transaction() as session:
            claire = Counsellor(telegram_id=111, name="Claire Martin")
            session.add(claire)
            await session.flush()
            claire_id = claire.id
        paul = await _person(db, claire_id, "Paul Durand")
        lea = await _person(db, claire_id, "Léa Moreau")
        await db.dispose()
        await asyncio.to_thread(migrate.upgrade, url)
        async with db.transaction() as session:
            master = await session.execute(text("SELECT name, sql FROM sqlite_master"))
            ddl = {str(row[0]): str(row[1]) for row in master.all()}
            for name in _surrogate_id_tables():
                assert "AUTOINCREMENT" in ddl[name], name
            names = {b.id: b.name for b in await session.scalars(select(Beneficiary))}
            assert names == {paul: "Paul Durand", lea: "Léa Moreau"}
            notes = [n.text for n in await session.scalars(select(JournalEntry))]
            assert sorted(notes) == ["note of Léa Moreau", "note of Paul Durand"]
            # Erasing a person still cascades to their rows.
            await session.execute(delete(Beneficiary).where(Beneficiary.id == lea))
            left = [n.beneficiary_id for n in await session.scalars(select(JournalEntry))]
            assert left == [paul]
    finally:
        await db.dispose()
