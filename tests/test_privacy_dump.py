"""A raw copy of the database reads nothing personal, whatever table it is in.

The end-to-end test types a sentence through the bot; this one fills every
kind of data the storage keeps today (dossier and inventories, job and
skills, a session's address, the professional project and the plan, the
follow-up check-ins, messages, the synthesis delivered with a comment, the
synthesis agreement) and reads the raw
SQLite files, or a ``pg_dump``, looking for any of it.
"""

from __future__ import annotations

from pathlib import Path

from storage.db import Database
from tests.e2e.test_rights import _raw_database
from tests.pgserver import PostgresServer
from tests.storage.conftest import World
from tests.storage.conftest import world as world  # the fixture
from tests.storage.test_rights_erasure import _everything
from tests.test_export_dossier import SENTENCE

SECRETS = (
    SENTENCE,
    "librairie flottante",
    "12 rue des Lilas",
    "Luthier à Nantes",
    "Stage chez un luthier",
    "Paul Durand",
    "Léa Moreau",
    "Claire Martin",
    "Une autre personne",
)


async def test_no_personal_content_in_a_raw_copy(
    db: Database, world: World, tmp_path: Path, pg_server: PostgresServer | None
) -> None:
    await _everything(db, world)
    await db.dispose()  # SQLite: everything checkpointed or in the -wal file, all read below
    raw = _raw_database(db.url, tmp_path, pg_server)
    assert len(raw) > 10_000
    for secret in SECRETS:
        assert secret.encode() not in raw, secret
        assert secret.encode("utf-16-le") not in raw, secret
