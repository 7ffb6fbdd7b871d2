"""Schema migrations (Alembic), callable from the command line and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Create or migrate the database at ``url`` (blocking; runs its own event loop)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    """Autogenerate a migration from the models (a developer's tool)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)


def head_revisions(url: str) -> set[str]:
    """The newest revisions this code knows (one, unless branches are being merged)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


async def current_revisions(url: str) -> set[str]:
    """The revisions the database at ``url`` is at; empty for a database never migrated."""
    from alembic.runtime.migration import MigrationContext

    from storage.db import create_engine, settle_sqlite_threads

    engine = create_engine(url)
    opened = False
    try:
        async with engine.connect() as connection:
            opened = True
            return await connection.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
    finally:
        await engine.dispose()
        if not opened:  # see settle_sqlite_threads: before asyncio.run closes the loop
            await settle_sqlite_threads()


async def is_current(url: str) -> bool:
    """Whether the database at ``url`` is migrated to the newest revision."""
    return await current_revisions(url) == head_revisions(url)


def upgrade_report(url: str) -> str:
    """Migrate to the newest revision and say what happened, in one line.

    An administrator running ``bilan-bot db upgrade`` wants to know whether it
    created a database (a wrong ``DATABASE_URL`` makes a new, empty one),
    migrated an old one, or found nothing to do.
    """
    import asyncio

    before = asyncio.run(current_revisions(url))
    upgrade(url)
    after = asyncio.run(current_revisions(url))
    if not before:
        return f"database created (revision {_names(after)})"
    if before == after:
        return f"database is up to date (revision {_names(after)})"
    return f"database migrated from revision {_names(before)} to {_names(after)}"


def _names(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions)) or "none"
