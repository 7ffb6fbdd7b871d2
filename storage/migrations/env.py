"""Alembic environment: runs migrations on the async engine of ``storage.db``."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import storage.schema  # noqa: F401  (registers every table on Base.metadata)
from storage.db import create_engine, settle_sqlite_threads
from storage.models import Base

target_metadata = Base.metadata


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """``PRAGMA foreign_keys`` works only outside a transaction: on the raw connection."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def _run(connection: Connection) -> None:
    """Run the migrations in one transaction.

    On SQLite, with foreign keys off: batch mode recreates a table by copying
    it and dropping the old one, and dropping a parent table with foreign keys
    on would cascade to its children's rows. The keys are checked at the end,
    before the commit, and turned on again.
    """
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite can only ALTER through table copies
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    tables = sorted({str(row[0]) for row in broken})
                    raise RuntimeError(f"a migration broke foreign keys in {tables}")
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)


async def _run_async() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url)
    opened = False
    try:
        async with engine.connect() as connection:
            opened = True
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()
        if not opened:  # see settle_sqlite_threads: before asyncio.run closes the loop
            await settle_sqlite_threads()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `bilan-bot db upgrade`")

existing = context.config.attributes.get("connection")
if existing is not None:
    _run(existing)
else:
    asyncio.run(_run_async())
