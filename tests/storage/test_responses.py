"""Questionnaire state in the database: saved at every answer, reachable only by its owners."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from storage import conversation
from storage.actors import AccessDenied, BeneficiaryActor, CounsellorActor, SystemActor
from storage.db import Database
from storage.people import accept_invitation, add_counsellor, create_invitation
from storage.responses import (
    RunStatus,
    load_own_run,
    open_run,
    read_run,
    runs_of,
    save_answer,
    submit_run,
    wait_on,
)
from tests.storage.conftest import World


async def test_answers_survive_a_new_session_and_resume(db: Database, world: World) -> None:
    async with db.transaction() as session:
        run = await open_run(session, world.paul, "dossier_auto_bilan", 1)
        await save_answer(session, world.paul, run.id, "statut", "salarie", "poste")
        await save_answer(session, world.paul, run.id, "poste", "Aide-soignante", "experience")
    async with db.transaction() as session:
        again = await open_run(session, world.paul, "dossier_auto_bilan", 1)
    assert again.id == run.id
    assert again.answers == {"statut": "salarie", "poste": "Aide-soignante"}
    assert again.current_step == "experience"


async def test_changing_an_answer_replaces_it(db: Database, world: World) -> None:
    async with db.transaction() as session:
        run = await open_run(session, world.paul, "dossier_auto_bilan", 1)
        await save_answer(session, world.paul, run.id, "statut", "salarie", None)
        await save_answer(session, world.paul, run.id, "statut", {"other": "intérim"}, None)
        state = await load_own_run(session, world.paul, run.id)
    assert state.answers == {"statut": {"other": "intérim"}}


async def test_nobody_else_writes_or_reads_a_run(db: Database, world: World) -> None:
    async with db.transaction() as session:
        run = await open_run(session, world.paul, "dossier_auto_bilan", 1)
        await save_answer(session, world.paul, run.id, "statut", "salarie", None)
    for intruder in (world.lea, world.a, world.b, SystemActor("t")):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await save_answer(session, intruder, run.id, "statut", "x", None)
            with pytest.raises(AccessDenied):
                await load_own_run(session, intruder, run.id)
    async with db.transaction() as session:
        # Not submitted yet: even their own counsellor cannot read the draft.
        with pytest.raises(AccessDenied):
            await read_run(session, world.a, run.id)
        await submit_run(session, world.paul, run.id)
    async with db.transaction() as session:
        assert (await read_run(session, world.a, run.id)).answers == {"statut": "salarie"}
        with pytest.raises(AccessDenied):
            await read_run(session, world.b, run.id)
        with pytest.raises(AccessDenied):
            await read_run(session, world.lea, run.id)
        with pytest.raises(AccessDenied):
            await runs_of(session, world.b, world.paul.beneficiary_id)
        runs = await runs_of(session, world.a, world.paul.beneficiary_id)
    assert [(r.instrument_key, r.status) for r in runs] == [
        ("dossier_auto_bilan", RunStatus.SUBMITTED)
    ]


async def test_submitted_run_is_closed_and_a_new_one_starts(db: Database, world: World) -> None:
    async with db.transaction() as session:
        run = await open_run(session, world.paul, "riasec_short", 1)
        await submit_run(session, world.paul, run.id, result={"code": "SEA"})
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await save_answer(session, world.paul, run.id, "r1", 3, None)
        fresh = await open_run(session, world.paul, "riasec_short", 1)
    assert fresh.id != run.id and fresh.answers == {}


async def test_an_accepted_answer_costs_three_statements(db: Database, world: World) -> None:
    """The question is on screen (its wait stands) and the caller's lookup has read
    that wait in the update's transaction, as the bot does: the answer writes no
    conversation row."""
    async with db.transaction() as session:
        run = await open_run(session, world.paul, "dossier_auto_bilan", 1)
        await wait_on(session, world.paul, run.id, "statut")
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]).split()[0])

    async with db.transaction() as session:
        assert await conversation.current(session, world.paul) is not None
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            await load_own_run(session, world.paul, run.id)
            await save_answer(session, world.paul, run.id, "statut", "salarie", "poste")
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    data_statements = [s for s in statements if s.upper() not in ("BEGIN", "COMMIT")]
    assert len(data_statements) == 3, statements


async def test_a_fresh_beneficiary_has_no_runs(db: Database) -> None:
    admin = SystemActor("t")
    async with db.transaction() as session:
        await add_counsellor(session, admin, 7, "C")
        issued = await create_invitation(session, admin, "B", counsellor_telegram_id=7)
    async with db.transaction() as session:
        actor = await accept_invitation(session, issued.token, 70, "fr")
        assert isinstance(actor, BeneficiaryActor)
        assert await runs_of(session, actor, actor.beneficiary_id) == []
    assert not isinstance(actor, CounsellorActor)
