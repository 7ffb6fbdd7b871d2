"""Project and action plan: the beneficiary and their own counsellor only, on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from storage import conversation
from storage.actors import AccessDenied, SystemActor
from storage.db import Database
from storage.models import AuditEvent, utcnow
from storage.plans import (
    INPUT_WAIT,
    MAX_STEPS,
    TITLE_MAX,
    StepState,
    add_step,
    agree_step,
    pending_input,
    plan_summaries,
    plan_summary,
    read_plan,
    remove_step,
    set_project,
    set_step_done,
    start_input,
    stop_input,
)
from tests.storage.conftest import World

TODAY = date(2026, 11, 26)


async def test_counsellor_writes_and_beneficiary_reads(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        await set_project(session, world.a, paul, "main", "  Technicien de maintenance éolienne ")
        await set_project(session, world.a, paul, "alternative", "Électricien du bâtiment")
        await set_project(session, world.a, paul, "training", "Titre pro TMEE, AFPA, 9 mois")
        later = await add_step(session, world.a, paul, "Obtenir le titre pro", date(2027, 6, 30))
        first = await add_step(session, world.a, paul, "Stage d'observation", date(2027, 1, 15))
    async with db.transaction() as session:
        plan = await read_plan(session, world.paul, paul)
    assert plan.main == "Technicien de maintenance éolienne"
    assert plan.alternative == "Électricien du bâtiment"
    assert plan.training == "Titre pro TMEE, AFPA, 9 mois"
    assert [s.id for s in plan.steps] == [first.id, later.id]  # by target date
    assert all(s.state == StepState.AGREED for s in plan.steps)
    async with db.transaction() as session:
        await read_plan(session, world.a, paul)
        actions = list(await session.scalars(select(AuditEvent.action)))
    assert "read:plan" in actions  # the counsellor's reading is audited
    assert actions.count("read:plan") == 1  # the beneficiary's own is not


async def test_text_is_encrypted_at_rest(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        await set_project(session, world.a, paul, "main", "Projet Introuvable")
        await add_step(session, world.a, paul, "Étape Introuvable", TODAY)
        await start_input(session, world.a, paul, "step_date", draft="Brouillon Introuvable")
    async with db.transaction() as session:
        raw = [
            *(await session.execute(text("SELECT main FROM professional_projects"))).scalars(),
            *(await session.execute(text("SELECT title FROM plan_steps"))).scalars(),
            *(await session.execute(text("SELECT payload FROM conversations"))).scalars(),
        ]
    assert len(raw) == 3
    for value in raw:
        assert b"Introuvable" not in bytes(value)


async def test_nobody_else_reaches_the_plan(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        step = await add_step(session, world.a, paul, "Étape", TODAY)
        proposal = await add_step(session, world.paul, paul, "Idée", TODAY)
    for intruder in (world.b, world.lea):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await read_plan(session, intruder, paul)
            with pytest.raises(AccessDenied):
                await plan_summary(session, intruder, paul, TODAY)
            with pytest.raises(AccessDenied):
                await add_step(session, intruder, paul, "Intrusion", TODAY)
            with pytest.raises(AccessDenied):
                await set_project(session, intruder, paul, "main", "Intrusion")
            for forged in (step.id, proposal.id, 999_999):
                with pytest.raises(AccessDenied):
                    await remove_step(session, intruder, forged)
                with pytest.raises(AccessDenied):
                    await agree_step(session, intruder, forged)
                with pytest.raises(AccessDenied):
                    await set_step_done(session, intruder, forged, True)
            with pytest.raises(AccessDenied):
                await start_input(session, intruder, paul, "step_title")
        async with db.transaction() as session:
            assert paul not in await plan_summaries(session, world.b, TODAY)
    async with db.transaction() as session:
        plan = await read_plan(session, world.paul, paul)
    assert [s.title for s in plan.steps] == ["Étape", "Idée"]
    assert plan.agreed_steps[0].done_at is None


async def test_no_plan_before_consent(db: Database, world: World) -> None:
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await add_step(session, world.a, world.pending_id, "Trop tôt", TODAY)
        with pytest.raises(AccessDenied):
            await set_project(session, world.a, world.pending_id, "main", "Trop tôt")


async def test_proposal_waits_for_the_counsellor(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        proposal = await add_step(session, world.paul, paul, "Rencontrer un technicien", TODAY)
        assert proposal.state == StepState.PROPOSED and proposal.proposed_by == "beneficiary"
        with pytest.raises(ValueError):  # not agreed yet: nothing to mark
            await set_step_done(session, world.paul, proposal.id, True)
        with pytest.raises(AccessDenied):
            await agree_step(session, world.paul, proposal.id)
        with pytest.raises(AccessDenied):
            await set_project(session, world.paul, paul, "main", "Mon idée")
    async with db.transaction() as session:
        agreed = await agree_step(session, world.a, proposal.id)
        assert agreed.state == StepState.AGREED
        with pytest.raises(ValueError):
            await agree_step(session, world.a, proposal.id)
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):  # agreed: only the counsellor removes it now
            await remove_step(session, world.paul, proposal.id)


async def test_beneficiary_withdraws_own_proposal_only(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        proposal = await add_step(session, world.paul, paul, "Idée", TODAY)
        agreed = await add_step(session, world.a, paul, "Étape", TODAY)
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await remove_step(session, world.paul, agreed.id)
        assert await remove_step(session, world.paul, proposal.id) == paul
    async with db.transaction() as session:
        assert await remove_step(session, world.a, agreed.id) == paul
        plan = await read_plan(session, world.paul, paul)
    assert plan.steps == ()


async def test_mark_done_and_undo(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        step = await add_step(session, world.a, paul, "Étape", TODAY)
        with pytest.raises(AccessDenied):  # the beneficiary's own tick, not the counsellor's
            await set_step_done(session, world.a, step.id, True)
    async with db.transaction() as session:
        done = await set_step_done(session, world.paul, step.id, True)
        again = await set_step_done(session, world.paul, step.id, True)
    assert done.done_at is not None and again.done_at == done.done_at
    async with db.transaction() as session:
        undone = await set_step_done(session, world.paul, step.id, False)
    assert undone.done_at is None


async def test_summaries_count_without_reading(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        await set_project(session, world.a, paul, "main", "Projet")
        late = await add_step(session, world.a, paul, "En retard", TODAY - timedelta(days=1))
        await add_step(session, world.a, paul, "À venir", TODAY + timedelta(days=30))
        finished = await add_step(session, world.a, paul, "Fait", TODAY - timedelta(days=5))
        await add_step(session, world.paul, paul, "Proposée", TODAY - timedelta(days=9))
        await set_step_done(session, world.paul, finished.id, True)
    async with db.transaction() as session:
        summaries = await plan_summaries(session, world.a, TODAY)
        own = await plan_summary(session, world.paul, paul, TODAY)
        audits = list(await session.scalars(select(AuditEvent.action)))
    summary = summaries[paul]
    assert (summary.steps, summary.done, summary.overdue, summary.proposed) == (3, 1, 1, 1)
    assert summary.has_main and not summary.has_alternative
    assert own == summary
    assert late.id != finished.id
    assert not any(a.startswith("read:") for a in audits)


async def test_limits(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        with pytest.raises(ValueError):
            await add_step(session, world.a, paul, "x" * (TITLE_MAX + 1), TODAY)
        with pytest.raises(ValueError):
            await add_step(session, world.a, paul, "   ", TODAY)
        for n in range(MAX_STEPS):
            await add_step(session, world.a, paul, f"Étape {n}", TODAY)
        with pytest.raises(ValueError):
            await add_step(session, world.paul, paul, "Une de trop", TODAY)


async def test_input_waits_are_per_person_and_lapse(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        await start_input(session, world.a, paul, "step_date", draft="Titre")
        await start_input(session, world.paul, paul, "step_title")
        with pytest.raises(AccessDenied):  # the project is the counsellor's to write
            await start_input(session, world.paul, paul, "main")
    async with db.transaction() as session:
        mine = await pending_input(session, world.a)
        theirs = await pending_input(session, world.paul)
        assert await pending_input(session, world.b) is None
    assert mine is not None and (mine.field, mine.draft, mine.beneficiary_id) == (
        "step_date",
        "Titre",
        paul,
    )
    assert theirs is not None and theirs.field == "step_title"
    async with db.transaction() as session:
        await start_input(session, world.a, paul, "main")  # replaces the earlier wait
        replaced = await pending_input(session, world.a)
        assert replaced is not None and replaced.field == "main"
        later = utcnow() + INPUT_WAIT + timedelta(seconds=1)
        assert await pending_input(session, world.paul, now=later) is None
        assert await stop_input(session, world.a)
        assert await pending_input(session, world.a) is None
        assert await pending_input(session, world.paul) is not None  # not lapsed yet
        assert await conversation.forget_lapsed(session, now=later) == 1  # the daily purge
        assert await pending_input(session, world.paul) is None  # dropped for good


async def test_system_reads_for_the_outbox(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await add_step(session, world.a, world.paul.beneficiary_id, "Étape", TODAY)
        plan = await read_plan(session, SystemActor("outbox"), world.paul.beneficiary_id)
    assert len(plan.steps) == 1
