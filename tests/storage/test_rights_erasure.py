"""An erased beneficiary leaves no row with their id in any table, on both databases.

The check does not reuse the erasure's own discovery: it walks
``Base.metadata`` itself, before the erasure, to list every row that is the
person's (by a ``beneficiary_id`` column or a foreign key to
``beneficiaries``, then by foreign keys down to child rows, and as recipient
of a message or actor of an audited act), and afterwards finds none of them
and no column anywhere still holding the id.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

import storage.schema  # noqa: F401
from bot.features.synthesis.building import build_draft_files
from bot.features.synthesis.material import gather
from dialogues.synthesis import assemble
from storage import followups, plans, rights, sessions, synthesis
from storage.actors import SystemActor
from storage.cards import set_phase
from storage.db import Database
from storage.models import Base, Phase
from storage.outbox import OutboxMessage, OutboxStatus
from tests.storage.conftest import World
from tests.test_export_dossier import complete_dossier

PERSON_COLUMNS = ("beneficiary_id",)
ACTOR_COLUMNS = (("actor_kind", "actor_id"), ("recipient_kind", "recipient_id"))


def _person_columns(table: Table) -> list[Any]:
    return [
        col
        for col in table.columns
        if col.name in PERSON_COLUMNS
        or any(fk.column.table.name == "beneficiaries" for fk in col.foreign_keys)
    ]


async def _rows_of(session: AsyncSession, beneficiary_id: int) -> dict[str, set[tuple[Any, ...]]]:
    """Primary keys of every row that is the person's, table by table."""
    found: dict[str, set[tuple[Any, ...]]] = {}
    tables = Base.metadata.sorted_tables

    def pk_of(table: Table) -> list[Any]:
        return list(table.primary_key.columns)

    for table in tables:
        conditions = [col == beneficiary_id for col in _person_columns(table)]
        if table.name == "beneficiaries":
            conditions.append(table.c.id == beneficiary_id)
        for kind, ident in ACTOR_COLUMNS:
            if kind in table.c and ident in table.c:
                conditions.append(
                    and_(table.c[kind] == "beneficiary", table.c[ident] == beneficiary_id)
                )
        rows: set[tuple[Any, ...]] = set()
        for condition in conditions:
            rows |= {
                tuple(r) for r in await session.execute(select(*pk_of(table)).where(condition))
            }
        found[table.name] = rows
    # Child rows, through foreign keys, until nothing new turns up.
    grown = True
    while grown:
        grown = False
        for table in tables:
            for col in table.columns:
                for fk in col.foreign_keys:
                    parent = fk.column.table
                    parent_pk = pk_of(parent)
                    if parent.name == "beneficiaries" or len(parent_pk) != 1:
                        continue
                    ids = [key[0] for key in found.get(parent.name, set())]
                    if not ids:
                        continue
                    result = await session.execute(select(*pk_of(table)).where(col.in_(ids)))
                    new = {tuple(r) for r in result} - found[table.name]
                    if new:
                        found[table.name] |= new
                        grown = True
    return {name: rows for name, rows in found.items() if rows}


async def _still_there(session: AsyncSession, rows: dict[str, set[tuple[Any, ...]]]) -> list[str]:
    left = []
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        for key in rows.get(table.name, set()):
            condition = and_(*(col == value for col, value in zip(pk, key, strict=True)))
            if await session.scalar(select(pk[0]).where(condition)) is not None:
                left.append(f"{table.name}{key}")
    return left


async def _mentions(session: AsyncSession, beneficiary_id: int) -> list[str]:
    """Any column of any table that still names the person."""
    found = []
    for table in Base.metadata.sorted_tables:
        for col in _person_columns(table):
            if await session.scalar(select(col).where(col == beneficiary_id).limit(1)):
                found.append(f"{table.name}.{col.name}")
        for kind, ident in ACTOR_COLUMNS:
            if kind in table.c and ident in table.c:
                hit = await session.scalar(
                    select(table.c[ident])
                    .where(table.c[kind] == "beneficiary", table.c[ident] == beneficiary_id)
                    .limit(1)
                )
                if hit:
                    found.append(f"{table.name}.{ident}")
    if "beneficiaries" in Base.metadata.tables:
        people = Base.metadata.tables["beneficiaries"]
        if await session.scalar(select(people.c.id).where(people.c.id == beneficiary_id)):
            found.append("beneficiaries.id")
    return found


