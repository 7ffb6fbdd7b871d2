"""Shared fixtures: a real SQLite file and a real PostgreSQL server for every database test.

Set ``REQUIRE_POSTGRES=1`` (``scripts/test`` does) to fail rather than skip the
PostgreSQL half when no server can be started.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from storage import crypto
from storage.db import Database
from tests.pgserver import PostgresServer, find_bin_dir

TEST_KEY = crypto.generate_key()
crypto.configure(TEST_KEY)

_db_counter = itertools.count()


@pytest.fixture(autouse=True)
def stop_leftover_bots() -> Iterator[None]:
    """Whatever happened in the test, no ``bilan-bot run`` it started outlives it."""
    yield
    from tests.e2e.harness import stop_leftovers

    stop_leftovers()


@pytest.fixture(scope="session")
def encryption_key() -> str:
    return TEST_KEY


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer | None]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL binaries not found (apt-get install postgresql)")
        yield None
        return
    server = PostgresServer(bin_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _create_pg_database(server: PostgresServer) -> str:
    name = f"t{os.getpid()}_{next(_db_counter)}"
    connection = await asyncpg.connect(server.plain_dsn())
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_server: PostgresServer | None
) -> str:
    """An empty database of each kind, as a URL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'bilan.db'}"
    if pg_server is None:
        pytest.skip("PostgreSQL is not installed")
    return pg_server.url(await _create_pg_database(pg_server))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated-schema database (tables created from the models, for speed)."""
    import storage.schema  # noqa: F401
    from storage.models import Base

    database = Database(database_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()


# The storage tests' cast of counsellors and beneficiaries, for any test that needs it.
from tests.storage.conftest import world  # noqa: E402, F401
