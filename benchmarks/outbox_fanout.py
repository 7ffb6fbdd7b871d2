"""Fan-out through the outbox: 10,000 due rows against a rate-limited stand-in Bot API.

    python benchmarks/outbox_fanout.py              # 10,000 rows, 20 ms per call, 30 msg/s
    python benchmarks/outbox_fanout.py --quick      # 300 rows, for CI
    python benchmarks/outbox_fanout.py --backend postgresql   # a throw-away local server

The stand-in Bot API (``tests.fakebotapi``) answers every call after
``--latency-ms`` and answers 429 to any send beyond ``--limit`` a second
overall or one a second to one chat, counted over a sliding second, as
Telegram does. The dispatcher runs as in production: the Application's kind
of bot (``ExtBot`` with ``AIORateLimiter``), its default pace, the real clock;
quiet hours are switched off so that the figures do not depend on the time
of day.

Figures:

- sustained rate: sends accepted per second between the first and the last
  (target ≥ 28.5/s, i.e. 95 % of the limit);
- 429s provoked (target 0), duplicates and losses (targets 0 and 0), counted
  on what the stand-in received, message by message;
- time from due to sent, median and 99th percentile, counted from the
  dispatcher's start for rows already due then. Every row is due at the
  start, so these measure the queue draining at the limit: the last row
  waits about rows / rate seconds. ``--spread-s`` makes rows fall due over
  that many seconds instead, to measure how soon a row goes once it is due.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from telegram.ext import AIORateLimiter, ExtBot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

import storage.schema  # noqa: E402, F401
from bot.dispatcher import Dispatcher, DispatcherConfig, QuietHours  # noqa: E402
from bot.outbox_kinds import notice_payload  # noqa: E402
from storage import crypto, outbox  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Base, Beneficiary, BeneficiaryStatus, Counsellor, utcnow  # noqa: E402
from storage.outbox import OutboxMessage, OutboxStatus, Recipient  # noqa: E402
from tests.fakebotapi import FakeBotApi  # noqa: E402

COUNSELLOR_TID = 5_000
FIRST_TID = 100_000


# ---------------------------------------------------------------------------
# The stand-in, in its own process: in the benchmark's process its thread
# would compete with the dispatcher for the interpreter lock and bunch up
# the arrival times it rate-limits on.
# ---------------------------------------------------------------------------


def serve(latency_ms: float, limit: float, users: int) -> None:
    """``--serve``: run the stand-in; on a line on stdin, dump its sendMessage calls."""
    with FakeBotApi() as api:
        for i in range(users):
            api.user(FIRST_TID + i, "Personne")
        api.latency_s = latency_ms / 1000
        api.set_rate_limit(per_second=limit, per_chat_per_second=1)
        print(json.dumps({"base_url": api.base_url, "token": api.token}), flush=True)
        sys.stdin.readline()
        calls = [
            {"at": c.at, "status": c.status, "chat_id": c.chat_id, "text": c.params.get("text")}
            for c in api.calls("sendMessage")
        ]
        print(json.dumps(calls), flush=True)


@dataclass
class SentCall:
    at: float
    status: int | None
    chat_id: int | None
    text: str | None


class StandIn:
    def __init__(self, latency_ms: float, limit: float, users: int) -> None:
        command = [
            sys.executable, __file__, "--serve", "--latency-ms", str(latency_ms),
            "--limit", str(limit), "--recipients", str(users),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.process.stdout is not None
        ready = json.loads(self.process.stdout.readline())
        self.base_url: str = ready["base_url"]
        self.token: str = ready["token"]

    def calls(self) -> list[SentCall]:
        """Stop the stand-in and return every sendMessage it received."""
        out, _ = self.process.communicate("dump\n", timeout=120)
        return [SentCall(**c) for c in json.loads(out.strip().splitlines()[-1])]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="300 rows (CI)")
    parser.add_argument("--recipients", type=int, default=2_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--limit", type=float, default=30.0, help="sends/s the stand-in allows")
    parser.add_argument("--spread-s", type=float, default=0.0, help="rows fall due over this time")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--timeout-s", type=float, default=1_800.0)
    parser.add_argument("--dump-calls", help="write the stand-in's sendMessage calls (JSON)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return parser


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def _populate(db: Database, rows: int, recipients: int, spread_s: float) -> dict[str, int]:
    """People, then ``rows`` notices round-robin over them; returns text → chat id."""
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    start = utcnow()
    expected: dict[str, int] = {}
    async with db.transaction() as session:
        counsellor = Counsellor(telegram_id=COUNSELLOR_TID, name="Claire Martin")
        session.add(counsellor)
        await session.flush()
        people = [
            Beneficiary(
                counsellor_id=counsellor.id,
                telegram_id=FIRST_TID + i,
                name=f"Personne {i}",
                status=BeneficiaryStatus.ACTIVE,
                consent_at=start,
            )
            for i in range(recipients)
        ]
        session.add_all(people)
        await session.flush()
        ids = [(p.id, FIRST_TID + i) for i, p in enumerate(people)]
    async with db.transaction() as session:
        for n in range(rows):
            beneficiary_id, chat_id = ids[n % recipients]
            key = f"fanout:{n}"
            due = start + timedelta(seconds=spread_s * n / max(rows, 1))
            await outbox.enqueue(
                session,
                kind="notice",
                recipient=Recipient.beneficiary(beneficiary_id),
                due_at=due,
                dedupe_key=key,
                payload=notice_payload("Message {key}", key=key),
                now=start,
            )
            expected[f"Message {key}"] = chat_id
    return expected


async def _run(args: argparse.Namespace, db_url: str) -> int:
    rows = 300 if args.quick else args.rows
    recipients = min(args.recipients, rows)
    crypto.configure(crypto.generate_key())
    db = Database(db_url)
    cpu_started = time.process_time()
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    expected = await _populate(db, rows, recipients, args.spread_s)
    enqueue_s = time.monotonic() - started
    stand_in = StandIn(args.latency_ms, args.limit, recipients)
    request = HTTPXRequest(connection_pool_size=64, read_timeout=10.0)
    async with ExtBot(
        stand_in.token,
        base_url=stand_in.base_url,
        request=request,
        rate_limiter=AIORateLimiter(max_retries=3),
    ) as bot:
        dispatcher = Dispatcher(
            bot, db, config=DispatcherConfig(quiet_hours=QuietHours.parse("off"))
        )
        dispatching_since = utcnow()
        dispatcher.start()
        deadline = time.monotonic() + args.timeout_s
        counts: dict[OutboxStatus, int] = {}
        while time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            async with db.transaction() as session:
                counts = await outbox.count_by_status(session)
            if counts.get(OutboxStatus.SENT, 0) + counts.get(OutboxStatus.FAILED, 0) >= rows:
                break
        await dispatcher.stop()
    cpu_s = time.process_time() - cpu_started
    load_after = os.getloadavg()[0]
    calls = stand_in.calls()
    if args.dump_calls:
        Path(args.dump_calls).write_text(json.dumps([vars(c) for c in calls]))

    async with db.transaction() as session:
        timings = (
            await session.execute(
                select(OutboxMessage.due_at, OutboxMessage.sent_at).where(
                    OutboxMessage.status == OutboxStatus.SENT
                )
            )
        ).all()
    accepted = sorted(c.at for c in calls if c.status == 200)
    provoked_429 = sum(1 for c in calls if c.status == 429)
    received: Counter[str] = Counter()
    misdirected = 0
    for call in calls:
        if call.status == 200 and call.text is not None:
            received[call.text] += 1
            if expected.get(call.text) != call.chat_id:
                misdirected += 1
    await db.dispose()

    duplicates = sum(n - 1 for n in received.values() if n > 1)
    losses = sum(1 for text in expected if received[text] == 0)
    span = accepted[-1] - accepted[0] if len(accepted) > 1 else 0.0
    rate = (len(accepted) - 1) / span if span > 0 else 0.0
    # From when each row could first go: its due time, or the dispatcher's
    # start for rows that fell due while the benchmark was still enqueueing.
    waits = [
        (sent - max(due, dispatching_since)).total_seconds()
        for due, sent in timings
        if sent is not None
    ]
    p50 = statistics.median(waits) if waits else float("nan")
    p99 = _percentile(waits, 0.99) if waits else float("nan")
    stats = dispatcher.stats

    table = [
        ("backend", args.backend),
        ("rows", f"{rows} to {recipients} chats"),
        ("stand-in", f"{args.latency_ms:g} ms per call, {args.limit:g} msg/s, 1 msg/s per chat"),
        ("enqueue", f"{enqueue_s:.1f} s ({rows / enqueue_s:.0f} rows/s, one transaction)"),
        ("sent", f"{len(accepted)} in {span:.1f} s"),
        ("sustained rate", f"{rate:.2f} msg/s (target >= 28.5)"),
        ("429 provoked", f"{provoked_429} (target 0)"),
        ("duplicates", f"{duplicates} (target 0)"),
        ("losses", f"{losses} (target 0)"),
        ("misdirected", str(misdirected)),
        ("due -> sent", f"median {p50:.1f} s, p99 {p99:.1f} s"),
        ("machine", f"{os.cpu_count()} CPUs, load average {load_before:.1f} -> {load_after:.1f}"),
        ("process CPU", f"{cpu_s:.0f} s for {rows} rows ({1000 * cpu_s / rows:.1f} ms a row)"),
        (
            "dispatcher",
            f"claimed {stats.claimed}, deferred {stats.deferred}, retried {stats.retried}, "
            f"rate-limited {stats.rate_limited}, failed {stats.failed}",
        ),
        ("final states", ", ".join(f"{k.value} {v}" for k, v in sorted(counts.items()))),
    ]
    width = max(len(name) for name, _ in table)
    for name, value in table:
        print(f"{name.ljust(width)}  {value}")
    print(
        f"outbox_fanout backend={args.backend} rows={rows} rate={rate:.2f}/s "
        f"429={provoked_429} duplicates={duplicates} losses={losses} "
        f"due_to_sent_p50={p50:.1f}s p99={p99:.1f}s"
    )
    ok = duplicates == 0 and losses == 0 and provoked_429 == 0 and misdirected == 0
    return 0 if ok else 1


def main() -> int:
    args = _parser().parse_args()
    if args.serve:
        serve(args.latency_ms, args.limit, args.recipients)
        return 0
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bilan-fanout-") as folder:
            return asyncio.run(_run(args, f"sqlite+aiosqlite:///{folder}/fanout.db"))
    import asyncpg

    from tests.pgserver import PostgresServer, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        print("PostgreSQL binaries not found (apt-get install postgresql)", file=sys.stderr)
        return 2
    server = PostgresServer(bin_dir)
    server.start()
    try:

        async def create() -> None:
            connection = await asyncpg.connect(server.plain_dsn())
            await connection.execute('CREATE DATABASE "fanout"')
            await connection.close()

        asyncio.run(create())
        return asyncio.run(_run(args, server.url("fanout")))
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
