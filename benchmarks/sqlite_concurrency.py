"""SQLite under concurrency: fifty beneficiaries answering at once, and a second writer.

    python -m benchmarks.sqlite_concurrency            # 60 s
    python -m benchmarks.sqlite_concurrency --quick    # 10 s

Fifty beneficiaries answer the dossier as fast as the bot replies for a
minute; those who reach the end send it, which queues the counsellor's
notice for the outbox dispatcher (another writer inside the bot). Meanwhile
an administrator's process writes to the same database file — an
invitation every 100 ms, through the same storage functions as ``bilan-bot
invite`` — the cross-process case that SQLite's locking has to get right.

Figures: "database is locked" and other database errors (in the bot's log,
in the replies people saw, and in the second writer), updates that got no
answer, throughput, and latency from action to reply (p50, p99). Target:
no error at all.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError

from benchmarks.common import (
    COUNSELLOR_TID,
    Databases,
    LoadDriver,
    Population,
    dossier_script,
    error_replies,
    figures_line,
    log_errors,
    our_bot,
    prepare_database,
    print_table,
    stand_in,
    users,
)
from storage import crypto
from storage.actors import SystemActor
from storage.db import Database
from storage.people import create_invitation

PEOPLE = 50
SECONDS = 60.0
QUICK_SECONDS = 10.0
WRITER_INTERVAL_S = 0.1


@dataclass
class SecondWriter:
    """Another process's writes to the same file: invitations, as the CLI creates them."""

    url: str
    writes: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    slowest_s: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    async def _run(self) -> None:
        db = Database(self.url)
        admin = SystemActor("benchmark")
        try:
            while not self._stop.is_set():
                began = time.monotonic()
                try:
                    async with db.transaction() as session:
                        await create_invitation(
                            session, admin, "Invitée", counsellor_telegram_id=COUNSELLOR_TID
                        )
                    self.writes += 1
                except OperationalError as exc:
                    locked = "database is locked" in str(exc)
                    self.errors["database is locked" if locked else "OperationalError"] += 1
                self.slowest_s = max(self.slowest_s, time.monotonic() - began)
                await asyncio.sleep(WRITER_INTERVAL_S)
        finally:
            await db.dispose()


def run(quick: bool = False, seconds: float | None = None) -> dict[str, str]:
    duration = seconds or (QUICK_SECONDS if quick else SECONDS)
    api = stand_in(PEOPLE)
    with Databases() as databases:
        try:
            key = crypto.generate_key()
            url = databases.url("sqlite", "concurrency")
            prepare_database(url, key, Population(active=PEOPLE))
            bot = our_bot(api, url, key, databases.folder / "concurrency.log").start()
            writer = SecondWriter(url)
            try:
                bot.wait_polling(api)
                writer.start()
                scripts = {u.chat_id: dossier_script(u, None) for u in users(api, PEOPLE)}
                load = LoadDriver(api).run(scripts, until=time.monotonic() + duration)
            finally:
                writer.stop()
                bot.stop()
            errors = log_errors(bot.log())
            replies = error_replies(api)
        finally:
            api.stop()
    locked = errors["database is locked"] + writer.errors["database is locked"]
    database_errors = errors["OperationalError"] + sum(writer.errors.values())
    print_table(
        f"SQLite under concurrency: {PEOPLE} people answering for {duration:.0f} s, "
        f"and a second process writing every {WRITER_INTERVAL_S * 1000:.0f} ms",
        ["figure", "value"],
        [
            ["updates answered", str(load.updates)],
            ["updates/s", f"{load.rate:.1f}"],
            ["latency p50 / p99", f"{load.p50_ms:.0f} ms / {load.p99_ms:.0f} ms"],
            ["updates with no answer", str(load.unanswered)],
            ['"database is locked" (bot log + second writer)', str(locked)],
            ["other database errors", str(database_errors)],
            [
                "errors while handling an update (bot log)",
                str(errors["error while handling update"]),
            ],
            ["ERROR lines in the bot log", str(errors["ERROR lines"])],
            ['"something went wrong" replies', str(replies)],
            [
                "second writer: writes, slowest",
                f"{writer.writes}, {writer.slowest_s * 1000:.0f} ms",
            ],
        ],
    )
    figures = {
        "locked": str(locked),
        "db_errors": str(database_errors),
        "unanswered": str(load.unanswered),
        "p50": f"{load.p50_ms:.0f}ms",
        "p99": f"{load.p99_ms:.0f}ms",
        "rate": f"{load.rate:.1f}/s",
    }
    print(figures_line("sqlite_concurrency", figures))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s instead of 60 s")
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args(argv)
    figures = run(args.quick, args.seconds)
    return 0 if figures["locked"] == "0" and figures["db_errors"] == "0" else 1


if __name__ == "__main__":
    raise SystemExit(main())
