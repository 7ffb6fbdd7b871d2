"""The current job, ticked skills and the job-title wait: the beneficiary's own, both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.actors import AccessDenied, SystemActor
from storage.db import Database
from storage.models import AuditEvent, utcnow
from storage.skills import (
    JOB_TITLE_WAIT,
    MAX_TICKED,
    awaiting_job_title,
    begin_skill_edit,
    choose_job,
    current_job,
    save_skills,
    start_job_title_wait,
    stop_job_title_wait,
    toggle_draft_skill,
)
from tests.storage.conftest import World


async def test_job_and_ticked_skills_survive_a_new_session(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await choose_job(session, world.paul, "15554", "J1506")
        await toggle_draft_skill(session, world.paul, "400718")
        await toggle_draft_skill(session, world.paul, "115109")
        await toggle_draft_skill(session, world.paul, "400718")  # unticked again
    async with db.transaction() as session:
        draft = await current_job(session, world.paul, world.paul.beneficiary_id)
    assert draft is not None
    assert (draft.appellation_id, draft.sheet_code) == ("15554", "J1506")
    assert draft.draft == ("115109",)
    assert draft.ticked == ()  # not validated yet: nothing saved for the counsellor
    async with db.transaction() as session:
        await save_skills(session, world.paul)
    async with db.transaction() as session:
        saved = await current_job(session, world.a, world.paul.beneficiary_id)
    assert saved is not None
    assert saved.ticked == ("115109",)
    assert saved.skills_saved_at is not None


async def test_save_drops_ids_the_sheet_does_not_list(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await choose_job(session, world.paul, "15554", "J1506")
        await toggle_draft_skill(session, world.paul, "400718")
        await toggle_draft_skill(session, world.paul, "999999")
        job = await save_skills(session, world.paul, keep_only={"400718", "115109"})
    assert job.ticked == ("400718",)


async def test_another_title_of_the_same_sheet_keeps_the_skills(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await choose_job(session, world.paul, "15554", "J1506")
        await toggle_draft_skill(session, world.paul, "400718")
        await save_skills(session, world.paul)
        same_sheet = await choose_job(session, world.paul, "38222", "J1506")
    assert same_sheet.ticked == ("400718",)
    assert same_sheet.draft == ("400718",)
    async with db.transaction() as session:
        other_sheet = await choose_job(session, world.paul, "15556", "J1511")
    assert other_sheet.ticked == () and other_sheet.draft == ()
    assert other_sheet.skills_saved_at is None


async def test_an_abandoned_draft_is_dropped_when_editing_again(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await choose_job(session, world.paul, "15554", "J1506")
        await toggle_draft_skill(session, world.paul, "400718")
        await save_skills(session, world.paul)
        await toggle_draft_skill(session, world.paul, "115109")  # never validated
        job = await begin_skill_edit(session, world.paul)
    assert job.draft == ("400718",)


async def test_only_the_beneficiary_writes(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await choose_job(session, world.paul, "15554", "J1506")
    for intruder in (world.a, world.b, SystemActor("t")):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await choose_job(session, intruder, "15556", "J1511")
            with pytest.raises(AccessDenied):
                await toggle_draft_skill(session, intruder, "400718")
            with pytest.raises(AccessDenied):
                await save_skills(session, intruder)
            with pytest.raises(AccessDenied):
                await start_job_title_wait(session, intruder)
    # Léa's presses touch only Léa's rows, whatever she sends.
    async with db.transaction() as session:
        with pytest.raises(LookupError):
            await toggle_draft_skill(session, world.lea, "400718")
        job = await current_job(session, world.paul, world.paul.beneficiary_id)
    assert job is not None and job.draft == () and job.sheet_code == "J1506"


async def test_nobody_else_reads(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await choose_job(session, world.paul, "15554", "J1506")
    for intruder, target in (
        (world.lea, world.paul.beneficiary_id),
        (world.b, world.paul.beneficiary_id),
        (world.a, world.lea.beneficiary_id),
        (world.a, 987_654),  # forged id
        (world.paul, world.pending_id),
    ):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await current_job(session, intruder, target)


async def test_the_counsellors_reads_are_audited(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await choose_job(session, world.paul, "15554", "J1506")
        await current_job(session, world.paul, world.paul.beneficiary_id)
        await current_job(session, world.a, world.paul.beneficiary_id)
    async with db.transaction() as session:
        events = (
            await session.execute(
                select(AuditEvent.actor_kind, AuditEvent.action).where(
                    AuditEvent.beneficiary_id == world.paul.beneficiary_id
                )
            )
        ).all()
    assert [tuple(e) for e in events] == [("counsellor", "read:current_job")]


async def test_malformed_ids_are_refused(db: Database, world: World) -> None:
    async with db.transaction() as session:
        with pytest.raises(ValueError):
            await choose_job(session, world.paul, "15554; drop", "J1506")
        with pytest.raises(ValueError):
            await choose_job(session, world.paul, "15554", "j1506")
        await choose_job(session, world.paul, "15554", "J1506")
        with pytest.raises(ValueError):
            await toggle_draft_skill(session, world.paul, "12a")


async def test_the_draft_is_bounded(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await choose_job(session, world.paul, "15554", "J1506")
        for n in range(MAX_TICKED + 5):
            job = await toggle_draft_skill(session, world.paul, str(100_000 + n))
    assert len(job.draft) == MAX_TICKED


async def test_waiting_for_a_job_title(db: Database, world: World) -> None:
    now = utcnow()
    async with db.transaction() as session:
        assert not await awaiting_job_title(session, world.paul)
        await start_job_title_wait(session, world.paul, now=now)
        await start_job_title_wait(session, world.paul, now=now)  # asking twice is harmless
    async with db.transaction() as session:
        assert await awaiting_job_title(session, world.paul, now=now + timedelta(minutes=5))
        assert not await awaiting_job_title(session, world.paul, now=now + JOB_TITLE_WAIT)
        # Nobody else's text is taken for a job title.
        assert not await awaiting_job_title(session, world.lea, now=now)
        assert not await awaiting_job_title(session, world.a, now=now)
        assert not await stop_job_title_wait(session, world.lea)
        assert await stop_job_title_wait(session, world.paul)
        assert not await awaiting_job_title(session, world.paul, now=now)
        assert not await stop_job_title_wait(session, world.paul)


async def test_choosing_a_job_ends_the_wait(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await start_job_title_wait(session, world.paul)
        await start_job_title_wait(session, world.lea)
        await choose_job(session, world.paul, "15554", "J1506")
    async with db.transaction() as session:
        assert not await awaiting_job_title(session, world.paul)
        assert await awaiting_job_title(session, world.lea)
