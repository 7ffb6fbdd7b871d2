"""Export of a complete dossier (``/mesdonnees``): collect, PDF and JSON, timed.

The dossier is the one the export tests build (three instruments, job and
skills, a session, a plan, journal entries, check-ins, messages). Target:
under 5 s.

    python benchmarks/export.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import storage.schema  # noqa: F401
from benchmarks.common import figures_line, print_table
from bot.export import build_json, build_pdf
from storage import crypto, rights
from storage.actors import BeneficiaryActor, CounsellorActor, SystemActor
from storage.db import Database
from storage.models import Base
from storage.people import accept_invitation, add_counsellor, create_invitation
from tests.test_export_dossier import complete_dossier, page_count


async def measure(rounds: int) -> tuple[list[float], int, int, int]:
    folder = Path(tempfile.mkdtemp(prefix="bilan-export-"))
    db = Database(f"sqlite+aiosqlite:///{folder / 'export.db'}")
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with db.transaction() as session:
        info = await add_counsellor(session, SystemActor("bench"), 111, "Claire Martin")
    counsellor = CounsellorActor(info.id, 111, "fr", "Europe/Paris")
    async with db.transaction() as session:
        issued = await create_invitation(session, counsellor, "Paul Durand")
        person = await accept_invitation(session, issued.token, 1001, "fr")
    assert isinstance(person, BeneficiaryActor)
    await complete_dossier(db, person, counsellor)
    timings = []
    pdf = document = b""
    for _ in range(rounds):
        began = time.perf_counter()
        async with db.transaction() as session:
            dossier = await rights.collect(session, person)
        pdf = await asyncio.to_thread(build_pdf, dossier, "fr", "Europe/Paris")
        document = await asyncio.to_thread(build_json, dossier, "fr")
        timings.append(time.perf_counter() - began)
    await db.dispose()
    return timings, page_count(pdf), len(pdf), len(document)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    crypto.configure(crypto.generate_key())
    timings, pages, pdf_size, json_size = asyncio.run(measure(2 if args.quick else 5))
    first, warm = timings[0], statistics.median(timings[1:])
    print_table(
        "Export of a complete dossier",
        ["first (cold) s", "median warm s", "PDF pages", "PDF KiB", "JSON KiB"],
        [
            [
                f"{first:.2f}",
                f"{warm:.2f}",
                str(pages),
                str(pdf_size // 1024),
                str(json_size // 1024),
            ]
        ],
    )
    print(
        figures_line(
            "export",
            {
                "cold_s": f"{first:.2f}",
                "warm_s": f"{warm:.2f}",
                "pages": pages,
                "under_5s": "yes" if first < 5 else "NO",
            },
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