async def _everything(db: Database, world: World) -> None:
    """Paul's whole bilan: dossier and inventories, job, a session, plan, conclusion, check-ins."""
    paul_id = world.paul.beneficiary_id
    await complete_dossier(db, world.paul, world.a)
    await complete_dossier(db, world.lea, world.b, "Une autre personne, un autre texte.")
    now = datetime.now(UTC)
    async with db.transaction() as session:
        await sessions.schedule_session(
            session,
            world.a,
            paul_id,
            now + timedelta(days=3),
            90,
            sessions.SessionMode.IN_PERSON,
            "12 rue des Lilas, Nantes",
        )
        await set_phase(session, world.a, paul_id, Phase.INVESTIGATION)
        await set_phase(session, world.a, paul_id, Phase.CONCLUSION)
        await plans.set_project(session, world.a, paul_id, "main", "Luthier à Nantes")
        await plans.add_step(session, world.a, paul_id, "Stage chez un luthier", date(2027, 5, 1))
        await plans.add_step(
            session, world.paul, paul_id, "Rencontrer un artisan", date(2027, 6, 1)
        )
        await plans.start_input(session, world.paul, paul_id, "step_title")
        await plans.start_input(session, world.a, paul_id, "alternative")
        await followups.conclude(session, world.a, paul_id, followups.Schedule())
        await rights.record_synthesis_agreement(session, world.paul, True)
        # Half-typed sessions: each counsellor's draft names one beneficiary inside its data.
        await sessions.save_dialogue(
            session, world.a, "session", "dur", {"beneficiary_id": paul_id}
        )
        lea = {"beneficiary_id": world.lea.beneficiary_id}
        await sessions.save_dialogue(session, world.b, "session", "dur", lea)
    async with db.transaction() as session:
        await plans.read_plan(session, world.a, paul_id)
    await _delivered_synthesis(db, world)


async def _delivered_synthesis(db: Database, world: World) -> None:
    """Paul's synthesis, drafted from all of the above, commented on, agreed and delivered."""
    paul_id = world.paul.beneficiary_id
    now = datetime.now(UTC)
    async with db.transaction() as session:
        material = await gather(session, world.a, paul_id, now)
    editable, pdf, pages = build_draft_files(assemble(material))
    async with db.transaction() as session:
        await synthesis.add_version(
            session,
            world.a,
            paul_id,
            origin="draft",
            editable=editable,
            editable_format="docx",
            pdf=pdf,
            pages=pages,
            to_write=1,
        )
        await synthesis.request_review(session, world.a, paul_id)
        await synthesis.add_comment(session, world.paul, 1, "Ajoutez ma librairie flottante.")
        await synthesis.agree(session, world.paul, 1)
        await synthesis.deliver(session, world.a, paul_id)


async def test_an_erased_person_leaves_no_row_in_any_table(db: Database, world: World) -> None:
    await _everything(db, world)
    paul_id, lea_id = world.paul.beneficiary_id, world.lea.beneficiary_id
    async with db.transaction() as session:
        paul_rows = await _rows_of(session, paul_id)
        lea_rows = await _rows_of(session, lea_id)
    # The walk found every kind of data the fixture wrote, so the check below means something.
    for name in (
        "beneficiaries",
        "instrument_runs",
        "answers",
        "current_jobs",
        "outbox",
        "audit_events",
        "counselling_sessions",
        "professional_projects",
        "plan_steps",
        "conversations",
        "followup_checkins",
        "data_rights",
        "syntheses",
        "synthesis_versions",
        "synthesis_comments",
    ):
        assert paul_rows.get(name), name
    async with db.transaction() as session:
        await rights.request_erasure(session, world.paul)
        assert await rights.confirm_erasure(session, world.paul)
        erased = await rights.erase_own_data(session, world.paul)
    assert erased is not None
    async with db.transaction() as session:
        assert await _still_there(session, paul_rows) == []
        assert await _mentions(session, paul_id) == []
        # The helper does find rows that are there: Léa keeps every one of hers.
        assert len(await _still_there(session, lea_rows)) == sum(map(len, lea_rows.values()))
        assert await _rows_of(session, lea_id) == lea_rows
        assert await sessions.current_dialogue(session, world.a) is None
        assert await sessions.current_dialogue(session, world.b) is not None
        pending_to_others = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING).limit(1)
        )
    assert pending_to_others is not None


async def test_the_system_erasure_walks_the_same_tables(db: Database, world: World) -> None:
    await _everything(db, world)
    paul_id = world.paul.beneficiary_id
    async with db.transaction() as session:
        expected = {name: len(rows) for name, rows in (await _rows_of(session, paul_id)).items()}
        assert await rights.rows_about(session, paul_id) == expected
        erased = await rights.erase_beneficiary(session, SystemActor("t"), paul_id, "purged")
    # The anonymous fold marks the person just before the rows go, and goes with them.
    assert erased.rows == {**expected, "indicator_folds": 1}
