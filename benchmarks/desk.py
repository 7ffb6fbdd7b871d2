"""The counsellor's desk: time to first byte and SQL statements of its two heaviest pages.

The caseload of a counsellor with 10 and 40 people (each with a submitted
dossier and interest inventory, tasks, a session asked to move, a shared
journal note), and the page of one person with a complete bilan (full
dossier, both inventories, job skills, portfolio, plan: the synthesis
persona of the tests). The app is the real one (``bot.desk.app``), reached
over ASGI in this process, so the figures are the server's own, without the
network; the statement count (every statement, counted with SQLAlchemy
events) must not grow with the number of people.

    python benchmarks/desk.py [--quick] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

import storage.schema  # noqa: F401
from benchmarks.common import Databases, StatementCounter, figures_line, print_table
from bot.desk.app import build_desk
from bot.desk.auth import session_key
from bot.desk.initdata import sign
from bot.desk.web import DeskConfig
from storage import crypto
from storage.actors import BeneficiaryActor, CounsellorActor, SystemActor
from storage.db import Database
from storage.journal import add_entry, set_shared
from storage.models import Base, utcnow
from storage.people import accept_invitation, add_counsellor, create_invitation
from storage.responses import open_run, submit_run
from storage.sessions import SessionMode, request_move, schedule_session
from storage.tasks import assign_task, complete_task
from tests.synthesis_persona import seed

SYSTEM = SystemActor("benchmark")
TOKEN = "123456789:benchmark-token"


async def populate(db: Database, people: int) -> tuple[CounsellorActor, int]:
    """``people`` beneficiaries with a history, and one more with a complete bilan."""
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with db.transaction() as session:
        info = await add_counsellor(session, SYSTEM, 111, "Claire Martin")
    counsellor = CounsellorActor(info.id, 111, "fr", "Europe/Paris")
    for n in range(people - 1):
        async with db.transaction() as session:
            issued = await create_invitation(session, counsellor, f"Personne {n}")
            actor = await accept_invitation(session, issued.token, 10_000 + n, "fr")
            assert isinstance(actor, BeneficiaryActor)
            for key in ("dossier_auto_bilan", "riasec_short"):
                run = await open_run(session, actor, key, 1)
                await submit_run(session, actor, run.id, result={"code": "SEA"})
            for days in (2, 5):
                task = await assign_task(
                    session, counsellor, actor.beneficiary_id, "Démarche", None,
                    utcnow().date() + timedelta(days=days),
                )  # fmt: skip
                if days == 2:
                    await complete_task(session, actor, task.id)
            planned = await schedule_session(
                session, counsellor, actor.beneficiary_id,
                utcnow() + timedelta(days=2, minutes=n * 90), 60, SessionMode.PHONE, None,
            )  # fmt: skip
            await request_move(session, actor, planned.id)
            entry = await add_entry(session, actor, "Note")
            await set_shared(session, actor, entry.id, True)
    async with db.transaction() as session:
        issued = await create_invitation(session, counsellor, "Sophie Marchand")
        sophie = await accept_invitation(session, issued.token, 5101, "fr")
    assert isinstance(sophie, BeneficiaryActor)
    await seed(db, sophie, counsellor, datetime.now(UTC).date())
    return counsellor, sophie.beneficiary_id


async def timed(
    client: httpx.AsyncClient, path: str, counter: StatementCounter
) -> tuple[float, int, int]:
    """Milliseconds to the first byte of the body, statements run, bytes of the page."""
    before = len(counter.tally.statements)
    began = time.perf_counter()
    async with client.stream("GET", path) as response:
        chunks = response.aiter_bytes()
        first = await anext(chunks)
        ttfb = time.perf_counter() - began
        size = len(first) + sum([len(chunk) async for chunk in chunks])
        assert response.status_code == 200, path
    return ttfb * 1000, len(counter.tally.statements) - before, size


async def measure(url: str, people: int, rounds: int) -> dict[str, tuple[float, int, int]]:
    db = Database(url)
    try:
        _counsellor, full = await populate(db, people)
        app = build_desk(db, DeskConfig(TOKEN, session_key(TOKEN)))
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        counter = StatementCounter(db.engine)
        with counter:
            async with httpx.AsyncClient(
                transport=transport, base_url="https://desk.bench"
            ) as client:
                user = '{"id": 111, "first_name": "Claire"}'
                init = sign({"user": user, "auth_date": str(int(time.time()))}, TOKEN)
                signed = await client.post("/auth/telegram", json={"init_data": init})
                assert signed.status_code == 200
                results: dict[str, list[tuple[float, int, int]]] = {"caseload": [], "person": []}
                for _ in range(rounds):
                    for name, path in (("caseload", "/caseload"), ("person", f"/people/{full}")):
                        results[name].append(await timed(client, path, counter))
        return {
            name: (
                statistics.median(r[0] for r in runs),
                max(r[1] for r in runs),
                max(r[2] for r in runs),
            )
            for name, runs in results.items()
        }
    finally:
        await db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    crypto.configure(crypto.generate_key())
    sizes = (3, 10) if args.quick else (10, 40)
    kinds = ["sqlite"] + (["postgresql"] if args.postgres else [])
    rows = []
    figures: dict[str, object] = {}
    with Databases() as databases:
        for kind in kinds:
            for size in sizes:
                url = databases.url(kind, f"desk_{kind}_{size}")
                found = asyncio.run(measure(url, size, 2 if args.quick else 10))
                for page, (ms, statements, size_bytes) in found.items():
                    rows.append(
                        [
                            kind,
                            str(size),
                            page,
                            f"{ms:.1f}",
                            str(statements),
                            f"{size_bytes // 1024}",
                        ]
                    )
                    figures[f"{kind}.{size}.{page}.ms"] = f"{ms:.1f}"
                    figures[f"{kind}.{size}.{page}.statements"] = statements
    print_table(
        "Desk pages (median time to first byte; statements per page)",
        ["database", "people", "page", "TTFB ms", "SQL statements", "KiB"],
        rows,
    )
    for page in ("caseload", "person"):
        # Flat: the same count at 10 and 40 people, on each database.
        flat = all(
            len(
                {
                    v
                    for k, v in figures.items()
                    if k.startswith(kind) and k.endswith(f".{page}.statements")
                }
            )
            == 1
            for kind in kinds
        )
        figures[f"{page}_statements_flat"] = "yes" if flat else "NO"
    print(figures_line("desk", figures))
    return 0 if all(v != "NO" for v in figures.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
