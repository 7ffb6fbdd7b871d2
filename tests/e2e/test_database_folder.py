"""An SQLite database in a folder that does not exist, or at a path that is no file.

``db upgrade`` creates the folder; every other command says it is missing in
one line. Neither prints aiosqlite's "Event loop is closed" from its thread at
exit, which a connection that failed to open used to do about one run in two.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.test_settings_errors import GOOD_KEY, run

REPEATS = 6


def env_for(database: Path) -> dict[str, str]:
    return {"ENCRYPTION_KEY": GOOD_KEY, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1, result.stdout + result.stderr
    return lines[0]


def test_a_missing_folder_is_named_and_db_upgrade_creates_it(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "bilan"
    env = env_for(folder / "bilan.db")
    listing = run(["counsellor", "list"], env, tmp_path)
    assert listing.returncode == 2
    line = one_line(listing)
    assert f"the folder {folder} of the SQLite database does not exist" in line
    assert "bilan-bot db upgrade" in line

    upgrade = run(["db", "upgrade"], env, tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr
    assert upgrade.stdout.splitlines()[0] == f"created the folder {folder}"
    assert (folder / "bilan.db").is_file()
    assert run(["counsellor", "list"], env, tmp_path).returncode == 0


def test_a_database_that_cannot_open_is_one_line_every_time(tmp_path: Path) -> None:
    """A directory where the file should be: the connection fails, and nothing more is said."""
    (tmp_path / "bilan.db").mkdir()
    env = env_for(tmp_path / "bilan.db")
    for command in (["counsellor", "list"], ["stats"], ["db", "upgrade"]):
        for _ in range(REPEATS):
            result = run(command, env, tmp_path)
            assert result.returncode != 0
            assert "Event loop is closed" not in result.stderr
            assert "cannot use the database" in one_line(result), command
