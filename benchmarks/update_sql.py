"""SQL statements per update, per kind of update, counted on the real bot in this process.

The CPU figures of ``per_update`` are read from outside a bot process;
statements can only be counted from inside. So here the Application is the
one ``bilan-bot run`` builds (``bot.app.build_application``: every handler,
the ``AIORateLimiter``, ``post_init`` starting the outbox dispatcher, the
daily purge and the digest loop), polling the stand-in Bot API; scripted
people act through the stand-in's client side (``FakeUser.send_text`` /
``press``), the same scripts as the CPU runs, one update at a time.

What counts as one update's statements: every statement SQLAlchemy sends
(``before_cursor_execute`` on the engine's ``sync_engine``, through
:class:`benchmarks.common.StatementCounter`) while
``Application.process_update`` handles that update: from the update leaving
PTB's queue to its last handler (or the error handler) returning. The
instance's ``process_update`` is wrapped to set a context variable to that
update's tally; the listener adds to the tally in the context variable, or
to nothing. The outbox dispatcher's polling, the purge and the digest loop
are tasks started in ``post_init`` with their own context: what they send,
including the messages an update queued in the outbox, is left out. Tasks
created while an update is handled inherit its variable; their statements
count only if sent before the handling ends. Transactions are counted with
the ``begin`` event; statements exclude transaction control (SQLite's
``BEGIN IMMEDIATE``, see :attr:`Tally.sql`).

Kinds (:data:`benchmarks.common.TYPED_ANSWER`…): a free-text question of
the dossier auto-bilan answered by typing; a choice answered by an inline
button; an unexpected message — "bonjour" from a beneficiary who has
consented and opened nothing, and from one who left the dossier with
``/annuler``: nothing waits for text in either case.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application

from benchmarks.common import (
    BUTTON_ANSWER,
    TYPED_ANSWER,
    UNEXPECTED,
    Databases,
    Population,
    Script,
    StatementCounter,
    Tally,
    dossier_script,
    is_transaction_control,
    prepare_database,
    send,
    stand_in,
    users,
)
from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import Settings
from storage import crypto
from storage.db import Database
from tests.fakebotapi import FakeBotApi, FakeUser

KINDS = (TYPED_ANSWER, BUTTON_ANSWER, UNEXPECTED)
# Targets: statements (transaction control aside) per update of the kind.
TARGETS: dict[str, int | None] = {TYPED_ANSWER: 6, BUTTON_ANSWER: None, UNEXPECTED: 3}
REPLY_TIMEOUT_S = 30.0

_CURRENT: ContextVar[Tally | None] = ContextVar("update_tally", default=None)


@dataclass(frozen=True)
class Plan:
    """Who acts: people answering the dossier (then leaving it), people who just say hello."""

    answering: int
    budget: int  # updates each answering person spends in the dossier
    idle: int
    hellos: int  # "bonjour" from each (and after /annuler, from each answering person)


QUICK = Plan(answering=1, budget=30, idle=1, hellos=2)
FULL = Plan(answering=2, budget=120, idle=3, hellos=5)


class UpdateProbe:
    """Wraps ``Application.process_update``: one tally per update, current while it is handled."""

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self._done: dict[int, asyncio.Future[Tally]] = {}
        original = application.process_update

        async def process_update(update: object) -> None:
            if not isinstance(update, Update):
                await original(update)
                return
            tally = Tally()
            token = _CURRENT.set(tally)
            try:
                await original(update)
            finally:
                _CURRENT.reset(token)
                self._future(update.update_id).set_result(tally.copy())

        # An instance attribute: PTB's update fetcher calls self.process_update(update).
        setattr(application, "process_update", process_update)  # noqa: B010

    def _future(self, update_id: int) -> asyncio.Future[Tally]:
        if update_id not in self._done:
            self._done[update_id] = asyncio.get_running_loop().create_future()
        return self._done[update_id]

    async def handled(self, update_id: int) -> Tally:
        """The statements of update ``update_id``, once its handling has finished."""
        return await asyncio.wait_for(self._future(update_id), REPLY_TIMEOUT_S)


def _hellos(user: FakeUser, count: int, cancel_first: bool) -> Script:
    if cancel_first:
        yield send(user, "/annuler")
    for _ in range(count):
        yield send(user, "bonjour", label=UNEXPECTED)


def _answering(user: FakeUser, plan: Plan) -> Script:
    yield from dossier_script(user, plan.budget)
    yield from _hellos(user, plan.hellos, cancel_first=True)


async def _drive(
    api: FakeBotApi, probe: UpdateProbe, script: Script, found: dict[str, list[Tally]]
) -> None:
    """One person's script, one update at a time: act, wait for the answer and the handling."""
    try:
        step = next(script)
        while True:
            action = step.act()
            reply = await asyncio.to_thread(
                api.wait_for_reply, action.chat_id, action, step.accept, REPLY_TIMEOUT_S
            )
            tally = await probe.handled(action.update_id)
            if step.label:
                found.setdefault(step.label, []).append(tally)
            step = script.send(reply)
    except StopIteration:
        return


