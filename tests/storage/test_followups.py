"""Follow-up check-ins: dates in the local zone, re-pings, states, access; both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from storage.actors import AccessDenied, BeneficiaryActor
from storage.cards import set_phase
from storage.db import Database
from storage.followups import (
    INSTRUMENT_KEY,
    INVITE_KIND,
    TALK_KIND,
    TALK_QUESTION,
    UNANSWERED_AFTER,
    CheckinAnswered,
    CheckinState,
    Schedule,
    add_months,
    attach_run,
    checkin_due,
    conclude,
    followup_status,
    followup_statuses,
    on_checkin_submitted,
    reping_times,
)
from storage.models import Beneficiary, Phase
from storage.outbox import OutboxMessage, OutboxStatus
from storage.responses import open_run, save_answer, submit_run
from tests.storage.conftest import World

# 31 August 2026, 17:00 in Paris (summer time, UTC+2).
CONCLUDED = datetime(2026, 8, 31, 15, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- dates --------------------------------------------------------------------------


def test_month_end_is_clamped() -> None:
    assert add_months(date(2026, 8, 31), 3) == date(2026, 11, 30)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 12, 1), 12) == date(2027, 12, 1)


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(1, 24))
def test_add_months_lands_in_the_right_month(day: date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and (result + timedelta(1)).day == 1)


def test_ten_o_clock_local_across_daylight_saving() -> None:
    # Concluded in summer time; 3 and 6 months later Paris is on winter time (UTC+1).
    assert checkin_due(CONCLUDED, 3, "Europe/Paris") == utc(2026, 11, 30, 9, 0)
    assert checkin_due(CONCLUDED, 6, "Europe/Paris") == utc(2027, 2, 28, 9, 0)
    # Concluded in winter, due in summer (UTC+2).
    assert checkin_due(utc(2026, 1, 15, 9), 3, "Europe/Paris") == utc(2026, 4, 15, 8, 0)
    # 00:30 in Paris is still the day before in UTC: the local date counts.
    assert checkin_due(utc(2026, 5, 31, 22, 30), 3, "Europe/Paris") == utc(2026, 9, 1, 8, 0)
    # Another zone, its own daylight-saving dates.
    assert checkin_due(utc(2026, 8, 31, 15), 3, "America/Montreal") == utc(2026, 11, 30, 15, 0)


def test_repings_keep_ten_o_clock_across_the_change() -> None:
    # Invited Thursday 22 October 2026 at 10:00 CEST; clocks go back on the 25th.
    due = utc(2026, 10, 22, 8, 0)
    first, second = reping_times(due, "Europe/Paris")
    assert first == utc(2026, 10, 25, 9, 0)  # Sunday 25, 10:00 CET
    assert second == utc(2026, 10, 29, 9, 0)


# --- scheduling -----------------------------------------------------------------------


async def _to_conclusion(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await set_phase(session, world.a, world.paul.beneficiary_id, Phase.INVESTIGATION)
        await set_phase(session, world.a, world.paul.beneficiary_id, Phase.CONCLUSION)


async def _rows(db: Database) -> dict[str, OutboxMessage]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("followup:"))
        )
        return {row.dedupe_key: row for row in rows}


async def test_concluding_schedules_invites_and_repings(db: Database, world: World) -> None:
    await _to_conclusion(db, world)
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        statuses = await conclude(session, world.a, paul, Schedule((3, 6)), now=CONCLUDED)
        beneficiary = await session.get(Beneficiary, paul)
        assert beneficiary is not None
        assert beneficiary.phase == Phase.SUIVI
        assert beneficiary.concluded_at == CONCLUDED
    assert [(s.months, s.due_at, s.state) for s in statuses] == [
        (3, utc(2026, 11, 30, 9), CheckinState.SCHEDULED),
        (6, utc(2027, 2, 28, 9), CheckinState.SCHEDULED),
    ]
    rows = await _rows(db)
    assert {key: (row.kind, row.due_at) for key, row in rows.items()} == {
        f"followup:{paul}:3": (INVITE_KIND, utc(2026, 11, 30, 9)),
        f"followup:{paul}:3:reping:1": (INVITE_KIND, utc(2026, 12, 3, 9)),
        f"followup:{paul}:3:reping:2": (INVITE_KIND, utc(2026, 12, 7, 9)),
        f"followup:{paul}:6": (INVITE_KIND, utc(2027, 2, 28, 9)),
        f"followup:{paul}:6:reping:1": (INVITE_KIND, utc(2027, 3, 3, 9)),
        f"followup:{paul}:6:reping:2": (INVITE_KIND, utc(2027, 3, 7, 9)),
    }
    invite = rows[f"followup:{paul}:3"]
    assert invite.recipient_kind == "beneficiary" and invite.recipient_id == paul
    assert invite.payload == {"checkin_id": statuses[0].id, "months": 3, "ping": 0}


async def test_twelve_months_and_the_test_delay(db: Database, world: World) -> None:
    await _to_conclusion(db, world)
    async with db.transaction() as session:
        statuses = await conclude(
            session,
            world.a,
            world.paul.beneficiary_id,
            Schedule((3, 6, 12), delay_seconds=2),
            now=CONCLUDED,
        )
    assert [s.due_at - CONCLUDED for s in statuses] == [
        timedelta(seconds=6),
        timedelta(seconds=12),
        timedelta(seconds=24),
    ]


def test_schedule_refuses_nonsense() -> None:
    for months in ((), (0,), (25,), (3, 3)):
        with pytest.raises(ValueError):
            Schedule(months)


async def test_only_the_own_counsellor_concludes_and_only_in_conclusion(
    db: Database, world: World
) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        with pytest.raises(ValueError):  # still in the preliminary phase
            await conclude(session, world.a, paul, Schedule())
    await _to_conclusion(db, world)
    for intruder in (world.b, world.paul, world.lea):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await conclude(session, intruder, paul, Schedule())
    assert await _rows(db) == {}


# --- answering ------------------------------------------------------------------------


async def _concluded(db: Database, world: World) -> list[int]:
    await _to_conclusion(db, world)
    async with db.transaction() as session:
        statuses = await conclude(
            session, world.a, world.paul.beneficiary_id, Schedule((3, 6)), now=CONCLUDED
        )
    return [s.id for s in statuses]


async def _answer(
    db: Database, paul: BeneficiaryActor, checkin_id: int, talk: bool, now: datetime
) -> int:
    async with db.transaction() as session:
        run = await open_run(session, paul, INSTRUMENT_KEY, 1)
        await attach_run(session, paul, checkin_id, run.id, now=now)
        await save_answer(session, paul, run.id, "situation", "new_job", None)
        await save_answer(session, paul, run.id, TALK_QUESTION, talk, None)
    async with db.transaction() as session:
        await submit_run(session, paul, run.id, now=now)
        await on_checkin_submitted(session, paul, run.id, now=now)
    return run.id


async def test_submission_cancels_repings_and_alerts_when_asked(db: Database, world: World) -> None:
    three, six = await _concluded(db, world)
    paul = world.paul.beneficiary_id
    answered = utc(2026, 12, 1, 18)
    run_id = await _answer(db, world.paul, three, talk=True, now=answered)
    rows = await _rows(db)
    assert rows[f"followup:{paul}:3:reping:1"].status == OutboxStatus.CANCELLED
    assert rows[f"followup:{paul}:3:reping:2"].status == OutboxStatus.CANCELLED
    assert rows[f"followup:{paul}:6:reping:1"].status == OutboxStatus.PENDING
    alert = rows[f"followup:{paul}:3:talk"]
    assert alert.kind == TALK_KIND
    assert (alert.recipient_kind, alert.recipient_id) == ("counsellor", world.a.counsellor_id)
    assert alert.due_at == answered and alert.status == OutboxStatus.PENDING
    assert alert.payload == {"checkin_id": three, "run_id": run_id, "months": 3}
    async with db.transaction() as session:
        statuses = await followup_status(session, world.a, paul, now=answered)
    assert [(s.months, s.state, s.answered_at) for s in statuses] == [
        (3, CheckinState.ANSWERED, answered),
        (6, CheckinState.SCHEDULED, None),
    ]
    assert six == statuses[1].id


async def test_no_alert_without_the_wish_to_talk(db: Database, world: World) -> None:
    three, _six = await _concluded(db, world)
    await _answer(db, world.paul, three, talk=False, now=utc(2026, 12, 1, 18))
    rows = await _rows(db)
    assert not any(key.endswith(":talk") for key in rows)
    assert rows[f"followup:{world.paul.beneficiary_id}:3:reping:2"].status == (
        OutboxStatus.CANCELLED
    )


async def test_states_over_time(db: Database, world: World) -> None:
    three, _six = await _concluded(db, world)
    paul = world.paul.beneficiary_id
    due = utc(2026, 11, 30, 9)
    expected = [
        (due - timedelta(seconds=1), CheckinState.SCHEDULED),
        (due, CheckinState.DUE),
        (due + UNANSWERED_AFTER - timedelta(seconds=1), CheckinState.DUE),
        (due + UNANSWERED_AFTER, CheckinState.UNANSWERED),
    ]
    for moment, state in expected:
        async with db.transaction() as session:
            found = await followup_status(session, world.a, paul, now=moment)
        assert found[0].state == state, moment
    # Half answered: still due (or unanswered), but started.
    async with db.transaction() as session:
        run = await open_run(session, world.paul, INSTRUMENT_KEY, 1)
        await attach_run(session, world.paul, three, run.id, now=due)
        await save_answer(session, world.paul, run.id, "situation", "training", None)
        half = await followup_status(session, world.paul, paul, now=due + timedelta(days=1))
    assert half[0].state == CheckinState.DUE and half[0].started
    # Answered late, after it counted as unanswered: answered it is.
    late = due + UNANSWERED_AFTER + timedelta(days=5)
    async with db.transaction() as session:
        await submit_run(session, world.paul, run.id, now=late)
        await on_checkin_submitted(session, world.paul, run.id, now=late)
        final = await followup_status(session, world.a, paul, now=late)
    assert final[0].state == CheckinState.ANSWERED and not final[0].started


async def test_status_is_for_the_own_counsellor_and_the_person(db: Database, world: World) -> None:
    await _concluded(db, world)
    paul = world.paul.beneficiary_id
    for intruder in (world.b, world.lea):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await followup_status(session, intruder, paul)
    async with db.transaction() as session:
        assert await followup_statuses(session, world.b) == {}
        mine = await followup_statuses(session, world.a)
        with pytest.raises(AccessDenied):
            await followup_statuses(session, world.paul)
    assert [s.months for s in mine[paul]] == [3, 6]


async def test_forged_checkins_and_runs_are_refused(db: Database, world: World) -> None:
    three, six = await _concluded(db, world)
    due_three = utc(2026, 11, 30, 9)
    async with db.transaction() as session:
        own_run = await open_run(session, world.paul, INSTRUMENT_KEY, 1)
        other_run = await open_run(session, world.lea, INSTRUMENT_KEY, 1)
        dossier = await open_run(session, world.paul, "dossier_auto_bilan", 1)
    attempts = [
        (world.lea, three, other_run.id, due_three),  # someone else's check-in
        (world.paul, six, own_run.id, due_three),  # not due yet
        (world.paul, three, other_run.id, due_three),  # someone else's run
        (world.paul, three, dossier.id, due_three),  # not a follow-up run
        (world.paul, 999_999, own_run.id, due_three),
    ]
    for actor, checkin, run, now in attempts:
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await attach_run(session, actor, checkin, run, now=now)
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await attach_run(session, world.a, three, own_run.id, now=due_three)
        with pytest.raises(AccessDenied):
            await on_checkin_submitted(session, world.a, own_run.id)


async def test_an_answered_checkin_keeps_its_answers(db: Database, world: World) -> None:
    three, _six = await _concluded(db, world)
    await _answer(db, world.paul, three, talk=False, now=utc(2026, 12, 1, 18))
    async with db.transaction() as session:
        fresh = await open_run(session, world.paul, INSTRUMENT_KEY, 1)
        with pytest.raises(CheckinAnswered):
            await attach_run(session, world.paul, three, fresh.id, now=utc(2026, 12, 2))
        statuses = await followup_status(session, world.a, world.paul.beneficiary_id)
    assert statuses[0].state == CheckinState.ANSWERED


async def test_an_open_run_follows_the_newest_checkin(db: Database, world: World) -> None:
    three, six = await _concluded(db, world)
    paul = world.paul.beneficiary_id
    six_due = utc(2027, 2, 28, 9)
    async with db.transaction() as session:
        run = await open_run(session, world.paul, INSTRUMENT_KEY, 1)
        await attach_run(session, world.paul, three, run.id, now=utc(2026, 12, 1))
        await attach_run(session, world.paul, six, run.id, now=six_due)
        statuses = await followup_status(session, world.paul, paul, now=six_due)
    assert [(s.months, s.run_id) for s in statuses] == [(3, None), (6, run.id)]


async def test_a_run_opened_elsewhere_answers_the_latest_due(db: Database, world: World) -> None:
    await _concluded(db, world)
    paul = world.paul.beneficiary_id
    now = utc(2026, 12, 2)
    async with db.transaction() as session:
        run = await open_run(session, world.paul, INSTRUMENT_KEY, 1)
        await submit_run(session, world.paul, run.id, now=now)
        status = await on_checkin_submitted(session, world.paul, run.id, now=now)
    assert status is not None and status.months == 3 and status.state == CheckinState.ANSWERED
    rows = await _rows(db)
    assert rows[f"followup:{paul}:3:reping:1"].status == OutboxStatus.CANCELLED


async def test_concluding_again_moves_only_what_is_not_due(db: Database, world: World) -> None:
    three, six = await _concluded(db, world)
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        await set_phase(session, world.a, paul, Phase.CONCLUSION)
    second = utc(2026, 12, 15, 15)  # after the 3-month check-in was due
    async with db.transaction() as session:
        statuses = await conclude(session, world.a, paul, Schedule((3, 6)), now=second)
    assert [(s.id, s.due_at) for s in statuses] == [
        (three, utc(2026, 11, 30, 9)),
        (six, utc(2027, 6, 15, 8)),
    ]
    rows = await _rows(db)
    assert rows[f"followup:{paul}:6"].due_at == utc(2027, 6, 15, 8)
    assert rows[f"followup:{paul}:3"].due_at == utc(2026, 11, 30, 9)
