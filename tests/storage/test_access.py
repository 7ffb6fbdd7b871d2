"""The access door: who may reach whose data, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.actors import AccessDenied, resolve_actor
from storage.db import Database
from storage.models import BeneficiaryStatus, utcnow
from storage.people import (
    CounsellorExists,
    accept_invitation,
    add_counsellor,
    create_invitation,
    deactivate_counsellor,
    find_invitation,
    get_beneficiary,
    list_beneficiaries,
)
from tests.storage.conftest import ADMIN, World


async def test_counsellor_lists_only_their_own(db: Database, world: World) -> None:
    async with db.transaction() as session:
        mine = await list_beneficiaries(session, world.a)
        theirs = await list_beneficiaries(session, world.b)
    assert {p.name for p in mine} == {"Paul Durand", "Inès Roux"}
    assert {p.name for p in theirs} == {"Léa Moreau"}
    statuses = {p.name: p.status for p in mine}
    assert statuses == {
        "Paul Durand": BeneficiaryStatus.ACTIVE,
        "Inès Roux": BeneficiaryStatus.INVITED,
    }


@pytest.mark.parametrize(
    ("actor_name", "target_name", "allowed"),
    [
        ("a", "paul", True),
        ("a", "pending", True),
        ("a", "lea", False),
        ("b", "paul", False),
        ("b", "pending", False),
        ("b", "lea", True),
        ("paul", "paul", True),
        ("paul", "lea", False),
        ("lea", "paul", False),
        ("paul", "pending", False),
        ("system", "paul", True),
    ],
)
async def test_access_matrix(
    db: Database, world: World, actor_name: str, target_name: str, allowed: bool
) -> None:
    actors = {"a": world.a, "b": world.b, "paul": world.paul, "lea": world.lea, "system": ADMIN}
    targets = {
        "paul": world.paul.beneficiary_id,
        "lea": world.lea.beneficiary_id,
        "pending": world.pending_id,
    }
    async with db.transaction() as session:
        if allowed:
            summary = await get_beneficiary(session, actors[actor_name], targets[target_name])
            assert summary.id == targets[target_name]
        else:
            with pytest.raises(AccessDenied):
                await get_beneficiary(session, actors[actor_name], targets[target_name])


async def test_guessed_ids_are_refused_like_foreign_ones(db: Database, world: World) -> None:
    async with db.transaction() as session:
        for guess in (0, -1, 999_999, world.lea.beneficiary_id):
            with pytest.raises(AccessDenied) as refused:
                await get_beneficiary(session, world.a, guess)
            assert "Léa" not in str(refused.value)


async def test_only_counsellors_list_and_only_admin_manages(db: Database, world: World) -> None:
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await list_beneficiaries(session, world.paul)
        with pytest.raises(AccessDenied):
            await add_counsellor(session, world.a, 333, "Intrus")
        with pytest.raises(AccessDenied):
            await create_invitation(session, world.paul, "Quelqu'un")
        with pytest.raises(CounsellorExists):
            await add_counsellor(session, ADMIN, 111, "Claire Martin")


async def test_unknown_user_resolves_to_nothing(db: Database, world: World) -> None:
    async with db.transaction() as session:
        assert await resolve_actor(session, 424242) is None


async def test_deactivated_counsellor_loses_access(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await deactivate_counsellor(session, ADMIN, 222)
        assert await resolve_actor(session, 222) is None


async def test_token_is_single_use_and_expires(db: Database, world: World) -> None:
    async with db.transaction() as session:
        issued = await create_invitation(session, world.a, "Hugo Blanc")
    async with db.transaction() as session:
        assert await find_invitation(session, issued.token) is not None
        # Seen but not accepted: still usable (the person may accept later).
        assert await find_invitation(session, issued.token) is not None
        later = utcnow() + timedelta(days=15)
        assert await find_invitation(session, issued.token, now=later) is None
        assert await accept_invitation(session, issued.token, 2001, "fr", now=later) is None
    async with db.transaction() as session:
        assert await accept_invitation(session, issued.token, 2001, "en") is not None
    async with db.transaction() as session:
        assert await find_invitation(session, issued.token) is None
        assert await accept_invitation(session, issued.token, 2002, "fr") is None


async def test_tokens_are_long_random_and_url_safe(db: Database, world: World) -> None:
    tokens = set()
    async with db.transaction() as session:
        for _ in range(20):
            tokens.add((await create_invitation(session, world.a, "X")).token)
    assert len(tokens) == 20
    for token in tokens:
        assert 22 <= len(token) <= 64  # ≥ 128 bits in base64url, within Telegram's limit
        assert all(c.isalnum() or c in "-_" for c in token)


async def test_counsellor_cannot_accept_an_invitation(db: Database, world: World) -> None:
    async with db.transaction() as session:
        issued = await create_invitation(session, world.a, "Hugo Blanc")
    async with db.transaction() as session:
        assert await accept_invitation(session, issued.token, 222, "fr") is None
        assert await find_invitation(session, issued.token) is not None


async def test_active_beneficiary_cannot_take_a_second_invitation(
    db: Database, world: World
) -> None:
    async with db.transaction() as session:
        issued = await create_invitation(session, world.b, "Paul bis")
    async with db.transaction() as session:
        assert await accept_invitation(session, issued.token, 1001, "fr") is None
        actor = await resolve_actor(session, 1001)
    assert actor == world.paul
