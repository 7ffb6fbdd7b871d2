"""Tasks between sessions on both back ends: access, reminders, snoozes, overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from storage.actors import AccessDenied
from storage.db import Database
from storage.models import AuditEvent
from storage.outbox import OutboxMessage, OutboxStatus
from storage.tasks import (
    TASK_ASSIGNED,
    TASK_REMINDER,
    TaskRefused,
    TaskStatus,
    add_done_note,
    assign_task,
    complete_task,
    first_reminder,
    overdue_for_counsellor,
    own_tasks,
    snooze_task,
    task_for,
    tasks_for_counsellor,
    withdraw_task,
)
from tests.storage.conftest import ADMIN, World

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris
FRIDAY = date(2025, 3, 14)
TITLE = "Enquête métier : rencontrer deux professionnels"


async def _assign(db: Database, world: World, due_on: date = FRIDAY, now: datetime = NOW) -> int:
    async with db.transaction() as session:
        task = await assign_task(
            session,
            world.a,
            world.paul.beneficiary_id,
            TITLE,
            "Préparez trois questions.",
            due_on,
            now=now,
        )
    return task.id


async def _rows(db: Database, task_id: int) -> dict[str, OutboxMessage]:
    async with db.transaction() as session:
        found = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(f"task:{task_id}:"))
        )
        return {row.dedupe_key: row for row in found}


async def test_assigning_tells_the_beneficiary_and_reminds_the_evening_before(
    db: Database, world: World
) -> None:
    tid = await _assign(db, world)
    rows = await _rows(db, tid)
    assert set(rows) == {f"task:{tid}:assigned", f"task:{tid}:remind:1"}
    assert rows[f"task:{tid}:assigned"].kind == TASK_ASSIGNED
    assert rows[f"task:{tid}:assigned"].due_at == NOW
    reminder = rows[f"task:{tid}:remind:1"]
    assert reminder.kind == TASK_REMINDER
    # Thursday 13 March, 18:00 in Paris (UTC+1).
    assert reminder.due_at == datetime(2025, 3, 13, 17, 0, tzinfo=UTC)
    assert reminder.payload == {"task_id": tid, "number": 1}


def test_the_evening_before_follows_the_local_clock_across_dst() -> None:
    # Due Monday 31 March 2025: Sunday 30 is already summer time (UTC+2).
    assert first_reminder(date(2025, 3, 31), "Europe/Paris") == datetime(
        2025, 3, 30, 16, 0, tzinfo=UTC
    )
    assert first_reminder(date(2025, 10, 27), "Europe/Paris") == datetime(
        2025, 10, 26, 17, 0, tzinfo=UTC
    )
    assert first_reminder(date(2025, 3, 31), "America/New_York", hour=9) == datetime(
        2025, 3, 30, 13, 0, tzinfo=UTC
    )


async def test_a_task_due_tomorrow_evening_passed_gets_no_late_reminder(
    db: Database, world: World
) -> None:
    evening = datetime(2025, 3, 13, 19, 0, tzinfo=UTC)  # Thursday 20:00 in Paris
    tid = await _assign(db, world, due_on=FRIDAY, now=evening)
    assert set(await _rows(db, tid)) == {f"task:{tid}:assigned"}


async def test_done_cancels_the_reminder_and_the_note_reaches_the_counsellor_audited(
    db: Database, world: World
) -> None:
    tid = await _assign(db, world)
    async with db.transaction() as session:
        done = await complete_task(session, world.paul, tid, now=NOW)
        assert done.status == TaskStatus.DONE and done.done_at == NOW
        await add_done_note(session, world.paul, tid, "J'ai vu une infirmière et un cadre.")
    rows = await _rows(db, tid)
    assert rows[f"task:{tid}:remind:1"].status == OutboxStatus.CANCELLED
    async with db.transaction() as session:
        [seen] = await tasks_for_counsellor(session, world.a)
        assert seen.done_note == "J'ai vu une infirmière et un cadre."
        events = list(await session.scalars(select(AuditEvent)))
    assert [(e.action, e.beneficiary_id) for e in events] == [
        ("tasks.read_note", world.paul.beneficiary_id)
    ]
    async with db.transaction() as session:
        with pytest.raises(TaskRefused):
            await complete_task(session, world.paul, tid, now=NOW)


async def test_snoozing_moves_the_reminder_to_the_chosen_evening(
    db: Database, world: World
) -> None:
    tid = await _assign(db, world)
    reminded = datetime(2025, 3, 13, 17, 0, tzinfo=UTC)
    async with db.transaction() as session:
        once = await snooze_task(session, world.paul, tid, 1, now=reminded)
    assert once.remind_at == datetime(2025, 3, 14, 17, 0, tzinfo=UTC)
    async with db.transaction() as session:
        twice = await snooze_task(session, world.paul, tid, 3, now=reminded)
    assert twice.remind_at == datetime(2025, 3, 16, 17, 0, tzinfo=UTC)
    rows = await _rows(db, tid)
    statuses = {k: r.status for k, r in rows.items() if ":remind:" in k}
    assert statuses == {
        f"task:{tid}:remind:1": OutboxStatus.CANCELLED,
        f"task:{tid}:remind:2": OutboxStatus.CANCELLED,
        f"task:{tid}:remind:3": OutboxStatus.PENDING,
    }
    async with db.transaction() as session:
        with pytest.raises(TaskRefused):
            await snooze_task(session, world.paul, tid, 7, now=reminded)


async def test_others_cannot_reach_a_task(db: Database, world: World) -> None:
    tid = await _assign(db, world)
    for actor in (world.b, world.lea):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await task_for(session, actor, tid)
    for forged in (tid + 100, 0, -1):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await task_for(session, world.paul, forged)
    attempts = [
        lambda s: complete_task(s, world.lea, tid, now=NOW),
        lambda s: complete_task(s, world.a, tid, now=NOW),
        lambda s: snooze_task(s, world.lea, tid, 1, now=NOW),
        lambda s: withdraw_task(s, world.b, tid, now=NOW),
        lambda s: withdraw_task(s, world.paul, tid, now=NOW),
        lambda s: assign_task(s, world.b, world.paul.beneficiary_id, "x", None, FRIDAY, now=NOW),
        lambda s: assign_task(s, world.paul, world.paul.beneficiary_id, "x", None, FRIDAY),
        lambda s: assign_task(s, ADMIN, world.paul.beneficiary_id, "x", None, FRIDAY, now=NOW),
        lambda s: own_tasks(s, world.a),
        lambda s: tasks_for_counsellor(s, world.paul),
        lambda s: tasks_for_counsellor(s, world.b, beneficiary_id=world.paul.beneficiary_id),
        lambda s: overdue_for_counsellor(s, world.paul, now=NOW),
    ]
    for attempt in attempts:
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await attempt(session)
    async with db.transaction() as session:
        assert await own_tasks(session, world.lea) == []
        assert await tasks_for_counsellor(session, world.b) == []
        [mine] = await own_tasks(session, world.paul)
    assert mine.title == TITLE and mine.details == "Préparez trois questions."


async def test_bad_input_is_refused(db: Database, world: World) -> None:
    cases = [
        ("  ", FRIDAY, "title"),
        ("x" * 201, FRIDAY, "title"),
        (TITLE, date(2025, 3, 9), "past"),
        (TITLE, date(2026, 6, 1), "too_far"),
    ]
    for title, due, reason in cases:
        async with db.transaction() as session:
            with pytest.raises(TaskRefused) as refused:
                await assign_task(
                    session, world.a, world.paul.beneficiary_id, title, None, due, now=NOW
                )
        assert refused.value.reason == reason
    async with db.transaction() as session:
        with pytest.raises(TaskRefused) as refused:
            await assign_task(session, world.a, world.pending_id, TITLE, None, FRIDAY, now=NOW)
    assert refused.value.reason == "not_active"


async def test_overdue_is_judged_on_the_beneficiarys_calendar(db: Database, world: World) -> None:
    tid = await _assign(db, world, due_on=date(2025, 3, 11))
    done_one = await _assign(db, world, due_on=date(2025, 3, 11))
    async with db.transaction() as session:
        await complete_task(session, world.paul, done_one, now=NOW)
    # Tuesday 23:30 in Paris is still the due day: not overdue.
    tuesday_night = datetime(2025, 3, 11, 22, 30, tzinfo=UTC)
    # Wednesday 00:30 in Paris (23:30 UTC on Tuesday): overdue.
    wednesday = datetime(2025, 3, 11, 23, 30, tzinfo=UTC)
    async with db.transaction() as session:
        assert await overdue_for_counsellor(session, world.a, now=tuesday_night) == []
        [late] = await overdue_for_counsellor(session, world.a, now=wednesday)
        assert await overdue_for_counsellor(session, world.b, now=wednesday) == []
    assert late.id == tid and late.beneficiary_name == "Paul Durand"


async def test_withdrawing_takes_back_the_notice_and_reminder(db: Database, world: World) -> None:
    tid = await _assign(db, world)
    async with db.transaction() as session:
        gone = await withdraw_task(session, world.a, tid, now=NOW)
    assert gone.status == TaskStatus.WITHDRAWN
    rows = await _rows(db, tid)
    assert {r.status for r in rows.values()} == {OutboxStatus.CANCELLED}
    async with db.transaction() as session:
        assert await own_tasks(session, world.paul, include_done=True) == []
