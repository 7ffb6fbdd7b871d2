"""Values at rest: AES-GCM under the first key, Fernet tokens of earlier releases still read."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from storage import crypto
from storage.db import Database
from storage.keys import rotate_all
from storage.responses import load_own_run, open_run, save_answer
from tests.conftest import TEST_KEY
from tests.storage.conftest import World


@pytest.fixture
def keys() -> Iterator[None]:
    """Whatever a test configures, the next one finds the suite's key again."""
    try:
        yield
    finally:
        crypto.configure(TEST_KEY)


async def _stored_answer(db: Database, run_id: int) -> bytes:
    async with db.transaction() as session:
        value = await session.scalar(
            text("SELECT value FROM answers WHERE run_id = :run"), {"run": run_id}
        )
    return bytes(value)


async def _one_answer(db: Database, world: World, value: object) -> int:
    async with db.transaction() as session:
        run = await open_run(session, world.paul, "dossier_auto_bilan", 1)
        await save_answer(session, world.paul, run.id, "poste", value, None)
    return run.id


async def test_an_answer_is_sealed_anew_each_time(db: Database, world: World) -> None:
    run_id = await _one_answer(db, world, "Aide-soignante de nuit")
    first = await _stored_answer(db, run_id)
    async with db.transaction() as session:
        await save_answer(session, world.paul, run_id, "poste", "Aide-soignante de nuit", None)
    second = await _stored_answer(db, run_id)
    for stored in (first, second):
        assert stored.startswith(crypto.VERSION)
        assert b"soignante" not in stored
    assert first != second  # a fresh nonce each time: equal answers do not look equal


async def test_an_answer_written_as_a_fernet_token_still_reads(db: Database, world: World) -> None:
    run_id = await _one_answer(db, world, "provisoire")
    legacy = Fernet(TEST_KEY.encode()).encrypt(json.dumps({"other": "intérim"}).encode())
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE answers SET value = :value WHERE run_id = :run"),
            {"value": legacy, "run": run_id},
        )
    async with db.transaction() as session:
        state = await load_own_run(session, world.paul, run_id)
    assert state.answers == {"poste": {"other": "intérim"}}


async def test_rotation_moves_old_and_new_values_to_the_new_key(
    db: Database, world: World, keys: None
) -> None:
    run_id = await _one_answer(db, world, "Aide-soignante")
    legacy = Fernet(TEST_KEY.encode()).encrypt(json.dumps("Infirmière").encode())
    async with db.transaction() as session:
        await save_answer(session, world.paul, run_id, "statut", "placeholder", None)
        await session.execute(
            text("UPDATE answers SET value = :value WHERE run_id = :run AND answer_id = 'statut'"),
            {"value": legacy, "run": run_id},
        )
    new_key = crypto.generate_key()
    crypto.configure(f"{new_key},{TEST_KEY}")
    async with db.transaction() as session:
        assert await rotate_all(session) >= 2
        stored = (await session.execute(text("SELECT value FROM answers"))).scalars().all()
    assert all(bytes(value).startswith(crypto.VERSION) for value in stored)

    crypto.configure(new_key)
    async with db.transaction() as session:
        state = await load_own_run(session, world.paul, run_id)
    assert state.answers == {"poste": "Aide-soignante", "statut": "Infirmière"}


async def test_a_changed_byte_is_refused_in_words(db: Database, world: World) -> None:
    run_id = await _one_answer(db, world, "Aide-soignante")
    stored = bytearray(await _stored_answer(db, run_id))
    stored[-1] ^= 1
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE answers SET value = :value WHERE run_id = :run"),
            {"value": bytes(stored), "run": run_id},
        )
    with pytest.raises(crypto.EncryptionKeyError, match="does not decrypt"):
        async with db.transaction() as session:
            await load_own_run(session, world.paul, run_id)


async def test_another_key_is_refused_in_words(db: Database, world: World, keys: None) -> None:
    run_id = await _one_answer(db, world, "Aide-soignante")
    crypto.configure(crypto.generate_key())
    with pytest.raises(crypto.EncryptionKeyError, match="does not decrypt"):
        async with db.transaction() as session:
            await load_own_run(session, world.paul, run_id)


# The same names in every test worker: no generated key among them.
SHORT_KEY = base64.urlsafe_b64encode(bytes(24)).decode()  # 24 bytes where 32 are due


@pytest.mark.parametrize(
    "setting",
    ["", " , ", "not-a-key", SHORT_KEY, "é" * 44],
    ids=["empty", "commas", "not-base64", "too-short", "not-ascii"],
)
def test_a_malformed_setting_is_refused(setting: str) -> None:
    with pytest.raises(crypto.EncryptionKeyError, match="ENCRYPTION_KEY"):
        crypto.parse_keys(setting)
