"""Per-update cost of the bot against the floor: a bare python-telegram-bot echo bot.

    python -m benchmarks.per_update             # 20 people, ~2,000 updates, SQLite and PostgreSQL
    python -m benchmarks.per_update --quick     # ~200 updates, SQLite only, one round
    python -m benchmarks.per_update --profile   # and where the bot's CPU time goes (py-spy)

Twenty beneficiaries answer the dossier as fast as the bot replies (each
waits for the next question before answering it), through the stand-in Bot
API. The same people then send the same sequence of texts and button presses
to the echo bot, which answers each with the same Bot API calls as ours
(``sendMessage`` for a text; ``answerCallbackQuery`` + ``editMessageText``
for a press) and does nothing else; twice as python-telegram-bot ships it
(httpx): bare, and with the same ``AIORateLimiter(max_retries=3)`` as ours
(``bot.app``), a cost ours cannot avoid. For each: updates per second,
latency from the person's action to the bot's message in the stand-in's
log (p50, p99), and the CPU time of the bot's process (user + system, from
the OS) divided by the updates. The ratios of CPU per update, ours / bare
echo and ours / echo with the rate limiter, are the figures to watch
(target: ≤ 1.5× the echo with the rate limiter).

One run's CPU per update moves by up to a fifth between runs on a shared
machine, for the echo as much as for ours. So every bot runs three rounds
(``--rounds``), in turn, and the table gives the median round and the range.
In each round the echo with the rate limiter runs right after each of ours
(its row in the table is the median of those runs), and the ratio to watch
is the median over the rounds of ours over the echo runs beside it
(:func:`paired_ratio`), printed with each round's: two bots that ran a
minute apart share more of the machine's drift than two medians taken over
a run of twenty minutes.

Ours does not send through httpx but through aiohttp (``bot.kit.transport``),
which costs about a quarter of the CPU per request. So the echo with the
rate limiter runs once more on that transport: ours / that echo is what the
bot's own code costs, the transport left aside. A last echo run per
database is the floor of the bot's stack: that echo also runs, per update,
the four statements of a typed answer through the bot's own engine
(``benchmarks.echo_bot --database``). Its ratio to the same echo without
them is what four statements cost on SQLAlchemy's async session with
aiosqlite or asyncpg before any code of ours.

Then the SQL statements per update, per kind of update (a typed answer, a
button answer, an unexpected message), counted inside the real bot run in
this process: ``benchmarks.update_sql`` says how, and what is left out
(targets: ≤ 6 for a typed answer, ≤ 3 for an unexpected message). Figures
only: a target missed fails nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from gettext import ngettext
from pathlib import Path

from benchmarks import update_sql
from benchmarks.common import (
    BotUnderTest,
    Databases,
    LoadDriver,
    LoadResult,
    Population,
    Script,
    dossier_script,
    echo_bot,
    echo_script,
    error_replies,
    figures_line,
    our_bot,
    prepare_database,
    print_table,
    send,
    stand_in,
    users,
)
from storage import crypto
from tests.fakebotapi import FakeUser

USERS = 20
CPU_TARGET = 1.5  # CPU per update, ours / echo bot with the rate limiter
TRANSPORT = "aiohttp"  # the bot's own (bot.kit.transport)
UPDATES = 2_000
QUICK_UPDATES = 200
ROUNDS = 3
# Frames that contain the whole run: they would top every "including callees" list.
SKIP = {"main (cli.py)", "cmd_run (cli.py)"}
# Where a thread waits rather than works. py-spy's own idle detection does not see
# these as idle in every container, so samples that end in them are dropped.
IDLE_LEAVES = (
    "_connection_worker_thread ",  # aiosqlite's thread waiting for the next statement
    "EpollSelector.select ",  # the event loop waiting for I/O
    "Condition.wait ",
    "Event.wait ",
    "_worker ",  # an idle thread-pool worker
)


@dataclass
class Measured:
    """One bot under one load."""

    name: str
    load: LoadResult
    cpu_s: float
    rss_mb: float
    errors: int = 0
    cpu_range: tuple[float, float] | None = None
    """CPU ms per update, lowest and highest over the rounds (:func:`median_of`)."""

    @property
    def cpu_ms_per_update(self) -> float:
        return self.cpu_s * 1000 / self.load.updates if self.load.updates else float("nan")

    def row(self) -> list[str]:
        low, high = self.cpu_range or (self.cpu_ms_per_update, self.cpu_ms_per_update)
        return [
            self.name,
            str(self.load.updates),
            f"{self.load.rate:.0f}",
            f"{self.load.p50_ms:.1f}",
            f"{self.load.p99_ms:.1f}",
            f"{self.cpu_ms_per_update:.2f}",
            f"{low:.2f}–{high:.2f}",
            f"{self.rss_mb:.0f}",
            str(self.load.unanswered + self.errors),
        ]


def median_of(runs: Sequence[Measured]) -> Measured:
    """The round with the median CPU per update, carrying the range of all rounds.

    One run's CPU per update moves by a fifth from one run to the next on a
    shared machine, the reference (the echo with the rate limiter) as much as
    ours; the median of rounds run in turn moves less, and the range says how
    much it can be trusted.
    """
    ordered = sorted(runs, key=lambda m: m.cpu_ms_per_update)
    middle = ordered[(len(ordered) - 1) // 2]
    middle.cpu_range = (ordered[0].cpu_ms_per_update, ordered[-1].cpu_ms_per_update)
    return middle


def paired_ratio(ours: Measured, beside: Sequence[Measured]) -> float:
    """Ours' CPU per update over that of the echo runs just before and after it.

    The machine's speed drifts over minutes, for both bots alike; a ratio of
    runs side by side moves less than a ratio of medians taken over the
    whole run, whose bots ran minutes apart.
    """
    reference = statistics.mean(m.cpu_ms_per_update for m in beside)
    return ours.cpu_ms_per_update / reference


def measure(bot: BotUnderTest, driver: LoadDriver, scripts: dict[int, Script]) -> Measured:
    cpu_before = bot.cpu_seconds()
    load = driver.run(scripts)
    cpu = bot.cpu_seconds() - cpu_before
    return Measured("", load, cpu, bot.rss_mb())


def run_ours(
    backend: str, databases: Databases, updates: int, people: int, workdir: Path
) -> Measured:
    api = stand_in(people)
    try:
        key = crypto.generate_key()
        url = databases.url(backend, f"per_update_{backend}_{int(time.time())}")
        prepare_database(url, key, Population(active=people))
        bot = our_bot(api, url, key, workdir / f"ours-{backend}.log").start()
        try:
            bot.wait_polling(api)
            # Warm-up: first imports, first connections, instrument files read once.
            driver = LoadDriver(api)
            driver.run({u.chat_id: _warm_up(u, "/aide") for u in users(api, people)})
            budget = updates // people
            scripts = {u.chat_id: dossier_script(u, budget) for u in users(api, people)}
            measured = measure(bot, driver, scripts)
            measured.errors = error_replies(api)
        finally:
            bot.stop()
        measured.name = f"bilan-bot ({backend})"
        return measured
    finally:
        api.stop()


def run_echo(
    kinds: dict[int, list[str]],
    people: int,
    workdir: Path,
    rate_limiter: bool = False,
    database: str | None = None,
    transport: str = "httpx",
) -> Measured:
    api = stand_in(people)
    try:
        log = workdir / (
            f"echo{'-limiter' if rate_limiter else ''}{'-sql' if database else ''}-{transport}.log"
        )
        bot = echo_bot(api, log, rate_limiter, database, transport).start()
        try:
            bot.wait_polling(api)
            driver = LoadDriver(api)
            driver.run({u.chat_id: _warm_up(u, "bonjour") for u in users(api, people)})
            scripts = {
                u.chat_id: echo_script(u, kinds.get(u.chat_id, [])) for u in users(api, people)
            }
            measured = measure(bot, driver, scripts)
        finally:
            bot.stop()
        measured.name = "echo bot + AIORateLimiter" if rate_limiter else "echo bot (bare)"
        if transport != "httpx":
            measured.name = f"echo + limiter, {transport}" if rate_limiter else f"echo, {transport}"
        return measured
    finally:
        api.stop()


def run_floor(
    backend: str, databases: Databases, kinds: dict[int, list[str]], people: int, workdir: Path
) -> Measured:
    """The echo bot on our transport with the rate limiter and a typed answer's four
    statements per update on ``backend`` (``benchmarks.echo_bot --database``): the
    floor of the bot's stack."""
    url = databases.url(backend, f"per_update_floor_{backend}_{int(time.time())}")
    measured = run_echo(
        kinds, people, workdir, rate_limiter=True, database=url, transport=TRANSPORT
    )
    measured.name = f"echo + limiter, {TRANSPORT} + 4 SQL ({backend})"
    return measured


