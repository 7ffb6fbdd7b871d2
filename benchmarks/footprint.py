"""Footprint: start-up time and resident memory of the bot with 10,000 beneficiaries stored.

    python -m benchmarks.footprint             # SQLite and PostgreSQL, 3 starts, 2,000 updates
    python -m benchmarks.footprint --quick     # SQLite, 1 start, 100 updates

The database holds 10,000 consenting beneficiaries spread over 50
counsellors (names encrypted, as the bot stores them), inserted in bulk
before the bot starts. Start-up is the time from starting ``bilan-bot run``
to its first ``getUpdates`` at the stand-in (imports, settings, migration
check, key check, ``setMyCommands`` for both languages and for each
counsellor, the dispatcher started) — target ≤ 1.5 s. Resident memory (RSS,
from the OS) is read after start-up and after 2,000 updates of twenty
people answering the dossier — target ≤ 150 MB; the peak (``VmHWM``) too.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from benchmarks.common import (
    Databases,
    LoadDriver,
    Population,
    dossier_script,
    figures_line,
    our_bot,
    prepare_database,
    print_table,
    stand_in,
    users,
)
from storage import crypto

BENEFICIARIES = 10_000
COUNSELLORS = 50
PEOPLE = 20
UPDATES = 2_000
QUICK_UPDATES = 100
STARTUP_TARGET_S = 1.5
RSS_TARGET_MB = 150.0


@dataclass
class Footprint:
    backend: str
    startups: list[float]
    rss_started_mb: float
    rss_after_mb: float
    peak_mb: float
    updates: int

    @property
    def startup_s(self) -> float:
        return statistics.median(self.startups)


def peak_rss_mb(pid: int) -> float:
    """The process's high-water mark of resident memory (Linux ``VmHWM``)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float(psutil.Process(pid).memory_info().rss) / (1024 * 1024)


def measure(backend: str, databases: Databases, starts: int, updates: int) -> Footprint:
    api = stand_in(PEOPLE, counsellors=COUNSELLORS)
    try:
        key = crypto.generate_key()
        url = databases.url(backend, f"footprint_{backend}_{int(time.time())}")
        prepare_database(
            url,
            key,
            Population(active=PEOPLE, filler=BENEFICIARIES - PEOPLE, counsellors=COUNSELLORS),
        )
        log = databases.folder / f"footprint-{backend}.log"
        startups: list[float] = []
        for attempt in range(starts):
            bot = our_bot(api, url, key, log).start()
            startups.append(bot.wait_polling(api))
            if attempt < starts - 1:
                bot.stop()
        try:
            rss_started = bot.rss_mb()
            scripts = {u.chat_id: dossier_script(u, updates // PEOPLE) for u in users(api, PEOPLE)}
            load = LoadDriver(api).run(scripts)
            rss_after = bot.rss_mb()
            peak = peak_rss_mb(bot.pid)
        finally:
            bot.stop()
        return Footprint(backend, startups, rss_started, rss_after, peak, load.updates)
    finally:
        api.stop()


def run(quick: bool = False, backends: Sequence[str] = ("sqlite", "postgresql")) -> dict[str, str]:
    starts = 1 if quick else 3
    updates = QUICK_UPDATES if quick else UPDATES
    with Databases() as databases:
        if not Databases.postgres_available():
            backends = [b for b in backends if b != "postgresql"]
        results = [measure(b, databases, starts, updates) for b in backends]
    print_table(
        f"Footprint: {BENEFICIARIES:,} beneficiaries and {COUNSELLORS} counsellors stored, "
        f"{PEOPLE} people answering",
        ["backend", "start-up s", "starts", "RSS started MB", "updates", "RSS after MB", "peak MB"],
        [
            [
                r.backend,
                f"{r.startup_s:.2f}",
                " / ".join(f"{s:.2f}" for s in r.startups),
                f"{r.rss_started_mb:.0f}",
                str(r.updates),
                f"{r.rss_after_mb:.0f}",
                f"{r.peak_mb:.0f}",
            ]
            for r in results
        ],
    )
    print(f"targets: start-up <= {STARTUP_TARGET_S} s, RSS after updates <= {RSS_TARGET_MB:.0f} MB")
    figures: dict[str, str] = {}
    for r in results:
        figures[f"{r.backend}_startup"] = f"{r.startup_s:.2f}s"
        figures[f"{r.backend}_rss"] = f"{r.rss_after_mb:.0f}MB"
    print(figures_line("footprint", figures))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="SQLite, one start, 100 updates")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default=None)
    args = parser.parse_args(argv)
    backend = args.backend or ("sqlite" if args.quick else "both")
    run(args.quick, ["sqlite", "postgresql"] if backend == "both" else [backend])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