async def _measure(api: FakeBotApi, url: str, key: str, plan: Plan) -> dict[str, list[Tally]]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_bot_token=api.token,
        telegram_api_base_url=api.base_url,
        telegram_api_base_file_url=api.base_file_url,
        database_url=url,
        encryption_key=key,
        quiet_hours="off",
        log_level="WARNING",
    )
    db = Database(url)
    application = build_application(settings, db)
    probe = UpdateProbe(application)
    found: dict[str, list[Tally]] = {}
    everyone = users(api, plan.answering + plan.idle)
    people, idle = everyone[: plan.answering], everyone[plan.answering :]
    with StatementCounter(db.engine, _CURRENT.get):
        try:
            # The order of run_polling: initialize, post_init, polling, start.
            await application.initialize()
            assert application.post_init is not None and application.updater is not None
            await application.post_init(application)
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            await application.start()
            try:
                for user in idle:
                    await _drive(api, probe, _hellos(user, plan.hellos, False), found)
                for user in people:
                    await _drive(api, probe, _answering(user, plan), found)
            finally:
                await application.updater.stop()
                await application.stop()
                if application.post_stop is not None:
                    await application.post_stop(application)
        finally:
            await application.shutdown()
            await db.dispose()
    return found


def measure(databases: Databases, backend: str, quick: bool) -> dict[str, list[Tally]]:
    """Statements of each update of each kind, on a fresh database of ``backend``."""
    plan = QUICK if quick else FULL
    people = plan.answering + plan.idle
    api = stand_in(people)
    try:
        key = crypto.generate_key()
        url = databases.url(backend, f"update_sql_{backend}_{int(time.time())}")
        prepare_database(url, key, Population(active=people))
        return asyncio.run(_measure(api, url, key, plan))
    finally:
        api.stop()


def _target(kind: str) -> str:
    target = TARGETS.get(kind)
    return "-" if target is None else f"<= {target}"


def rows(backend: str, found: dict[str, list[Tally]]) -> list[list[str]]:
    """Per kind: updates, statements per update (mean, max), transactions, the target."""
    table = []
    for kind in KINDS:
        tallies = found.get(kind, [])
        if not tallies:
            table.append([backend, kind, "0", "-", "-", "-", "-", _target(kind)])
            continue
        sql = [t.sql for t in tallies]
        begun = [t.transactions for t in tallies]
        table.append(
            [
                backend,
                kind,
                str(len(tallies)),
                f"{statistics.mean(sql):.1f}",
                str(max(sql)),
                f"{statistics.mean(begun):.1f}",
                str(max(begun)),
                _target(kind),
            ]
        )
    return table


HEADER = [
    "database",
    "kind of update",
    "updates",
    "SQL mean",
    "SQL max",
    "tx mean",
    "tx max",
    "target SQL",
]

_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+\"?(\w+)", re.IGNORECASE)
_NOT_TABLES = {"SET", "SELECT"}


def heaviest(found: dict[str, list[Tally]], kind: str) -> str | None:
    """What the update of ``kind`` with the most statements sent, by verb and tables.

    In order of first appearance, with how many times each (transaction
    control left out: its count is the number of transactions).
    """
    tallies = found.get(kind, [])
    if not tallies:
        return None
    worst = max(tallies, key=lambda t: t.sql)
    shapes = Counter(_shape(text) for text in worst.statements if not is_transaction_control(text))
    parts = [shape + (f" x{count}" if count > 1 else "") for shape, count in shapes.items()]
    return (
        f"{kind}, heaviest ({worst.sql} statements, {worst.transactions} transactions): "
        + ", ".join(parts)
    )


def _shape(statement: str) -> str:
    verb = statement.split(None, 1)[0].upper() if statement.strip() else "?"
    found = _TABLE.findall(statement)
    tables = [t for t in dict.fromkeys(found) if t.upper() not in _NOT_TABLES]
    return f"{verb} {'+'.join(tables)}".strip()


def figures(backend: str, found: dict[str, list[Tally]]) -> dict[str, str]:
    """The figures for the closing line: statements (max, mean), transactions (mean), per kind."""
    short = {TYPED_ANSWER: "typed", BUTTON_ANSWER: "button", UNEXPECTED: "unexpected"}
    out: dict[str, str] = {}
    for kind in KINDS:
        tallies = found.get(kind, [])
        if tallies:
            name = f"{backend}_{short[kind]}"
            out[f"{name}_sql_max"] = str(max(t.sql for t in tallies))
            out[f"{name}_sql_mean"] = f"{statistics.mean(t.sql for t in tallies):.1f}"
            out[f"{name}_tx_mean"] = f"{statistics.mean(t.transactions for t in tallies):.1f}"
    return out


def summary_lines(found: dict[str, list[Tally]]) -> list[str]:
    return [line for line in (heaviest(found, kind) for kind in KINDS) if line is not None]
