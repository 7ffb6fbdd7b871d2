"""The digest material: what changed, the counsellor's own only, in a constant number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from storage.actors import AccessDenied, BeneficiaryActor, SystemActor
from storage.db import Database
from storage.digest import (
    Frequency,
    Preference,
    changes_since,
    claim_due_digests,
    ensure_preferences,
    next_time,
    set_preference,
)
from storage.journal import add_entry, set_shared
from storage.models import utcnow
from storage.people import accept_invitation, create_invitation
from storage.responses import open_run, submit_run
from storage.sessions import SessionMode, request_move, schedule_session
from storage.tasks import assign_task, complete_task
from tests.storage.conftest import World

SYSTEM = SystemActor("digest")


async def test_changes_are_listed_per_person_and_only_the_counsellors(
    db: Database, world: World
) -> None:
    since = utcnow() - timedelta(minutes=1)
    async with db.transaction() as session:
        run = await open_run(session, world.paul, "dossier_auto_bilan", 1)
        await submit_run(session, world.paul, run.id)
        task = await assign_task(
            session,
            world.a,
            world.paul.beneficiary_id,
            "Enquête métier",
            None,
            utcnow().date() + timedelta(days=3),
        )
        await complete_task(session, world.paul, task.id)
        entry = await add_entry(session, world.paul, "Une note")
        await set_shared(session, world.paul, entry.id, True)
        planned = await schedule_session(
            session,
            world.a,
            world.paul.beneficiary_id,
            utcnow() + timedelta(days=2),
            90,
            SessionMode.PHONE,
            None,
        )
        await request_move(session, world.paul, planned.id)
        lea_run = await open_run(session, world.lea, "riasec_short", 1)
        await submit_run(session, world.lea, lea_run.id, result={"code": "SEA"})
    async with db.transaction() as session:
        changes = await changes_since(session, world.a, world.a.counsellor_id, since, utcnow())
    assert [c.name for c in changes] == ["Paul Durand"]
    paul = changes[0]
    assert paul.completed == ["dossier_auto_bilan"]
    assert (paul.tasks_done, paul.journal_shared, paul.moves_asked) == (1, 1, 1)
    assert len(paul.upcoming) == 1 and paul.upcoming[0][1] is False
    assert "Une note" not in str(paul.to_dict())


async def test_nothing_changed_means_no_material(db: Database, world: World) -> None:
    async with db.transaction() as session:
        later = utcnow() + timedelta(hours=1)
        assert await changes_since(session, SYSTEM, world.a.counsellor_id, later, later) == []
        with pytest.raises(AccessDenied):
            await changes_since(session, world.b, world.a.counsellor_id, later, later)


async def test_query_count_does_not_grow_with_beneficiaries(db: Database, world: World) -> None:
    async def count_queries() -> int:
        statements: list[str] = []

        def seen(*args: Any) -> None:
            statements.append(str(args[2]).split()[0].upper())

        event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
        try:
            async with db.transaction() as session:
                await changes_since(
                    session, SYSTEM, world.a.counsellor_id, utcnow() - timedelta(days=1), utcnow()
                )
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
        return len([s for s in statements if s == "SELECT"])

    few = await count_queries()
    for n in range(30):
        async with db.transaction() as session:
            issued = await create_invitation(session, world.a, f"Personne {n}")
        async with db.transaction() as session:
            actor = await accept_invitation(session, issued.token, 90_000 + n, "fr")
            assert isinstance(actor, BeneficiaryActor)
            run = await open_run(session, actor, "riasec_short", 1)
            await submit_run(session, actor, run.id, result={"code": "RIA"})
            await add_entry(session, actor, "note")
    assert await count_queries() == few == 8  # one per kind of change, enquêtes included


def test_next_time_follows_the_local_clock_across_dst() -> None:
    weekly = Preference(Frequency.WEEKLY, 0, time(8, 30))
    # Saturday 25 October 2025, before the change back to winter time on the Sunday.
    after = datetime(2025, 10, 25, 12, 0, tzinfo=UTC)
    assert next_time(weekly, "Europe/Paris", after) == datetime(2025, 10, 27, 7, 30, tzinfo=UTC)
    summer = datetime(2025, 3, 29, 12, 0, tzinfo=UTC)
    assert next_time(weekly, "Europe/Paris", summer) == datetime(2025, 3, 31, 6, 30, tzinfo=UTC)
    daily = Preference(Frequency.DAILY, 0, time(8, 30))
    assert next_time(daily, "Europe/Paris", summer) == datetime(2025, 3, 30, 6, 30, tzinfo=UTC)
    assert next_time(Preference(Frequency.OFF, 0, time(8, 30)), "Europe/Paris", summer) is None


async def test_a_due_digest_is_claimed_once(db: Database, world: World) -> None:
    start = utcnow()
    async with db.transaction() as session:
        assert await ensure_preferences(session, now=start) == 2
        await set_preference(
            session, world.a, Preference(Frequency.DAILY, 0, time(8, 30)), now=start
        )
        await set_preference(session, world.b, Preference(Frequency.OFF, 0, time(8, 30)), now=start)
    later = start + timedelta(days=2)
    async with db.transaction() as session:
        first = await claim_due_digests(session, SYSTEM, now=later)
    async with db.transaction() as session:
        second = await claim_due_digests(session, SYSTEM, now=later)
    assert [d.counsellor_id for d in first] == [world.a.counsellor_id]
    assert first[0].since == start
    assert second == []
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await claim_due_digests(session, world.a)
