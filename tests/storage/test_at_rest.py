"""What a copy of the database file shows: tokens only as hashes, names only encrypted."""

from __future__ import annotations

from pathlib import Path

from storage.actors import SystemActor
from storage.db import Database
from storage.people import add_counsellor, create_invitation


async def test_sqlite_file_holds_neither_names_nor_tokens(tmp_path: Path) -> None:
    import storage.schema  # noqa: F401
    from storage.models import Base

    path = tmp_path / "bilan.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with db.transaction() as session:
        await add_counsellor(session, SystemActor("t"), 111, "Claire Unguessable")
        issued = await create_invitation(
            session, SystemActor("t"), "Paul Unguessable", counsellor_telegram_id=111
        )
    await db.dispose()
    raw = path.read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.iterdir() if p.name != "bilan.db"
    )
    for secret in ("Unguessable", issued.token):
        assert secret.encode() not in raw
