"""Digest build: time and SQL query count for a counsellor with 10, 100, 200 beneficiaries.

Each beneficiary gets a full history within the digest's window: a submitted
dossier and interest inventory, tasks done and overdue, a session asked to
move and one coming, shared journal entries, a follow-up due. The query count
(SELECT statements, counted with SQLAlchemy events) must not grow with the
number of beneficiaries.

    python benchmarks/digest.py [--quick] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import storage.schema  # noqa: F401
from benchmarks.common import Databases, StatementCounter, figures_line, print_table
from storage import crypto
from storage.actors import BeneficiaryActor, CounsellorActor, SystemActor
from storage.db import Database
from storage.digest import changes_since
from storage.journal import add_entry, set_shared
from storage.models import Base, utcnow
from storage.people import accept_invitation, add_counsellor, create_invitation
from storage.responses import open_run, submit_run
from storage.sessions import SessionMode, request_move, schedule_session
from storage.tasks import assign_task, complete_task

SYSTEM = SystemActor("benchmark")


async def populate(db: Database, people: int) -> tuple[int, Any]:
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with db.transaction() as session:
        info = await add_counsellor(session, SYSTEM, 111, "Claire Martin")
    counsellor = CounsellorActor(info.id, 111, "fr", "Europe/Paris")
    start = utcnow() - timedelta(hours=1)
    for n in range(people):
        async with db.transaction() as session:
            issued = await create_invitation(session, counsellor, f"Personne {n}")
            actor = await accept_invitation(session, issued.token, 10_000 + n, "fr")
            assert isinstance(actor, BeneficiaryActor)
            for key in ("dossier_auto_bilan", "riasec_short"):
                run = await open_run(session, actor, key, 1)
                await submit_run(session, actor, run.id, result={"code": "SEA"})
            for days in (2, 5):
                task = await assign_task(
                    session,
                    counsellor,
                    actor.beneficiary_id,
                    "Démarche",
                    None,
                    utcnow().date() + timedelta(days=days),
                )
                if days == 2:
                    await complete_task(session, actor, task.id)
            planned = await schedule_session(
                session,
                counsellor,
                actor.beneficiary_id,
                utcnow() + timedelta(days=2, minutes=n * 90),
                60,
                SessionMode.PHONE,
                None,
            )
            await request_move(session, actor, planned.id)
            entry = await add_entry(session, actor, "Note")
            await set_shared(session, actor, entry.id, True)
    return info.id, start


async def measure(url: str, people: int, rounds: int) -> tuple[float, int, int]:
    db = Database(url)
    try:
        counsellor_id, since = await populate(db, people)
        timings = []
        changed = selects = 0
        for _ in range(rounds):
            with StatementCounter(db.engine) as counter:
                began = time.perf_counter()
                async with db.transaction() as session:
                    changes = await changes_since(session, SYSTEM, counsellor_id, since, utcnow())
                timings.append(time.perf_counter() - began)
            changed = len(changes)
            selects = counter.tally.selects
        return statistics.median(timings) * 1000, selects, changed
    finally:
        await db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    crypto.configure(crypto.generate_key())
    sizes = (10, 30) if args.quick else (10, 100, 200)
    kinds = ["sqlite"] + (["postgresql"] if args.postgres else [])
    rows = []
    figures: dict[str, object] = {}
    with Databases() as databases:
        for kind in kinds:
            for size in sizes:
                url = databases.url(kind, f"digest_{kind}_{size}")
                ms, queries, changed = asyncio.run(measure(url, size, 3 if args.quick else 5))
                rows.append([kind, str(size), str(changed), f"{ms:.1f}", str(queries)])
                figures[f"{kind}.{size}.ms"] = f"{ms:.1f}"
                figures[f"{kind}.{size}.queries"] = queries
    print_table(
        "Digest build (median of rounds)",
        ["database", "beneficiaries", "with changes", "build ms", "SELECT queries"],
        rows,
    )
    counts = {v for k, v in figures.items() if k.endswith(".queries")}
    figures["queries_flat"] = "yes" if len(counts) == 1 else "NO"
    print(figures_line("digest", figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
