"""Autogenerate a migration from the models: ``python scripts/new_migration.py "message"``.

Runs against a throw-away SQLite database migrated to the current head, so the
new revision holds exactly the difference between the models and the existing
migrations.
"""

from __future__ import annotations

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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
