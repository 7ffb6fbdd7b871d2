"""The journal on both back ends: private by default, shared entry by entry, audited reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.actors import AccessDenied
from storage.db import Database
from storage.journal import (
    EntryRefused,
    add_entry,
    count_own_entries,
    delete_entry,
    own_entries,
    own_entry,
    set_shared,
    shared_counts,
    shared_entries,
)
from storage.models import AuditEvent
from tests.storage.conftest import World

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


async def _write(db: Database, world: World, text: str, minutes: int = 0) -> int:
    async with db.transaction() as session:
        entry = await add_entry(session, world.paul, text, now=NOW + timedelta(minutes=minutes))
    return entry.id


async def test_entries_are_private_until_shared_and_listed_newest_first(
    db: Database, world: World
) -> None:
    first = await _write(db, world, "Première note : je doute.", 0)
    second = await _write(db, world, "Deuxième note : ça avance.", 5)
    async with db.transaction() as session:
        mine = await own_entries(session, world.paul)
        assert [e.id for e in mine] == [second, first]
        assert not any(e.shared for e in mine)
        assert await count_own_entries(session, world.paul) == 2
        assert await shared_entries(session, world.a, world.paul.beneficiary_id) == []
        await set_shared(session, world.paul, second, True)
    async with db.transaction() as session:
        [seen] = await shared_entries(session, world.a, world.paul.beneficiary_id)
        assert seen.text == "Deuxième note : ça avance."
        assert await shared_counts(session, world.a) == {world.paul.beneficiary_id: 1}
        assert await shared_counts(session, world.b) == {}
        await set_shared(session, world.paul, second, False)
    async with db.transaction() as session:
        assert await shared_entries(session, world.a, world.paul.beneficiary_id) == []


async def test_every_counsellor_reading_is_audited(db: Database, world: World) -> None:
    entry = await _write(db, world, "Note partagée")
    async with db.transaction() as session:
        await set_shared(session, world.paul, entry, True)
        await own_entries(session, world.paul)
    async with db.transaction() as session:
        await shared_entries(session, world.a, world.paul.beneficiary_id)
    async with db.transaction() as session:
        events = list(await session.scalars(select(AuditEvent)))
    assert [(e.actor_kind, e.actor_id, e.action, e.beneficiary_id) for e in events] == [
        ("counsellor", world.a.counsellor_id, "journal.read_shared", world.paul.beneficiary_id)
    ]


async def test_nobody_else_reaches_an_entry(db: Database, world: World) -> None:
    entry = await _write(db, world, "Note de Paul")
    async with db.transaction() as session:
        await set_shared(session, world.paul, entry, True)
    attempts = [
        lambda s: own_entry(s, world.lea, entry),
        lambda s: own_entry(s, world.a, entry),
        lambda s: set_shared(s, world.lea, entry, False),
        lambda s: set_shared(s, world.a, entry, False),
        lambda s: delete_entry(s, world.lea, entry),
        lambda s: delete_entry(s, world.a, entry),
        lambda s: own_entry(s, world.paul, entry + 100),
        lambda s: own_entry(s, world.paul, -1),
        lambda s: add_entry(s, world.a, "pas mon journal"),
        lambda s: own_entries(s, world.a),
        lambda s: shared_entries(s, world.b, world.paul.beneficiary_id),
        lambda s: shared_entries(s, world.lea, world.paul.beneficiary_id),
        lambda s: shared_entries(s, world.paul, world.paul.beneficiary_id),
        lambda s: shared_entries(s, world.a, 999_999),
        lambda s: shared_counts(s, world.paul),
    ]
    for attempt in attempts:
        async with db.transaction() as session:
            with pytest.raises(AccessDenied) as refused:
                await attempt(session)
        assert "Paul" not in str(refused.value)
    async with db.transaction() as session:
        assert await own_entries(session, world.lea) == []
        assert (await own_entry(session, world.paul, entry)).shared


async def test_the_author_deletes_an_entry(db: Database, world: World) -> None:
    entry = await _write(db, world, "À effacer")
    async with db.transaction() as session:
        await delete_entry(session, world.paul, entry)
    async with db.transaction() as session:
        assert await own_entries(session, world.paul) == []
        with pytest.raises(AccessDenied):
            await own_entry(session, world.paul, entry)


async def test_empty_or_overlong_entries_are_refused(db: Database, world: World) -> None:
    for text, reason in [("   ", "empty"), ("x" * 4097, "too_long")]:
        async with db.transaction() as session:
            with pytest.raises(EntryRefused) as refused:
                await add_entry(session, world.paul, text)
        assert refused.value.reason == reason


async def test_entries_are_encrypted_at_rest(db: Database, world: World) -> None:
    await _write(db, world, "Un secret bien gardé")
    async with db.engine.connect() as connection:
        raw = (await connection.exec_driver_sql("SELECT text FROM journal_entries")).scalar_one()
    assert "secret" not in str(raw)
