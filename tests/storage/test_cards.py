"""The counsellor's card and the phases: their own beneficiaries only, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.actors import AccessDenied
from storage.cards import open_card, set_phase
from storage.db import Database
from storage.models import AuditEvent, Phase
from storage.responses import open_run, save_answer, submit_run
from tests.storage.conftest import World


async def test_card_counts_answers_without_reading_them(db: Database, world: World) -> None:
    async with db.transaction() as session:
        run = await open_run(session, world.paul, "dossier_auto_bilan", 1)
        await save_answer(session, world.paul, run.id, "statut", "cdi", None)
        await save_answer(session, world.paul, run.id, "poste_actuel", "x", None)
        await save_answer(session, world.paul, run.id, "qualites#draft", ["a"], None)
        scored = await open_run(session, world.paul, "riasec_short", 1)
        await submit_run(session, world.paul, scored.id, result={"code": "SEA"})
    async with db.transaction() as session:
        card = await open_card(session, world.a, world.paul.beneficiary_id)
    lines = {line.instrument_key: line for line in card.runs}
    assert lines["dossier_auto_bilan"].answers == 2
    assert lines["riasec_short"].code == "SEA"
    assert card.person.name == "Paul Durand"
    async with db.transaction() as session:
        audits = list(await session.scalars(select(AuditEvent.action)))
    assert audits == ["open:card"]


async def test_only_their_own_counsellor_opens_the_card(db: Database, world: World) -> None:
    for intruder in (world.b, world.paul, world.lea):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await open_card(session, intruder, world.paul.beneficiary_id)
            with pytest.raises(AccessDenied):
                await set_phase(session, intruder, world.paul.beneficiary_id, Phase.INVESTIGATION)


async def test_phases_move_one_step(db: Database, world: World) -> None:
    async with db.transaction() as session:
        with pytest.raises(ValueError):
            await set_phase(session, world.a, world.paul.beneficiary_id, Phase.CONCLUSION)
        left = await set_phase(session, world.a, world.paul.beneficiary_id, Phase.INVESTIGATION)
        assert left == Phase.PRELIMINAIRE
        await set_phase(session, world.a, world.paul.beneficiary_id, Phase.PRELIMINAIRE)
        with pytest.raises(AccessDenied):  # no consent yet
            await set_phase(session, world.a, world.pending_id, Phase.INVESTIGATION)
