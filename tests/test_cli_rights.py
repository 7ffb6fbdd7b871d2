"""The administrator's ``bilan-bot purge``, ``stats`` and ``keys rotate``, run as subprocesses.

On SQLite and PostgreSQL. The data is written directly through ``storage``
(with the dates the test needs), then only the command line is used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import update

from storage.actors import CounsellorActor, resolve_actor
from storage.db import Database
from storage.models import Beneficiary
from storage.people import accept_invitation, create_invitation
from tests.e2e.harness import BotEnvironment
from tests.e2e.test_rights import _complete_schema

COUNSELLOR = 111
T = TypeVar("T")


@pytest.fixture
def environment(database_url: str, encryption_key: str, tmp_path: Path) -> BotEnvironment:
    env = BotEnvironment(
        database_url=database_url,
        encryption_key=encryption_key,
        token="123456789:TEST-token-never-used-by-these-commands",
        api_base_url="http://127.0.0.1:9/bot",
        workdir=tmp_path,
    )
    env.cli("db", "upgrade")
    _complete_schema(database_url)
    env.cli("counsellor", "add", "--telegram-id", str(COUNSELLOR), "--name", "Claire Martin")
    return env


def _with_db(url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


async def _seed(db: Database) -> tuple[int, int, int]:
    """An invitation expired long ago, a bilan idle for more than a year, a live one."""
    long_ago = datetime.now(UTC) - timedelta(days=400)
    async with db.transaction() as session:
        counsellor = await resolve_actor(session, COUNSELLOR)
        assert isinstance(counsellor, CounsellorActor)
        expired = await create_invitation(session, counsellor, "Zoé Confidentielle", now=long_ago)
        idle = await create_invitation(session, counsellor, "Ivan Secret", now=long_ago)
        live = await create_invitation(session, counsellor, "Lina Présente")
    async with db.transaction() as session:
        await accept_invitation(session, idle.token, 7001, "fr", now=long_ago)
        await accept_invitation(session, live.token, 7002, "fr")
        await session.execute(
            update(Beneficiary)
            .where(Beneficiary.id.in_([expired.beneficiary_id, idle.beneficiary_id]))
            .values(created_at=long_ago)
        )
    return expired.beneficiary_id, idle.beneficiary_id, live.beneficiary_id


async def _exists(db: Database, ids: tuple[int, ...]) -> list[bool]:
    async with db.transaction() as session:
        return [await session.get(Beneficiary, i) is not None for i in ids]


def test_purge_dry_run_counts_without_names_then_purge_erases(
    environment: BotEnvironment,
) -> None:
    url = environment.database_url
    ids = _with_db(url, _seed)

    dry = environment.cli("purge", "--dry-run").stdout
    assert "dry run, nothing deleted" in dry
    lines = {line.split(None, 1)[1]: line.split(None, 1)[0] for line in dry.splitlines()[1:]}
    assert lines["expired invitations"] == "1"
    assert lines["bilans without activity for a year"] == "1"
    assert lines["bilans one year after conclusion"] == "0"
    for name in ("Zoé", "Confidentielle", "Ivan", "Secret", "Lina"):
        assert name not in dry
    assert _with_db(url, lambda db: _exists(db, ids)) == [True, True, True]

    done = environment.cli("purge").stdout
    assert done.splitlines()[0] == "erased:"
    assert _with_db(url, lambda db: _exists(db, ids)) == [False, False, True]
    again = environment.cli("purge", "--dry-run").stdout
    assert all(line.split()[0] == "0" for line in again.splitlines()[1:])

    stats = environment.cli("stats").stdout
    assert "erased at the end of retention" in stats
    assert 'Counts under 5 are shown as "< 5"' in stats
    assert "Ivan" not in stats


def test_stats_formats_and_dates(environment: BotEnvironment) -> None:
    _with_db(environment.database_url, _seed)
    csv = environment.cli("stats", "--format", "csv").stdout.splitlines()
    assert csv[0] == "section,indicator,value"
    assert "bilans,bilans (consent given),< 5" in csv
    today = datetime.now(UTC).date()
    text = environment.cli("stats", "--from", str(today), "--to", str(today)).stdout
    assert f"from {today} to {today}" in text
    wrong = environment.cli("stats", "--from", "2026-13-01", check=False)
    assert wrong.returncode == 2 and "expected a date" in wrong.stderr
    backwards = environment.cli("stats", "--from", "2026-02-01", "--to", "2026-01-01", check=False)
    assert backwards.returncode == 2 and "--from must not be after --to" in backwards.stderr


def test_retention_settings_are_checked(environment: BotEnvironment) -> None:
    environment.extra["DOSSIER_RETENTION_DAYS"] = "400"
    refused = environment.cli("purge", "--dry-run", check=False)
    assert refused.returncode == 2
    assert "DOSSIER_RETENTION_DAYS" in refused.stderr and "Traceback" not in refused.stderr
    environment.extra["DOSSIER_RETENTION_DAYS"] = "180"
    environment.extra["FOLLOWUP_WINDOW_DAYS"] = "200"
    inconsistent = environment.cli("purge", "--dry-run", check=False)
    assert inconsistent.returncode == 2 and "Traceback" not in inconsistent.stderr
    environment.extra["FOLLOWUP_WINDOW_DAYS"] = "120"
    assert environment.cli("purge", "--dry-run").returncode == 0


def test_keys_rotate_moves_every_value_to_the_new_key(environment: BotEnvironment) -> None:
    _with_db(environment.database_url, _seed)
    old = environment.encryption_key
    new = environment.cli("keys", "generate").stdout.strip()
    assert new and new != old

    environment.extra["ENCRYPTION_KEY"] = f"{new},{old}"
    rotated = environment.cli("keys", "rotate").stdout
    count = int(rotated.split()[0])
    assert count >= 5  # the canary, a counsellor and three names at least

    environment.extra["ENCRYPTION_KEY"] = new
    listed = environment.cli("counsellor", "list").stdout
    assert "Claire Martin" in listed

    environment.extra["ENCRYPTION_KEY"] = old
    refused = environment.cli("counsellor", "list", check=False)
    assert refused.returncode == 2
    assert "does not decrypt" in refused.stderr and "Traceback" not in refused.stderr


def test_a_malformed_key_is_one_line(environment: BotEnvironment) -> None:
    environment.extra["ENCRYPTION_KEY"] = "not-a-key"
    refused = environment.cli("keys", "rotate", check=False)
    assert refused.returncode == 2
    assert "ENCRYPTION_KEY" in refused.stderr and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
