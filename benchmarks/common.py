"""What the benchmarks share: databases, bot processes, scripted users, tables.

The bot always runs as a separate process (``bilan-bot run``, exactly as in
production) against the stand-in Bot API server of the tests, which lives in
this process together with the scripted users. The figures that matter for
the bot — CPU time, resident memory — are read from the operating system
for the bot's process only, so the stand-in's own work never counts against
the bot; latencies are read from the stand-in's event log (when the bot's
message arrived) against the moment the scripted user acted.

Scripted users are generators (:data:`Script`): each ``yield`` is one
action (one Telegram update) and what the reply to wait for looks like; the
reply is sent back into the generator. One thread (:class:`LoadDriver`)
drives any number of them, so that twenty or fifty people "type" in
parallel without twenty or fifty threads waking on every change.

The benchmarks that count SQL statements (per update, per desk page, per
digest) count them the same way: :class:`StatementCounter`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import psutil  # type: ignore[import-untyped]
from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import crypto, migrate
from storage.db import Database
from storage.models import Beneficiary, BeneficiaryStatus, Counsellor, utcnow
from tests.e2e.answering import (
    BOUNDS,
    answer_buttons,
    buttons,
    is_question,
    question_of,
    typed_answer,
)
from tests.fakebotapi import Action, BotMessage, FakeBotApi, FakeUser, MessageEvent
from tests.pgserver import PostgresServer, find_bin_dir

ROOT = Path(__file__).resolve().parent.parent
BILAN_BOT = Path(sys.executable).with_name("bilan-bot")
TOKEN = "123456789:BENCH-token-for-the-stand-in-server"
COUNSELLOR_TID = 111
FIRST_USER_TID = 200_000
FILLER_TID = 50_000_000
ERROR_REPLY = "quelque chose s'est mal passé"


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` fall (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain aligned table: readable in a terminal and in a CI log."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def figures_line(name: str, figures: Mapping[str, object]) -> str:
    return name + " " + " ".join(f"{key}={value}" for key, value in figures.items())


# ---------------------------------------------------------------------------
# SQL statements
# ---------------------------------------------------------------------------


@dataclass
class Tally:
    """The SQL one piece of work sent: each statement's text, and the transactions it began."""

    statements: list[str] = field(default_factory=list)
    transactions: int = 0

    @property
    def sql(self) -> int:
        """Statements other than transaction control, comparable across databases.

        On SQLite the bot begins each transaction with its own ``BEGIN
        IMMEDIATE``, sent to the driver directly (``storage.db``), and asyncpg
        begins without a statement: neither reaches the cursor events, both
        are in :attr:`transactions`.
        """
        return sum(1 for text in self.statements if not is_transaction_control(text))

    @property
    def selects(self) -> int:
        return sum(1 for text in self.statements if text.lstrip().upper().startswith("SELECT"))

    def copy(self) -> Tally:
        return Tally(list(self.statements), self.transactions)


def is_transaction_control(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT"))


class StatementCounter:
    """Counts what an engine sends to its database, from ``with`` to the block's end.

    SQLAlchemy events on the engine: ``before_cursor_execute`` sees every
    statement sent through SQLAlchemy (an ``executemany`` is one), ``begin``
    every transaction begun. By default all of it goes to :attr:`tally`;
    ``tally_for`` picks the tally per statement instead (``None``: not
    counted), e.g. from a context variable set around one update's handling,
    so that background tasks sharing the engine are left out.
    """

    def __init__(
        self, engine: AsyncEngine, tally_for: Callable[[], Tally | None] | None = None
    ) -> None:
        self.engine = engine.sync_engine
        self.tally = Tally()
        self._tally_for = tally_for or (lambda: self.tally)

    def _on_statement(self, *args: Any) -> None:
        tally = self._tally_for()
        if tally is not None:
            tally.statements.append(str(args[2]))

    def _on_begin(self, *args: Any) -> None:
        tally = self._tally_for()
        if tally is not None:
            tally.transactions += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._on_statement)
        event.listen(self.engine, "begin", self._on_begin)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_statement)
        event.remove(self.engine, "begin", self._on_begin)