def _warm_up(user: FakeUser, text: str) -> Script:
    yield send(user, text)


def profile_ours(
    backend: str,
    updates: int,
    people: int,
    workdir: Path,
    top: int = 5,
    keep: Path | None = None,
) -> list[str]:
    """Run the load again on ``backend`` with py-spy sampling the bot; the lines of the report.

    ``keep``: also copy py-spy's raw samples there (one stack per line, for
    flame graph tools).
    """
    api = stand_in(people)
    out = workdir / f"profile-{backend}.txt"
    with Databases() as databases:
        key = crypto.generate_key()
        url = databases.url(backend, "profile")
        prepare_database(url, key, Population(active=people))
        bot = our_bot(api, url, key, workdir / "ours-profile.log").start()
        try:
            bot.wait_polling(api)
            driver = LoadDriver(api)
            driver.run({u.chat_id: _warm_up(u, "/aide") for u in users(api, people)})
            command = [str(Path(sys.executable).with_name("py-spy")), "record", "--format", "raw"]
            command += ["--rate", "200", "--threads", "--full-filenames"]
            command += ["--pid", str(bot.pid), "--output", str(out)]
            spy = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
            scripts = {u.chat_id: dossier_script(u, updates // people) for u in users(api, people)}
            driver.run(scripts)
            spy.send_signal(2)
            spy.wait(30)
        finally:
            bot.stop()
            api.stop()
    if not out.exists():
        return ["(py-spy wrote no profile: is ptrace allowed here?)"]
    if keep is not None:
        keep.write_text(out.read_text())
    return summarise_profile(out.read_text().splitlines(), top)


def _frame_name(frame: str) -> tuple[str, str]:
    """``"function (path/file.py:12)"`` → (``function (file.py)``, package group)."""
    name, _, where = frame.rpartition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker, group in (
        ("/bot/", "bot"),
        ("/storage/", "storage"),
        ("/dialogues/", "dialogues"),
        ("/sqlalchemy/", "sqlalchemy"),
        ("/telegram/", "python-telegram-bot"),
        ("/httpx/", "httpx"),
        ("/httpcore/", "httpx"),
        ("/aiosqlite/", "aiosqlite"),
        ("/asyncpg/", "asyncpg"),
        ("/cryptography/", "cryptography"),
        ("/babel/", "babel"),
        ("/asyncio/", "asyncio"),
        ("/logging/", "logging"),
        ("/json/", "json"),
    ):
        if marker in path:
            if group in ("bot", "storage", "dialogues") and "site-packages" in path:
                continue
            return f"{name} ({Path(path).name})", group
    return f"{name} ({Path(path).name})", "other"


def summarise_profile(lines: Sequence[str], top: int) -> list[str]:
    """Top functions by own time; our functions including callees; shares by package and thread.

    py-spy samples every thread: the event loop's ``MainThread`` and the worker
    threads (aiosqlite runs each SQLite call in its own thread). Samples that
    end in a wait (:data:`IDLE_LEAVES`) are left out.
    """
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        parts = stack.split(";")
        thread = "event loop (MainThread)" if "MainThread" in parts[0] else "worker threads"
        frames = [f for f in parts[1:] if " (" in f]
        if not frames or frames[-1].startswith(IDLE_LEAVES):
            continue
        total += count
        threads[thread] += count
        leaf, group = _frame_name(frames[-1])
        own[leaf] += count
        groups[group] += count
        seen: set[str] = set()
        for frame in frames:
            name, frame_group = _frame_name(frame)
            if frame_group in ("bot", "storage", "dialogues") and name not in seen | SKIP:
                seen.add(name)
                inclusive[name] += count
    if not total:
        return ["(empty profile)"]

    def share(counter: Counter[str], count: int) -> list[str]:
        return [f"  {n * 100 / total:5.1f} %  {name}" for name, n in counter.most_common(count)]

    return [
        f"samples: {total} (working, waits left out)",
        f"top {top} functions by own time:",
        *share(own, top),
        "our functions by time including what they call:",
        *share(inclusive, top * 2),
        "own time by package:",
        *share(groups, 20),
        "by thread:",
        *share(threads, 5),
    ]


def run(
    quick: bool = False,
    backends: Sequence[str] = ("sqlite", "postgresql"),
    profile: bool = False,
    updates: int | None = None,
    people: int = USERS,
    profile_raw: Path | None = None,
    rounds: int | None = None,
) -> dict[str, str]:
    """Run the comparison, print its table; the figures for the closing line.

    ``rounds``: how many times each bot runs, in turn (default 1 with ``quick``,
    :data:`ROUNDS` otherwise); the table gives each one's median round.
    """
    total = updates or (QUICK_UPDATES if quick else UPDATES)
    rounds = rounds or (1 if quick else ROUNDS)
    with Databases() as databases:
        workdir = databases.folder
        if not Databases.postgres_available():
            backends = [b for b in backends if b != "postgresql"]
        played: list[list[Measured]] = []
        references: list[Measured] = []
        paired: dict[str, list[float]] = {backend: [] for backend in backends}
        for number in range(1, rounds + 1):
            print(f"round {number} of {rounds}: {len(backends) * 3 + 2} bots", flush=True)
            ours: list[Measured] = []
            beside: list[Measured] = []
            for backend in backends:
                ours.append(run_ours(backend, databases, total, people, workdir))
                beside.append(run_echo(ours[0].load.kinds, people, workdir, rate_limiter=True))
            kinds = ours[0].load.kinds
            references += beside
            # Ours of index i ran between the echo runs i - 1 and i.
            for index, (measured, backend) in enumerate(zip(ours, backends, strict=True)):
                neighbours = beside[max(0, index - 1) : index + 1]
                paired[backend].append(paired_ratio(measured, neighbours))
            echoes = [
                run_echo(kinds, people, workdir),
                run_echo(kinds, people, workdir, rate_limiter=True, transport=TRANSPORT),
            ]
            floors = [run_floor(b, databases, kinds, people, workdir) for b in backends]
            played.append([*echoes, *floors, *ours])
        echo, same, *rest = [median_of(runs) for runs in zip(*played, strict=True)]
        floors, ours = rest[: len(backends)], rest[len(backends) :]
        limited = median_of(references)
        print_table(
            f"Per-update cost: {people} people answering the dossier, "
            f"~{total} updates each run, median of {rounds} "
            f"{ngettext('round', 'rounds', rounds)} (machine: {_cores()} cores)",
            [
                "bot",
                "updates",
                "updates/s",
                "p50 ms",
                "p99 ms",
                "CPU ms/update",
                "CPU range",
                "RSS MB",
                "misses",
            ],
            [m.row() for m in (echo, limited, same, *floors, *ours)],
        )
        figures: dict[str, str] = {
            "echo_cpu_ms": f"{echo.cpu_ms_per_update:.2f}",
            "echo_limiter_cpu_ms": f"{limited.cpu_ms_per_update:.2f}",
            f"echo_limiter_{TRANSPORT}_cpu_ms": f"{same.cpu_ms_per_update:.2f}",
        }
        for measured, floor, backend in zip(ours, floors, backends, strict=True):
            cpu_ratio = measured.cpu_ms_per_update / echo.cpu_ms_per_update
            ratios = paired[backend]  # in the order of the rounds
            limited_ratio = statistics.median(ratios)
            same_ratio = measured.cpu_ms_per_update / same.cpu_ms_per_update
            floor_ratio = floor.cpu_ms_per_update / same.cpu_ms_per_update
            rate_ratio = echo.load.rate / measured.load.rate if measured.load.rate else float("inf")
            print(
                f"CPU per update ({backend}): ours / bare echo {cpu_ratio:.2f}x, "
                f"ours / echo with rate limiter {limited_ratio:.2f}x (each round's ours over "
                f"the echo runs beside it, median of {len(ratios)} "
                f"{ngettext('round', 'rounds', len(ratios))}: "
                f"{', '.join(f'{r:.2f}x' for r in ratios)}; "
                f"target <= {CPU_TARGET}x echo with rate limiter); "
                f"throughput ours/bare echo {measured.load.rate / echo.load.rate:.2f}x "
                f"(echo is {rate_ratio:.2f}x faster)"
            )
            print(
                f"  on the bot's own transport ({TRANSPORT}): ours / echo with rate limiter "
                f"{same_ratio:.2f}x; floor ({backend}): that echo with a typed answer's 4 SQL "
                f"statements costs {floor_ratio:.2f}x it; "
                f"ours / that floor {measured.cpu_ms_per_update / floor.cpu_ms_per_update:.2f}x"
            )
            figures[f"{backend}_floor_cpu_ms"] = f"{floor.cpu_ms_per_update:.2f}"
            figures[f"{backend}_floor_ratio_limiter"] = f"{floor_ratio:.2f}x"
            figures[f"{backend}_cpu_ratio_limiter_{TRANSPORT}"] = f"{same_ratio:.2f}x"
            figures[f"{backend}_cpu_ms"] = f"{measured.cpu_ms_per_update:.2f}"
            figures[f"{backend}_cpu_ratio"] = f"{cpu_ratio:.2f}x"
            figures[f"{backend}_cpu_ratio_limiter"] = f"{limited_ratio:.2f}x"
            figures[f"{backend}_cpu_ratio_limiter_rounds"] = "/".join(f"{r:.2f}x" for r in ratios)
            figures[f"{backend}_rate"] = f"{measured.load.rate:.0f}/s"
            figures[f"{backend}_p99"] = f"{measured.load.p99_ms:.0f}ms"
        figures["echo_rate"] = f"{echo.load.rate:.0f}/s"
        figures.update(statements(databases, backends, quick))
        for backend in backends if profile else ():
            print(f"\nProfile of bilan-bot ({backend}) under the same load, py-spy:")
            raw = (
                profile_raw.with_suffix(f".{backend}{profile_raw.suffix}") if profile_raw else None
            )
            for line in profile_ours(backend, total, people, workdir, keep=raw):
                print(line)
    line = figures_line("per_update", figures)
    print(line)
    return figures


def statements(databases: Databases, backends: Sequence[str], quick: bool) -> dict[str, str]:
    """Count SQL statements per update on each database (``benchmarks.update_sql``); print them."""
    table: list[list[str]] = []
    details: list[str] = []
    figures: dict[str, str] = {}
    for backend in backends:
        found = update_sql.measure(databases, backend, quick)
        table += update_sql.rows(backend, found)
        details += [f"  {backend}: {line}" for line in update_sql.summary_lines(found)]
        figures.update(update_sql.figures(backend, found))
    print_table(
        "SQL statements per update, in the real bot in process (transaction control aside; "
        "tx: transactions begun; the outbox dispatcher and other background tasks left out)",
        update_sql.HEADER,
        table,
    )
    for line in details:
        print(line)
    return figures


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="~200 updates, SQLite only")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default=None)
    parser.add_argument("--updates", type=int, default=None)
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument(
        "--rounds", type=int, default=None, help=f"runs of each bot, in turn (default {ROUNDS})"
    )
    parser.add_argument("--profile", action="store_true", help="sample the bot with py-spy")
    parser.add_argument(
        "--profile-raw",
        type=Path,
        help="keep py-spy's raw samples: FILE.sqlite.txt, FILE.postgresql.txt",
    )
    args = parser.parse_args(argv)
    backend = args.backend or ("sqlite" if args.quick else "both")
    backends = ["sqlite", "postgresql"] if backend == "both" else [backend]
    run(
        args.quick,
        backends,
        args.profile or args.profile_raw is not None,
        args.updates,
        args.users,
        args.profile_raw,
        args.rounds,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
