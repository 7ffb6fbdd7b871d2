"""``bilan-bot db upgrade`` says what it did: created, migrated (from, to) or nothing to do."""

from __future__ import annotations

import subprocess
from pathlib import Path

from storage import migrate
from tests.e2e.harness import BIN

FIRST_REVISION = "0a25fe4d6bf5"


def upgrade(database_url: str, encryption_key: str, cwd: Path) -> str:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(cwd),
        "DATABASE_URL": database_url,
        "ENCRYPTION_KEY": encryption_key,
    }
    result = subprocess.run(
        [str(BIN), "db", "upgrade"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_db_upgrade_says_created_migrated_or_up_to_date(
    database_url: str, encryption_key: str, tmp_path: Path
) -> None:
    (head,) = migrate.head_revisions(database_url)
    assert upgrade(database_url, encryption_key, tmp_path) == f"database created (revision {head})"
    assert upgrade(database_url, encryption_key, tmp_path) == (
        f"database is up to date (revision {head})"
    )
    migrate.downgrade(database_url, FIRST_REVISION)
    assert upgrade(database_url, encryption_key, tmp_path) == (
        f"database migrated from revision {FIRST_REVISION} to {head}"
    )