# ---------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------


class Databases:
    """Fresh databases of each kind for one run; PostgreSQL starts on first use."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bilan-bench-"))
        self._postgres: PostgresServer | None = None

    @staticmethod
    def postgres_available() -> bool:
        return find_bin_dir() is not None

    def url(self, kind: str, name: str) -> str:
        if kind == "sqlite":
            return f"sqlite+aiosqlite:///{self.folder / name}.db"
        if self._postgres is None:
            bin_dir = find_bin_dir()
            if bin_dir is None:
                raise RuntimeError("PostgreSQL binaries not found (apt-get install postgresql)")
            self._postgres = PostgresServer(bin_dir)
            self._postgres.start()
        server = self._postgres

        async def create() -> None:
            connection = await asyncpg.connect(server.plain_dsn())
            try:
                await connection.execute(f'CREATE DATABASE "{name}"')
            finally:
                await connection.close()

        asyncio.run(create())
        return server.url(name)

    def close(self) -> None:
        if self._postgres is not None:
            self._postgres.stop()
            self._postgres = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Databases:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True)
class Population:
    """Who is in the database: the active people the script drives, and the rest."""

    active: int
    filler: int = 0
    counsellors: int = 1


def prepare_database(url: str, key: str, population: Population) -> None:
    """Migrate, then insert people in bulk (the way years of use would leave them).

    The driven people are consenting beneficiaries of the first counsellor,
    Telegram ids from :data:`FIRST_USER_TID`; the filler is spread over all
    counsellors. Names are encrypted like any others.
    """
    migrate.upgrade(url)
    crypto.configure(key)
    asyncio.run(_seed(url, population))


async def _seed(url: str, population: Population) -> None:
    db = Database(url)
    now = utcnow()
    try:
        async with db.transaction() as session:
            counsellors = [
                Counsellor(telegram_id=COUNSELLOR_TID + n, name=f"Conseillère {n}")
                for n in range(population.counsellors)
            ]
            session.add_all(counsellors)
            await session.flush()
            rows = [
                {
                    "counsellor_id": counsellors[0].id,
                    "telegram_id": FIRST_USER_TID + n,
                    "name": f"Personne {n}",
                    "status": BeneficiaryStatus.ACTIVE,
                    "consent_at": now,
                    "last_activity_at": now,
                }
                for n in range(population.active)
            ]
            rows += [
                {
                    "counsellor_id": counsellors[n % len(counsellors)].id,
                    "telegram_id": FILLER_TID + n,
                    "name": f"Bénéficiaire {n}",
                    "status": BeneficiaryStatus.ACTIVE,
                    "consent_at": now,
                    "last_activity_at": now,
                }
                for n in range(population.filler)
            ]
            for start in range(0, len(rows), 2_000):
                await session.execute(insert(Beneficiary), rows[start : start + 2_000])
    finally:
        await db.dispose()


# ---------------------------------------------------------------------------
# Bot processes
# ---------------------------------------------------------------------------


class BotUnderTest:
    """A bot process (ours or the echo bot), measured from the outside."""

    def __init__(self, command: Sequence[str], env: Mapping[str, str], log_path: Path) -> None:
        self.command = list(command)
        self.env = dict(env)
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> BotUnderTest:
        log = self.log_path.open("ab")
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        return self

    def wait_polling(self, api: FakeBotApi, timeout: float = 60) -> float:
        """Block until the bot's first getUpdates; seconds from process start to it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = [c for c in api.calls("getUpdates") if c.at >= self.started_at]
            if calls:
                return calls[0].at - self.started_at
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.01)
        raise RuntimeError(f"the bot did not start polling:\n{self.log()[-3000:]}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the bot process (all its threads) so far."""
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)

    def rss_mb(self) -> float:
        return float(psutil.Process(self.pid).memory_info().rss) / (1024 * 1024)

    def stop(self, timeout: float = 20) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def bot_environment(api: FakeBotApi, database_url: str, key: str) -> dict[str, str]:
    """The settings of ``bilan-bot run`` against the stand-in, logging as in production."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "DATABASE_URL": database_url,
            "ENCRYPTION_KEY": key,
            "LOG_LEVEL": "INFO",
            "QUIET_HOURS": "off",
        }
    )
    return env


def our_bot(api: FakeBotApi, database_url: str, key: str, log_path: Path) -> BotUnderTest:
    return BotUnderTest([str(BILAN_BOT), "run"], bot_environment(api, database_url, key), log_path)


def echo_bot(
    api: FakeBotApi,
    log_path: Path,
    rate_limiter: bool = False,
    database: str | None = None,
    transport: str = "httpx",
) -> BotUnderTest:
    """The echo bot; ``rate_limiter``: with the same ``AIORateLimiter`` as ours;
    ``database``: also a typed answer's four statements there, per update;
    ``transport``: ``"aiohttp"`` for ours (``bot.kit.transport``), else PTB's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update({"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url})
    command = [sys.executable, "-m", "benchmarks.echo_bot"]
    command += ["--rate-limiter"] if rate_limiter else []
    command += ["--database", database] if database is not None else []
    command += ["--transport", transport]
    return BotUnderTest(command, env, log_path)


