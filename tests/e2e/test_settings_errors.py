"""A missing or malformed setting: one clear line naming it, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.harness import BIN

GOOD_KEY = "A" * 43 + "="


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(
        [str(BIN), *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "args", "named"),
    [
        ({"ENCRYPTION_KEY": GOOD_KEY}, ["run"], "TELEGRAM_BOT_TOKEN"),
        (
            {"TELEGRAM_BOT_TOKEN": "not-a-token", "ENCRYPTION_KEY": GOOD_KEY},
            ["run"],
            "TELEGRAM_BOT_TOKEN",
        ),
        ({"TELEGRAM_BOT_TOKEN": "1:abc"}, ["run"], "ENCRYPTION_KEY"),
        ({"ENCRYPTION_KEY": "short"}, ["counsellor", "list"], "ENCRYPTION_KEY"),
        ({"DATABASE_URL": "mysql://x"}, ["db", "upgrade"], "DATABASE_URL"),
        ({"DEFAULT_LOCALE": "de"}, ["db", "upgrade"], "DEFAULT_LOCALE"),
        ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, ["db", "upgrade"], "DEFAULT_TIMEZONE"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, ["db", "upgrade"], "TELEGRAM_API_BASE_URL"),
        ({"QUIET_HOURS": "tard"}, ["db", "upgrade"], "QUIET_HOURS"),
    ],
)
def test_bad_setting_names_itself(
    env: dict[str, str], args: list[str], named: str, tmp_path: Path
) -> None:
    result = run(args, env, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_missing_token_says_how_to_get_one(tmp_path: Path) -> None:
    result = run(["run"], {"ENCRYPTION_KEY": GOOD_KEY}, tmp_path)
    assert "@BotFather" in result.stderr


def test_settings_come_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DEFAULT_LOCALE=xx\n")
    result = run(["db", "upgrade"], {}, tmp_path)
    assert result.returncode == 2 and "DEFAULT_LOCALE" in result.stderr
