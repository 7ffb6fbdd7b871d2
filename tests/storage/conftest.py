"""Fixtures of the storage tests: two counsellors, their beneficiaries, one pending invitation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from storage.actors import BeneficiaryActor, CounsellorActor, SystemActor, resolve_actor
from storage.db import Database
from storage.people import accept_invitation, add_counsellor, create_invitation

ADMIN = SystemActor("test")


@dataclass
class World:
    a: CounsellorActor
    b: CounsellorActor
    paul: BeneficiaryActor
    lea: BeneficiaryActor
    pending_id: int


async def _counsellor(db: Database, telegram_id: int, name: str) -> CounsellorActor:
    async with db.transaction() as session:
        await add_counsellor(session, ADMIN, telegram_id, name)
        actor = await resolve_actor(session, telegram_id)
    assert isinstance(actor, CounsellorActor)
    return actor


async def _invite_and_accept(
    db: Database, counsellor: CounsellorActor, name: str, telegram_id: int
) -> BeneficiaryActor:
    async with db.transaction() as session:
        issued = await create_invitation(session, counsellor, name)
    async with db.transaction() as session:
        actor = await accept_invitation(session, issued.token, telegram_id, "fr")
    assert actor is not None
    return actor


@pytest.fixture
async def world(db: Database) -> World:
    a = await _counsellor(db, 111, "Claire Martin")
    b = await _counsellor(db, 222, "Bruno Petit")
    paul = await _invite_and_accept(db, a, "Paul Durand", 1001)
    lea = await _invite_and_accept(db, b, "Léa Moreau", 1002)
    async with db.transaction() as session:
        pending = await create_invitation(session, a, "Inès Roux")
    return World(a, b, paul, lea, pending.beneficiary_id)