def stand_in(active: int, counsellors: int = 1) -> FakeBotApi:
    """The stand-in Bot API with the driven people and the counsellors registered."""
    api = FakeBotApi(token=TOKEN, bot_username="bilan_bench_bot").start()
    for n in range(counsellors):
        api.user(COUNSELLOR_TID + n, "Claire")
    for n in range(active):
        api.user(FIRST_USER_TID + n, f"Personne{n}")
    return api


def users(api: FakeBotApi, count: int) -> list[FakeUser]:
    return [api.user(FIRST_USER_TID + n, f"Personne{n}") for n in range(count)]


# ---------------------------------------------------------------------------
# Scripted users
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One update sent by a scripted user, and how to recognise the bot's answer."""

    act: Callable[[], Action]
    accept: Callable[[BotMessage], bool]
    kind: str  # "text" or "press": what the echo bot replays
    label: str = ""  # what it is to the bot, for the statement counts: TYPED_ANSWER…


# The kinds of update whose SQL statements per_update counts.
TYPED_ANSWER = "typed answer"  # a free-text question answered by typing
BUTTON_ANSWER = "button answer"  # a choice answered by an inline button
UNEXPECTED = "unexpected message"  # text while nothing waits for any


Script = Generator[Step, BotMessage, None]
# Answering one question: its steps, then the screen that follows.
Answering = Generator[Step, BotMessage, BotMessage]


def _any(message: BotMessage) -> bool:
    return True


def send(
    user: FakeUser, text: str, accept: Callable[[BotMessage], bool] = _any, label: str = ""
) -> Step:
    return Step(lambda: user.send_text(text), accept, "text", label)


def press(
    user: FakeUser,
    data: str,
    message_id: int,
    accept: Callable[[BotMessage], bool] = _any,
    label: str = "",
) -> Step:
    return Step(lambda: user.press(data, message_id), accept, "press", label)


def at_recap(message: BotMessage) -> bool:
    """The recap's last message, the one with the "send to my counsellor" button."""
    return "Envoyer" in str(message.reply_markup)


def next_screen(message: BotMessage) -> bool:
    """What follows an answer: the next question (or the same, refused), or the recap."""
    return is_question(message) or at_recap(message)


