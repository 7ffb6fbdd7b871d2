"""``bilan-bot contacts import|export|erase`` as the administrator runs them (subprocesses).

On SQLite and PostgreSQL: a file with bad lines is refused line by line and
nothing of it is kept; a clean file goes in; the export is a new file readable
by its owner only; erasing a contact says how many cards lose its details.
"""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from storage.actors import SystemActor
from storage.contacts import list_contacts
from storage.db import Database
from tests.e2e.harness import BotEnvironment

GOOD = (
    "kind;name;role;organisation;reach;area;rome_codes;job_titles;agreed_on;agreed_how\n"
    "professionnel;Marc Aide;Aide-soignant;;06 00 00 00 01;Lyon;J1501;;2026-01-10;téléphone\n"
    "tuteur;Nadia Forge;;;06 00 00 00 02;;;Infirmier de bloc opératoire;"
    "2026-01-11;formulaire signé\n"
)
BAD = (
    GOOD.encode()
    + b"tuteur;Sans Accord;;;06 00 00 00 03;;J1501;;;\n"
    + b"tuteur;Code Faux;;;06 00 00 00 04;;Q1234;;2026-01-12;oral\n"
    + "tuteur;Cassé;;;06;;J1501;;2026-01-12;oral\n".encode("latin-1")
)


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
    return env


def _names(url: str) -> list[str]:
    async def run() -> list[str]:
        db = Database(url)
        try:
            async with db.transaction() as session:
                return [c.name for c in await list_contacts(session, SystemActor("t"))]
        finally:
            await db.dispose()

    return asyncio.run(run())


def test_import_refuses_a_file_with_bad_lines_then_takes_it_clean(
    environment: BotEnvironment, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD)
    result = environment.cli("contacts", "import", str(bad), check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "line 4: refused: no recorded agreement (agreed_on and agreed_how are required)",
        "line 5: refused: unknown ROME code Q1234",
        "line 6: refused: not valid UTF-8 (save the file as CSV UTF-8)",
        "bilan-bot: nothing imported: 3 line(s) refused; fix them, "
        "or add --keep-good to import the others",
    ]
    assert "Sans Accord" not in result.stderr + result.stdout
    assert _names(environment.database_url) == []

    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    result = environment.cli("contacts", "import", str(good))
    assert result.stdout.strip() == "imported: 2 added, 0 updated, 0 refused"
    assert _names(environment.database_url) == ["Marc Aide", "Nadia Forge"]

    out = tmp_path / "file.csv"
    result = environment.cli("contacts", "export", "--output", str(out))
    assert result.stdout.strip() == f"exported 2 contact(s) to {out}"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,kind,name,")
    assert "J1501" in lines[1] and "Marc Aide" in lines[1]
    again = environment.cli("contacts", "export", "--output", str(out), check=False)
    assert again.returncode == 2 and "exists already" in again.stderr

    contact_id = lines[1].split(",")[0]
    result = environment.cli("contacts", "erase", "--id", contact_id)
    assert result.stdout.startswith(f"erased contact {contact_id}; its details are gone from 0")
    assert _names(environment.database_url) == ["Nadia Forge"]
    result = environment.cli("contacts", "erase", "--id", "999", check=False)
    assert (result.returncode, result.stderr.strip()) == (
        1,
        "bilan-bot: no contact has the id 999",
    )


def test_keep_good_imports_the_good_lines_and_still_reports_the_others(
    environment: BotEnvironment, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD)
    result = environment.cli("contacts", "import", str(bad), "--keep-good", check=False)
    assert result.returncode == 1
    assert result.stdout.strip() == "imported: 2 added, 0 updated, 3 refused"
    assert len(result.stderr.splitlines()) == 3
    assert _names(environment.database_url) == ["Marc Aide", "Nadia Forge"]
