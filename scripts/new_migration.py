"""Autogenerate a migration from the models: ``python scripts/new_migration.py "message"``.

Runs against a throw-away SQLite database migrated to the current head, so the
new revision holds exactly the difference between the models and the existing
migrations.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage import crypto, migrate


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    crypto.configure(crypto.generate_key())
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/schema.db"
        migrate.upgrade(url)
        migrate.revision(url, sys.argv[1])
    # The generated file is code of the project: lint and format it like the rest.
    versions = str(migrate.MIGRATIONS / "versions")
    ruff = Path(sys.executable).with_name("ruff")
    subprocess.run([str(ruff), "check", "--fix", "--quiet", versions], check=False)
    subprocess.run([str(ruff), "format", "--quiet", versions], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