def answer_steps(user: FakeUser, question: BotMessage, add_another: bool, text: str) -> Answering:
    """The steps of answering the question ``question`` shows, as a person would.

    Mirrors ``tests.e2e.answering.answer``; the reply sent into the generator
    after the last step is the next question (or the recap), which
    ``yield from`` returns. The steps that answer are labelled
    (:data:`TYPED_ANSWER` for free text; :data:`BUTTON_ANSWER` for a choice,
    the validation of a multiple choice included); ticking one box of a
    multiple choice, and typing a number or a date, are not.
    """
    asked = question_of(question)
    if "Ajouter" in asked:
        choice = ":yes" if add_another else ":no"
        data = next(d for d in answer_buttons(question) if d.endswith(choice))
        return (yield press(user, data, question.message_id, next_screen, BUTTON_ANSWER))
    if buttons(question, "v"):
        ticked = yield press(
            user,
            buttons(question, "t")[0],
            question.message_id,
            lambda m: "✅" in str(m.reply_markup),
        )
        validate = buttons(ticked, "v")[0]
        return (yield press(user, validate, ticked.message_id, next_screen, BUTTON_ANSWER))
    options = answer_buttons(question)
    if options:
        scale = [d for d in options if d.rsplit(":", 1)[1].isdigit()]
        choice_data = scale[len(scale) // 2] if scale else options[0]
        return (yield press(user, choice_data, question.message_id, next_screen, BUTTON_ANSWER))
    typed = typed_answer(question.content)
    if typed.startswith("Une réponse"):
        reply = yield send(user, text, next_screen, TYPED_ANSWER)
    else:
        reply = yield send(user, typed, next_screen)
    bounds = BOUNDS.search(reply.content)
    if "⚠️" in reply.content and bounds:
        lowest = bounds.group(1).replace(" ", "").replace("\u202f", "")
        reply = yield send(user, lowest, next_screen)
    return reply


class Budget:
    """How many updates a script may still send."""

    def __init__(self, updates: int | None) -> None:
        self.left = updates

    def spend(self) -> None:
        if self.left is not None:
            self.left -= 1

    @property
    def spent(self) -> bool:
        return self.left is not None and self.left <= 0


def dossier_script(user: FakeUser, budget: int | None) -> Script:
    """A beneficiary at their menu who opens the dossier and answers as fast as the bot replies.

    The dossier repeats its "experience" part on request: the person adds
    experiences while their budget of updates is large, so that a budget
    larger than one dossier is spent on questions too. ``None``: no budget,
    until the driver's deadline. At the recap, the person sends it.
    """
    left = Budget(budget)

    def spent(step_count: int = 1) -> bool:
        for _ in range(step_count):
            left.spend()
        return left.spent

    menu = yield send(user, "/menu", lambda m: m.has_button("dossier"))
    if spent():
        return
    entry = menu.button("dossier").data or ""
    screen = yield press(
        user, entry, menu.message_id, lambda m: "Commencer" in str(m.reply_markup) or is_question(m)
    )
    if spent():
        return
    if not is_question(screen):
        start = screen.button("Commencer").data or ""
        screen = yield press(user, start, screen.message_id, is_question)
        if spent():
            return
    number = 0
    while not at_recap(screen):
        number += 1
        add = left.left is None or left.left > 40
        script = answer_steps(user, screen, add, f"Réponse {number} de {user.info.first_name}.")
        screen = yield from _counted(script, left)
        if left.spent:
            return
    submit = next(d for d in screen.callback_data if d.endswith(":s"))
    yield press(user, submit, screen.message_id, lambda m: "envoyé" in m.content)


def _counted(script: Answering, budget: Budget) -> Answering:
    """``yield from`` a sub-script, spending one update per step."""
    try:
        step = next(script)
        while True:
            budget.spend()
            reply = yield step
            step = script.send(reply)
    except StopIteration as stop:
        result: BotMessage = stop.value
        return result


def echo_script(user: FakeUser, kinds: Sequence[str]) -> Script:
    """The same sequence of texts and presses, against the echo bot."""
    last: BotMessage | None = None
    for kind in kinds:
        if kind == "press" and last is not None and last.callback_data:
            last = yield press(user, last.callback_data[0], last.message_id)
        else:
            last = yield send(user, "Une réponse écrite, assez longue pour un test.")


# ---------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------


@dataclass
class _Pending:
    script: Script
    step: Step
    action_seq: int
    started: float


@dataclass
class LoadResult:
    """What a driven load did: updates answered, their latencies, and the misses."""

    updates: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    unanswered: int = 0
    kinds: dict[int, list[str]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.updates / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 0.50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 0.99) * 1000


class LoadDriver:
    """Runs scripted users in parallel from one thread, against the stand-in's event log."""

    def __init__(self, api: FakeBotApi, reply_timeout: float = 30.0) -> None:
        self.api = api
        self.world = api.world
        self.reply_timeout = reply_timeout
        self._pending: dict[int, _Pending] = {}
        self._cursor = 0

    def run(self, scripts: Mapping[int, Script], until: float | None = None) -> LoadResult:
        """Drive ``scripts`` (chat id → script) until each ends, or until ``until``
        (monotonic): after it, no new update is sent and the ones in flight are
        awaited."""
        result = LoadResult(kinds={chat: [] for chat in scripts})
        with self.world.lock:
            self._cursor = len(self.world.events)
        began = time.monotonic()
        for chat_id, script in scripts.items():
            self._advance(chat_id, script, None, result, until)
        while self._pending:
            matches = self.world.wait_until(self._matches, timeout=0.5)
            now = time.monotonic()
            for chat_id, answer in matches or []:
                pending = self._pending.pop(chat_id)
                result.updates += 1
                result.latencies.append(answer.at - pending.started)
                self._advance(chat_id, pending.script, answer.message, result, until)
            for chat_id, pending in list(self._pending.items()):
                if now - pending.started > self.reply_timeout:
                    del self._pending[chat_id]
                    result.unanswered += 1
        result.elapsed = time.monotonic() - began
        return result

    def _advance(
        self,
        chat_id: int,
        script: Script,
        reply: BotMessage | None,
        result: LoadResult,
        until: float | None,
    ) -> None:
        if until is not None and time.monotonic() >= until:
            script.close()
            return
        try:
            step = next(script) if reply is None else script.send(reply)
        except StopIteration:
            return
        started = time.monotonic()
        action = step.act()
        result.kinds[chat_id].append(step.kind)
        self._pending[chat_id] = _Pending(script, step, action.seq, started)

    def _matches(self) -> list[tuple[int, MessageEvent]] | None:
        """Called under the stand-in's lock: new events that answer a pending step."""
        events = self.world.events
        found: list[tuple[int, MessageEvent]] = []
        matched: set[int] = set()
        while self._cursor < len(events):
            seen = events[self._cursor]
            self._cursor += 1
            pending = self._pending.get(seen.chat_id)
            if (
                pending is None
                or seen.chat_id in matched
                or seen.kind == "deleted"
                or seen.seq <= pending.action_seq
            ):
                continue
            if pending.step.accept(seen.message):
                matched.add(seen.chat_id)
                found.append((seen.chat_id, seen))
        return found or None


def error_replies(api: FakeBotApi) -> int:
    """Messages in which the bot told someone that something went wrong on its side."""
    return sum(1 for e in api.history() if e.kind == "sent" and ERROR_REPLY in e.message.content)


def log_errors(log: str) -> dict[str, int]:
    """Counts of the error markers in a bot log (ids and exception types only)."""
    return {
        "database is locked": log.count("database is locked"),
        "OperationalError": log.count("OperationalError"),
        "error while handling update": log.count("error while handling update"),
        "ERROR lines": sum(1 for line in log.splitlines() if " ERROR " in line),
    }
