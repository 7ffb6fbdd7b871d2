"""Sessions on both back ends: who may do what, and the outbox rows that move with a session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from storage import outbox
from storage.actors import AccessDenied
from storage.db import Database
from storage.models import Beneficiary
from storage.outbox import OutboxMessage, OutboxStatus
from storage.sessions import (
    MOVE_REQUEST,
    SESSION_NOTICE,
    SESSION_REMINDER,
    SESSION_REMINDER_SOON,
    CounsellingSession,
    SessionMode,
    SessionRefused,
    SessionStatus,
    add_move_reason,
    budget_use,
    cancel_session,
    confirm_attendance,
    current_dialogue,
    end_dialogue,
    mark_done,
    offset_label,
    overlapping,
    parse_offsets,
    recent_place,
    reminder_due,
    request_move,
    reschedule_session,
    save_dialogue,
    schedule_session,
    session_for,
    sessions_of,
    sessions_to_close,
    upcoming_sessions,
)
from tests.storage.conftest import ADMIN, World

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris
TUESDAY_2PM = datetime(2025, 3, 11, 13, 0, tzinfo=UTC)  # 14:00 in Paris


async def _schedule(
    db: Database,
    world: World,
    starts_at: datetime = TUESDAY_2PM,
    minutes: int = 90,
    now: datetime = NOW,
) -> int:
    async with db.transaction() as session:
        info = await schedule_session(
            session,
            world.a,
            world.paul.beneficiary_id,
            starts_at,
            minutes,
            SessionMode.IN_PERSON,
            "12 rue de la Paix, Paris",
            now=now,
        )
    return info.id


async def _rows(db: Database, prefix: str = "session:") -> dict[str, OutboxMessage]:
    async with db.transaction() as session:
        found = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(prefix))
        )
        return {row.dedupe_key: row for row in found}


def _open(rows: dict[str, OutboxMessage]) -> dict[str, OutboxMessage]:
    return {k: r for k, r in rows.items() if r.status == OutboxStatus.PENDING}


# --- scheduling and its outbox rows -----------------------------------------------------


async def test_scheduling_writes_the_notice_and_both_reminders(db: Database, world: World) -> None:
    sid = await _schedule(db, world)
    rows = await _rows(db)
    assert set(rows) == {
        f"session:{sid}:notice:0",
        f"session:{sid}:remind:0:24h",
        f"session:{sid}:remind:0:2h",
    }
    notice = rows[f"session:{sid}:notice:0"]
    assert notice.kind == SESSION_NOTICE and notice.due_at == NOW
    assert notice.payload == {"session_id": sid, "sequence": 0, "event": "scheduled"}
    day_before = rows[f"session:{sid}:remind:0:24h"]
    assert day_before.kind == SESSION_REMINDER
    assert day_before.due_at == TUESDAY_2PM - timedelta(hours=24)
    soon = rows[f"session:{sid}:remind:0:2h"]
    assert soon.kind == SESSION_REMINDER_SOON  # urgent: quiet hours do not hold it
    assert soon.due_at == TUESDAY_2PM - timedelta(hours=2)
    assert all(r.recipient_id == world.paul.beneficiary_id for r in rows.values())


async def test_moving_moves_the_reminders_and_raises_the_sequence(
    db: Database, world: World
) -> None:
    sid = await _schedule(db, world)
    later = TUESDAY_2PM + timedelta(days=2)
    async with db.transaction() as session:
        moved = await reschedule_session(session, world.a, sid, later, now=NOW)
    assert moved.sequence == 1 and moved.starts_at == later
    rows = await _rows(db)
    assert rows[f"session:{sid}:remind:0:24h"].status == OutboxStatus.CANCELLED
    assert rows[f"session:{sid}:remind:0:2h"].status == OutboxStatus.CANCELLED
    assert set(_open(rows)) == {
        f"session:{sid}:notice:1",
        f"session:{sid}:remind:1:24h",
        f"session:{sid}:remind:1:2h",
    }
    assert rows[f"session:{sid}:remind:1:24h"].due_at == later - timedelta(hours=24)
    # The first notice was never sent: the beneficiary hears of the session once, as new.
    assert rows[f"session:{sid}:notice:0"].status == OutboxStatus.CANCELLED
    assert rows[f"session:{sid}:notice:1"].payload["event"] == "scheduled"


async def test_a_move_after_the_notice_went_out_is_announced_as_a_move(
    db: Database, world: World
) -> None:
    sid = await _schedule(db, world)
    async with db.transaction() as session:
        claimed = await outbox.claim(session, limit=10, lease=timedelta(minutes=1), now=NOW)
        for row in claimed:
            await outbox.mark_sent(session, row, now=NOW)
    async with db.transaction() as session:
        await reschedule_session(session, world.a, sid, TUESDAY_2PM + timedelta(hours=1), now=NOW)
    rows = await _rows(db)
    assert rows[f"session:{sid}:notice:0"].status == OutboxStatus.SENT
    assert rows[f"session:{sid}:notice:1"].payload["event"] == "moved"


async def test_a_reminder_already_sent_does_not_block_the_one_for_the_new_time(
    db: Database, world: World
) -> None:
    sid = await _schedule(db, world)
    day_before = TUESDAY_2PM - timedelta(hours=24)
    async with db.transaction() as session:
        claimed = await outbox.claim(session, limit=10, lease=timedelta(minutes=1), now=day_before)
        for row in claimed:
            await outbox.mark_sent(session, row, now=day_before)
    async with db.transaction() as session:
        await reschedule_session(
            session, world.a, sid, TUESDAY_2PM + timedelta(days=7), now=day_before
        )
    rows = await _rows(db)
    assert rows[f"session:{sid}:remind:0:24h"].status == OutboxStatus.SENT
    assert rows[f"session:{sid}:remind:1:24h"].status == OutboxStatus.PENDING


async def test_cancelling_cancels_reminders_and_tells_the_beneficiary(
    db: Database, world: World
) -> None:
    sid = await _schedule(db, world)
    async with db.transaction() as session:
        for row in await outbox.claim(session, limit=1, lease=timedelta(minutes=1), now=NOW):
            await outbox.mark_sent(session, row, now=NOW)
    async with db.transaction() as session:
        cancelled = await cancel_session(session, world.a, sid, "Je suis malade", now=NOW)
    assert cancelled.status == SessionStatus.CANCELLED and cancelled.sequence == 1
    assert cancelled.cancel_reason == "Je suis malade"
    open_rows = _open(await _rows(db))
    assert set(open_rows) == {f"session:{sid}:notice:1"}
    assert open_rows[f"session:{sid}:notice:1"].payload["event"] == "cancelled"


async def test_cancelling_a_session_never_announced_sends_nothing(
    db: Database, world: World
) -> None:
    sid = await _schedule(db, world)
    async with db.transaction() as session:
        await cancel_session(session, world.a, sid, now=NOW)
    assert _open(await _rows(db)) == {}


async def test_the_session_and_its_rows_share_one_transaction(db: Database, world: World) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await schedule_session(
                session,
                world.a,
                world.paul.beneficiary_id,
                TUESDAY_2PM,
                60,
                SessionMode.PHONE,
                None,
                now=NOW,
            )
            raise RuntimeError("the handler failed after scheduling")
    assert await _rows(db) == {}
    async with db.transaction() as session:
        assert list(await session.scalars(select(CounsellingSession))) == []
    sid = await _schedule(db, world)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await reschedule_session(
                session, world.a, sid, TUESDAY_2PM + timedelta(days=1), now=NOW
            )
            raise RuntimeError("failed after moving")
    rows = await _rows(db)
    assert set(_open(rows)) == {
        f"session:{sid}:notice:0",
        f"session:{sid}:remind:0:24h",
        f"session:{sid}:remind:0:2h",
    }
    async with db.transaction() as session:
        assert (await session_for(session, world.a, sid)).starts_at == TUESDAY_2PM


async def test_a_close_session_gets_only_its_nearest_reminder_at_once(
    db: Database, world: World
) -> None:
    in_an_hour = NOW + timedelta(hours=1)
    sid = await _schedule(db, world, starts_at=in_an_hour, minutes=60)
    reminders = {k: r for k, r in (await _rows(db)).items() if ":remind:" in k}
    assert set(reminders) == {f"session:{sid}:remind:0:2h"}
    assert reminders[f"session:{sid}:remind:0:2h"].due_at == NOW
    in_five_hours = NOW + timedelta(hours=5)
    other = await _schedule(db, world, starts_at=in_five_hours, minutes=60)
    reminders = {k: r for k, r in (await _rows(db, f"session:{other}:")).items() if "remind" in k}
    assert set(reminders) == {f"session:{other}:remind:0:2h"}
    assert reminders[f"session:{other}:remind:0:2h"].due_at == in_five_hours - timedelta(hours=2)


# --- time: reminders on the wall clock across daylight-saving changes -------------------


@pytest.mark.parametrize(
    ("session_utc", "reminder_utc"),
    [
        # Monday 31 March 2025, 10:00 CEST, the day after the spring change.
        (datetime(2025, 3, 31, 8, 0, tzinfo=UTC), datetime(2025, 3, 30, 8, 0, tzinfo=UTC)),
        # Sunday 30 March 2025 10:00 CEST: 10:00 CET on Saturday, 23 real hours before.
        (datetime(2025, 3, 30, 8, 0, tzinfo=UTC), datetime(2025, 3, 29, 9, 0, tzinfo=UTC)),
        # Monday 27 October 2025, 10:00 CET, the day after the autumn change.
        (datetime(2025, 10, 27, 9, 0, tzinfo=UTC), datetime(2025, 10, 26, 9, 0, tzinfo=UTC)),
        # Sunday 26 October 2025 10:00 CET: 10:00 CEST on Saturday, 25 real hours before.
        (datetime(2025, 10, 26, 9, 0, tzinfo=UTC), datetime(2025, 10, 25, 8, 0, tzinfo=UTC)),
    ],
)
async def test_the_day_before_reminder_is_at_the_same_local_hour_across_dst(
    db: Database, world: World, session_utc: datetime, reminder_utc: datetime
) -> None:
    now = session_utc - timedelta(days=5)
    sid = await _schedule(db, world, starts_at=session_utc, minutes=60, now=now)
    key = f"session:{sid}:remind:0:24h"
    assert (await _rows(db))[key].due_at == reminder_utc
    # With the clock one minute short of it, the dispatcher's claim does not take it;
    # at the minute, it does.
    async with db.transaction() as session:
        early = await outbox.claim(
            session, limit=10, lease=timedelta(minutes=1), now=reminder_utc - timedelta(minutes=1)
        )
    assert key not in {row.dedupe_key for row in early}
    async with db.transaction() as session:
        on_time = await outbox.claim(
            session, limit=10, lease=timedelta(minutes=1), now=reminder_utc
        )
    assert key in {row.dedupe_key for row in on_time}


def test_reminder_offsets_parse_and_label() -> None:
    assert parse_offsets("24h,2h") == (timedelta(hours=24), timedelta(hours=2))
    assert parse_offsets(" 2h , 1d, 90m ") == (
        timedelta(days=1),
        timedelta(hours=2),
        timedelta(minutes=90),
    )
    assert parse_offsets("1h30m") == (timedelta(minutes=90),)
    for bad in ("", "24", "2x", "h", "0h", "24h;2h"):
        with pytest.raises(ValueError):
            parse_offsets(bad)
    assert [offset_label(o) for o in parse_offsets("1d,2h,90m,45s")] == ["24h", "2h", "90m", "45s"]


def test_hours_below_a_day_are_absolute_time() -> None:
    # 03:30 CEST on the spring-change Sunday: two real hours before is 00:30 CET.
    start = datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert reminder_due(start, timedelta(hours=2), "Europe/Paris") == start - timedelta(hours=2)
    assert reminder_due(start, timedelta(days=1), "America/New_York") == datetime(
        2025, 3, 29, 1, 30, tzinfo=UTC
    )


# --- who may do what ---------------------------------------------------------------------


async def test_only_the_own_counsellor_schedules_and_only_for_consenting_people(
    db: Database, world: World
) -> None:
    async def attempt(actor: object, beneficiary_id: int) -> None:
        async with db.transaction() as session:
            await schedule_session(
                session,
                actor,  # type: ignore[arg-type]
                beneficiary_id,
                TUESDAY_2PM,
                60,
                SessionMode.PHONE,
                None,
                now=NOW,
            )

    for actor, target in [
        (world.b, world.paul.beneficiary_id),
        (world.paul, world.paul.beneficiary_id),
        (world.lea, world.paul.beneficiary_id),
        (ADMIN, world.paul.beneficiary_id),
        (world.a, world.lea.beneficiary_id),
        (world.a, 999_999),
        (world.a, -1),
    ]:
        with pytest.raises(AccessDenied):
            await attempt(actor, target)
    with pytest.raises(SessionRefused) as refused:
        await attempt(world.a, world.pending_id)
    assert refused.value.reason == "not_active"
    assert await _rows(db) == {}


async def test_others_cannot_see_or_change_a_session(db: Database, world: World) -> None:
    sid = await _schedule(db, world)
    for actor in (world.b, world.lea):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await session_for(session, actor, sid)
    for forged in (sid + 1000, 0, -5):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await session_for(session, world.a, forged)
    changes = [
        lambda s: reschedule_session(s, world.b, sid, TUESDAY_2PM + timedelta(days=1), now=NOW),
        lambda s: cancel_session(s, world.b, sid, now=NOW),
        lambda s: cancel_session(s, world.paul, sid, now=NOW),
        lambda s: mark_done(s, world.b, sid, 60, now=TUESDAY_2PM + timedelta(hours=2)),
        lambda s: confirm_attendance(s, world.lea, sid, now=NOW),
        lambda s: confirm_attendance(s, world.a, sid, now=NOW),
        lambda s: request_move(s, world.lea, sid, now=NOW),
        lambda s: request_move(s, world.b, sid, now=NOW),
    ]
    for change in changes:
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await change(session)
    async with db.transaction() as session:
        own = await session_for(session, world.paul, sid)
        assert own.place == "12 rue de la Paix, Paris"
        assert own.counsellor_name == "Claire Martin"
        assert (await session_for(session, world.a, sid)).beneficiary_name == "Paul Durand"
        assert await upcoming_sessions(session, world.b, now=NOW) == []
        assert await upcoming_sessions(session, world.lea, now=NOW) == []
        with pytest.raises(AccessDenied):
            await sessions_of(session, world.b, world.paul.beneficiary_id)
        with pytest.raises(AccessDenied):
            await budget_use(session, world.lea, world.paul.beneficiary_id)
        with pytest.raises(AccessDenied):
            await recent_place(session, world.b, world.paul.beneficiary_id, SessionMode.IN_PERSON)


async def test_times_in_the_past_or_too_far_are_refused(db: Database, world: World) -> None:
    for when, reason in [
        (NOW - timedelta(minutes=1), "past"),
        (NOW, "past"),
        (NOW + timedelta(days=500), "too_far"),
    ]:
        async with db.transaction() as session:
            with pytest.raises(SessionRefused) as refused:
                await schedule_session(
                    session,
                    world.a,
                    world.paul.beneficiary_id,
                    when,
                    60,
                    SessionMode.PHONE,
                    None,
                    now=NOW,
                )
        assert refused.value.reason == reason
    async with db.transaction() as session:
        with pytest.raises(SessionRefused) as refused:
            await schedule_session(
                session,
                world.a,
                world.paul.beneficiary_id,
                TUESDAY_2PM,
                60,
                SessionMode.VIDEO,
                "  ",
                now=NOW,
            )
    assert refused.value.reason == "place"


# --- the beneficiary's side ----------------------------------------------------------------


async def test_confirming_shows_to_the_counsellor_and_old_buttons_are_recognised(
    db: Database, world: World
) -> None:
    sid = await _schedule(db, world)
    async with db.transaction() as session:
        await confirm_attendance(session, world.paul, sid, 0, now=NOW)
    async with db.transaction() as session:
        [listed] = await upcoming_sessions(session, world.a, now=NOW)
    assert listed.confirmed_at == NOW and listed.beneficiary_name == "Paul Durand"
    async with db.transaction() as session:
        await reschedule_session(session, world.a, sid, TUESDAY_2PM + timedelta(days=1), now=NOW)
    async with db.transaction() as session:
        assert (await session_for(session, world.a, sid)).confirmed_at is None
        with pytest.raises(SessionRefused) as refused:
            await confirm_attendance(session, world.paul, sid, 0, now=NOW)
    assert refused.value.reason == "changed"


async def test_asking_to_move_alerts_the_counsellor_once_then_with_the_reason(
    db: Database, world: World
) -> None:
    sid = await _schedule(db, world)
    for _ in range(2):
        async with db.transaction() as session:
            info = await request_move(session, world.paul, sid, 0, now=NOW)
    assert info.move_requested_at == NOW
    async with db.transaction() as session:
        await add_move_reason(session, world.paul, sid, "Un entretien d'embauche", now=NOW)
    alerts = await _rows(db, f"session:{sid}:move:")
    assert set(alerts) == {f"session:{sid}:move:0", f"session:{sid}:move:0:reason"}
    for alert in alerts.values():
        assert alert.kind == MOVE_REQUEST
        assert alert.recipient_kind == "counsellor" and alert.recipient_id == world.a.counsellor_id
        assert alert.beneficiary_id == world.paul.beneficiary_id
        assert alert.due_at == NOW
    async with db.transaction() as session:
        seen = await session_for(session, world.a, sid)
    assert seen.move_reason == "Un entretien d'embauche"
    async with db.transaction() as session:
        await reschedule_session(session, world.a, sid, TUESDAY_2PM + timedelta(days=2), now=NOW)
        moved = await session_for(session, world.a, sid)
    assert moved.move_requested_at is None and moved.move_reason is None


async def test_a_past_or_cancelled_session_takes_no_confirmation(
    db: Database, world: World
) -> None:
    sid = await _schedule(db, world)
    after = TUESDAY_2PM + timedelta(minutes=1)
    async with db.transaction() as session:
        with pytest.raises(SessionRefused):
            await confirm_attendance(session, world.paul, sid, now=after)
    async with db.transaction() as session:
        await cancel_session(session, world.a, sid, now=NOW)
    async with db.transaction() as session:
        with pytest.raises(SessionRefused):
            await request_move(session, world.paul, sid, now=NOW)


# --- closing and the budget ----------------------------------------------------------------


async def test_marking_done_counts_the_real_duration_in_the_budget(
    db: Database, world: World
) -> None:
    first = await _schedule(db, world, minutes=120)
    await _schedule(db, world, starts_at=TUESDAY_2PM + timedelta(days=7), minutes=90)
    cancelled = await _schedule(db, world, starts_at=TUESDAY_2PM + timedelta(days=14), minutes=60)
    async with db.transaction() as session:
        await cancel_session(session, world.a, cancelled, now=NOW)
    async with db.transaction() as session:
        with pytest.raises(SessionRefused) as refused:
            await mark_done(session, world.a, first, 150, now=NOW)
    assert refused.value.reason == "not_started"
    ended = TUESDAY_2PM + timedelta(hours=3)
    async with db.transaction() as session:
        assert [s.id for s in await sessions_to_close(session, world.a, now=ended)] == [first]
        done = await mark_done(session, world.a, first, 150, now=ended)
    assert done.status == SessionStatus.DONE and done.actual_minutes == 150
    async with db.transaction() as session:
        for actor in (world.a, world.paul):
            use = await budget_use(session, actor, world.paul.beneficiary_id)
            assert (use.done_minutes, use.planned_minutes) == (150, 90)
        assert use.over(3.5) and not use.over(4) and use.over(4, adding_minutes=1)
        assert await sessions_to_close(session, world.a, now=ended) == []
        with pytest.raises(SessionRefused):
            await mark_done(session, world.a, first, 150, now=ended)


async def test_upcoming_lists_and_overlaps(db: Database, world: World) -> None:
    later = await _schedule(db, world, starts_at=TUESDAY_2PM + timedelta(days=1))
    sooner = await _schedule(db, world)
    async with db.transaction() as session:
        own = await upcoming_sessions(session, world.paul, now=NOW)
        theirs = await upcoming_sessions(session, world.a, now=NOW)
        one = await upcoming_sessions(
            session, world.a, beneficiary_id=world.paul.beneficiary_id, now=NOW
        )
        during = await upcoming_sessions(session, world.paul, now=TUESDAY_2PM + timedelta(hours=1))
        clash = await overlapping(session, world.a, TUESDAY_2PM + timedelta(minutes=60), 60)
        clear = await overlapping(session, world.a, TUESDAY_2PM + timedelta(minutes=90), 60)
        self_clash = await overlapping(session, world.a, TUESDAY_2PM, 90, excluding=sooner)
        other = await overlapping(session, world.b, TUESDAY_2PM, 60)
    assert [s.id for s in own] == [s.id for s in theirs] == [s.id for s in one] == [sooner, later]
    assert [s.id for s in during] == [sooner, later]  # under way: still listed
    assert (clash, clear, self_clash, other) == (1, 0, 0, 0)
    async with db.transaction() as session:
        place = await recent_place(
            session, world.a, world.paul.beneficiary_id, SessionMode.IN_PERSON
        )
        none = await recent_place(session, world.a, world.paul.beneficiary_id, SessionMode.VIDEO)
    assert (place, none) == ("12 rue de la Paix, Paris", None)


async def test_erasing_the_beneficiary_erases_their_sessions_and_messages(
    db: Database, world: World
) -> None:
    await _schedule(db, world)
    async with db.transaction() as session:
        await session.execute(
            delete(Beneficiary).where(Beneficiary.id == world.paul.beneficiary_id)
        )
    async with db.transaction() as session:
        assert list(await session.scalars(select(CounsellingSession))) == []
    assert await _rows(db) == {}


async def test_place_and_reasons_are_encrypted_at_rest(db: Database, world: World) -> None:
    sid = await _schedule(db, world)
    async with db.transaction() as session:
        await cancel_session(session, world.a, sid, "Je suis malade", now=NOW)
    async with db.engine.connect() as connection:
        raw = (
            await connection.exec_driver_sql(
                "SELECT place, cancel_reason FROM counselling_sessions"
            )
        ).one()
    assert "rue de la Paix" not in str(raw[0]) and "malade" not in str(raw[1])


# --- dialogue state ------------------------------------------------------------------------


async def test_dialogue_state_is_per_person_and_expires(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await save_dialogue(session, world.a, "session", "day", {"beneficiary_id": 3}, now=NOW)
        await save_dialogue(session, world.paul, "journal", "text", now=NOW)
    async with db.transaction() as session:
        draft = await current_dialogue(session, world.a, now=NOW)
        assert draft is not None and draft.step == "day" and draft.data == {"beneficiary_id": 3}
        assert await current_dialogue(session, world.b, now=NOW) is None
        assert await current_dialogue(session, world.a, flows=["task"], now=NOW) is None
        fresh = NOW + timedelta(minutes=10)
        stale = NOW + timedelta(hours=2)
        assert await current_dialogue(session, world.paul, max_age=timedelta(hours=1), now=fresh)
        assert not await current_dialogue(
            session, world.paul, max_age=timedelta(hours=1), now=stale
        )
        await save_dialogue(session, world.a, "task", "title", now=NOW)
    async with db.transaction() as session:
        replaced = await current_dialogue(session, world.a, now=NOW)
        assert replaced is not None and (replaced.flow, replaced.data) == ("task", {})
        assert not await end_dialogue(session, world.a, flows=["session"])
        assert await end_dialogue(session, world.a)
        assert await current_dialogue(session, world.a, now=NOW) is None
        assert await current_dialogue(session, world.paul, now=NOW) is not None
