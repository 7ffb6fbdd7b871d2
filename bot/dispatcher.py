"""The dispatcher: the one way out for every message that is not a direct reply.

Rows of :mod:`storage.outbox` become Telegram messages here, and only here.
One asyncio task per process (started from the Application's ``post_init``)
claims due rows in small batches, renders each in its recipient's current
language (``bot.outbox_kinds``), sends it through the Application's ``Bot``
and records the outcome on the row.

Pace. The Application's bot has PTB's ``AIORateLimiter`` (about 30 requests
a second overall). Its leaky bucket lets a burst of 30 through at once and
then 30 a second, which can put up to 60 sends in one second; Telegram's
limit is counted over a window, so the dispatcher paces its own sends
(``overall_rate``, 29 a second by default: never more in any sliding second,
spread evenly) and leaves the limiter as a second line. At most
``max_concurrent_sends`` requests are on their way at once; after a 429 the
limiter holds every request and then lets them all go together, so when the
dispatcher sees its sends held back it stops adding to them, and counts the
burst in its window when it really left, rather than overflow Telegram's
window again right after it. Telegram also limits one private chat to about one
message a second, which the rate limiter does not do: the dispatcher keeps
one send per ``per_chat_interval`` to each chat (a lock per chat, measured
on the real send times), and gives a row back to the queue rather than wait
long for a busy chat.

Faults.

- 429 ``RetryAfter``: every send of this process pauses for the time
  Telegram gives, then the same row is sent again. Nothing failed, so it is
  not counted as an attempt; after ``max_flood_rounds`` in a row the row goes
  back to the queue, still uncounted.
- ``NetworkError``, ``TimedOut``, 5xx (PTB raises these as ``NetworkError``),
  or a renderer that raised: the row goes back to the queue with an
  exponential backoff and one more attempt; after ``max_attempts`` it is
  ``failed``, which the counsellor's view lists
  (:func:`storage.outbox.failed_for_counsellor`).
- 400 ``BadRequest`` (and the other refusals that a retry will not change):
  ``failed`` at once.
- 403 ``Forbidden``: the person blocked the bot. They are marked unreachable,
  this row and their other pending rows are held, and their counsellor gets
  an ``unreachable_notice``; :func:`storage.outbox.on_person_returned` (on
  their next ``/start``) releases what is still worth sending.

Exactly once, and where it can be twice. A row is sent only by the holder of
its claim: ``claim`` gives the row a fresh token and a lease, and
``confirm`` — one conditional UPDATE right before the send — checks that the
token is still on the row, that nobody cancelled it, and renews the lease.
Two dispatchers therefore never send the same row while both are alive: the
second one can only claim it once the first one's lease has expired, and
then the first one's ``confirm`` fails. What no protocol can close is the
gap between Telegram accepting a message and the ``sent`` mark being
committed: if the process dies (or the database is unreachable) in that
gap, the row stays claimed, its lease expires and another dispatcher sends
it again. That is at most one resend per row per crash, because the resend
goes through the same claim → confirm → send → mark cycle, and no more rows
than were in flight at the moment of the crash (``max_in_flight``). The
dedupe key bounds the other source of duplicates: a caller that enqueues the
same logical message twice updates one row instead of making a second. The
same gap exists for a timeout whose request Telegram did carry out: the row
is retried and the person may get the message twice; Telegram offers no
idempotency key that would let a client avoid it.

After a crash. The rows in flight at the crash stay claimed; another
process takes them once their lease (``lease``, 2 minutes) runs out. The
restarted bot does better for its own: every claim names its claimer, and
when the new run first dispatches it gives back at once the rows of its
previous runs that are provably dead (:mod:`bot.claimer`), so they go out
at its first claim; a live claimer's rows are never taken. The worst delay
is therefore the restart itself for the rows of this machine's previous run,
and the lease plus one poll for rows left by a machine that does not come
back.

Several processes. On PostgreSQL exactly one dispatcher runs at a time: the
one holding the session-level advisory lock ``pg_try_advisory_lock`` on a
dedicated connection. When that process dies, its connection closes, the
server releases the lock, and another process takes over at its next try
(``leader_retry_interval``, 2 s). The lease protocol above still holds if two
ever overlapped (a network partition). On SQLite every process may run a
dispatcher: the claim is one ``UPDATE … RETURNING`` statement, atomic
between processes; only the per-chat pacing is per process.

Quiet hours. A row due between ``quiet_hours.start`` and ``quiet_hours.end``
in its recipient's time zone (21:00–08:00 by default) goes back to the queue
until they end, unless its kind is registered ``urgent``. Computed with
``zoneinfo`` at send time, so a daylight-saving change, or a person who moves
to another time zone, is taken into account.

Time. Row times come from ``clock`` (UTC, injectable, so tests control
leases, backoff and quiet hours); waits (pacing, flood pauses) use the event
loop's monotonic time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.pool import NullPool
from telegram import Bot, InputFile
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
)
from telegram.ext import Application

from bot.claimer import previous_runs, this_process
from bot.outbox_kinds import REGISTRY, KindRegistry, KindSpec, OutgoingMessage, RenderContext
from bot.runtime import DB_KEY
from storage import outbox
from storage.db import Database, create_engine
from storage.models import utcnow
from storage.outbox import Addressee, ClaimedMessage, Recipient

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Addressees = dict[Recipient, Addressee]
DISPATCHER_KEY = "outbox_dispatcher"
DEFAULT_TIMEZONE = "Europe/Paris"
# "bilanout" in ASCII: the advisory lock id of the dispatcher, the same in every process.
LEADER_LOCK_ID = 0x62696C616E6F7574
# A send that took longer than this was probably held back on its way out.
HELD_SEND = 1.0

T = TypeVar("T")


# ---------------------------------------------------------------------------
# Quiet hours
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    """Local times between which non-urgent messages wait; equal times mean none."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    @classmethod
    def parse(cls, value: str) -> QuietHours:
        """``"21:00-08:00"``; ``""`` or ``"off"`` for no quiet hours."""
        value = value.strip().lower()
        if value in ("", "off", "none"):
            return cls(time(0), time(0))
        try:
            start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
        except ValueError:
            raise ValueError("quiet hours must look like 21:00-08:00") from None
        return cls(start, end)

    def release_at(self, moment: datetime, timezone: str) -> datetime | None:
        """``None`` if ``moment`` is outside quiet hours, else the UTC instant they end.

        Works on the wall clock of the recipient's zone: 08:00 is 08:00 local
        on either side of a daylight-saving change, whatever the UTC offset.
        """
        if self.start == self.end:
            return None
        zone = _zone(timezone)
        local = moment.astimezone(zone)
        clock_time = local.time()
        if self.start < self.end:
            quiet = self.start <= clock_time < self.end
            end_date = local.date()
        else:  # across midnight
            quiet = clock_time >= self.start or clock_time < self.end
            end_date = (
                local.date() + timedelta(days=1) if clock_time >= self.start else local.date()
            )
        if not quiet:
            return None
        # A wall time skipped by a spring-forward gap resolves to just after it.
        return datetime.combine(end_date, self.end, tzinfo=zone).astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


# ---------------------------------------------------------------------------
# Settings and counters
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DispatcherConfig:
    batch_size: int = 30
    max_in_flight: int = 60
    lease: timedelta = timedelta(minutes=2)
    poll_interval: float = 1.0
    leader_retry_interval: float = 2.0
    overall_rate: float = 29.0
    per_chat_interval: float = 1.0
    max_chat_wait: float = 3.0
    max_attempts: int = 6
    backoff_base: timedelta = timedelta(seconds=10)
    backoff_max: timedelta = timedelta(minutes=30)
    max_concurrent_sends: int = 8
    max_flood_rounds: int = 5
    max_flood_wait: float = 120.0
    mark_retries: int = 3
    shutdown_grace: float = 10.0
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    # Names this machine in its claims (``BOT_INSTANCE``; the host name if None): bot.claimer.
    instance: str | None = None

    def backoff(self, attempts: int) -> timedelta:
        """Delay before the next try after ``attempts`` failed ones: 10 s, 20 s, 40 s…"""
        return min(self.backoff_base * (1 << max(attempts - 1, 0)), self.backoff_max)


@dataclass
class DispatchStats:
    """What this dispatcher did since it started (ids and counts only)."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    cancelled: int = 0
    deferred: int = 0
    rate_limited: int = 0
    skipped: int = 0
    lost_leases: int = 0


# ---------------------------------------------------------------------------
# Who runs the dispatcher
# ---------------------------------------------------------------------------


class Leadership(Protocol):
    async def hold(self) -> bool:
        """True while this process may dispatch; tries to become leader if not."""
        ...

    async def release(self) -> None: ...


class EveryProcess:
    """SQLite: the claim statement is safe between processes, everyone dispatches."""

    async def hold(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class AdvisoryLockLeadership:
    """PostgreSQL: the holder of a session-level advisory lock is the dispatcher.

    The lock lives on its own connection, outside any pool (``NullPool``), so
    it can never be handed to other code still holding the lock, and closing
    it (or the process dying) releases the lock on the server.
    """

    def __init__(self, url: str, lock_id: int = LEADER_LOCK_ID, check_every: float = 1.0) -> None:
        self._url = url
        self._lock_id = lock_id
        self._check_every = check_every
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._checked_at = 0.0

    async def hold(self) -> bool:
        loop = asyncio.get_running_loop()
        if self._connection is not None:
            if loop.time() - self._checked_at < self._check_every:
                return True
            try:
                await self._connection.execute(text("SELECT 1"))
                self._checked_at = loop.time()
                return True
            except Exception as exc:  # the connection, hence the lock, is gone
                log.warning("outbox dispatcher lost its lock connection (%s)", type(exc).__name__)
                await self._close()
                return False
        if self._engine is None:
            self._engine = create_engine(self._url, poolclass=NullPool)
        connection = await self._engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:id)"), {"id": self._lock_id}
            )
        except Exception:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        self._checked_at = loop.time()
        log.info("this process now runs the outbox dispatcher")
        return True

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": self._lock_id}
                )
        await self._close()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


# ---------------------------------------------------------------------------
# The dispatcher
# ---------------------------------------------------------------------------


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_SENT = _Marker("sent")
_NOT_OURS = _Marker("not ours any more")
_NOT_RELEVANT = _Marker("not relevant")


@dataclass(frozen=True)
class _RenderFailed:
    error: str


@dataclass(frozen=True)
class _FloodedOut:
    wait: float


# What became of one send: a marker, a renderer failure, repeated flood
# control, or the exception the Bot raised.
Outcome = _Marker | _RenderFailed | _FloodedOut | BaseException


def _retry_after_seconds(error: RetryAfter) -> float:
    # A timedelta, as python-telegram-bot 23 will give it (``PTB_TIMEDELTA``, see
    # ``bot/__init__.py``); whole seconds should the setting be off.
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Dispatcher:
    """Claims due outbox rows and sends them; see the module docstring."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        *,
        registry: KindRegistry = REGISTRY,
        config: DispatcherConfig | None = None,
        clock: Clock = utcnow,
        leadership: Leadership | None = None,
    ) -> None:
        self._bot = bot
        self._db = db
        self._registry = registry
        self.config = config or DispatcherConfig()
        self._clock = clock
        self._leadership = leadership or (
            EveryProcess() if db.is_sqlite else AdvisoryLockLeadership(db.url)
        )
        self.stats = DispatchStats()
        self.claimer = this_process(self.config.instance)
        self._took_back = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._main: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._pace_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock() if db.is_sqlite else None
        self._send_gate = asyncio.Semaphore(self.config.max_concurrent_sends)
        self._send_starts: deque[float] = deque()
        self._outstanding: dict[int, float] = {}
        self._tickets = itertools.count()
        self._paused_until = 0.0
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_users: dict[int, int] = {}
        self._chat_last: dict[int, float] = {}

    # --- life cycle -----------------------------------------------------------------

    def start(self) -> None:
        if self._main is None:
            self._stopping.clear()
            self._main = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        """Stop claiming, let the sends in flight finish (bounded), give up leadership."""
        self._stopping.set()
        self._wake.set()
        if self._main is not None:
            await self._main
            self._main = None
        await self._finish_in_flight()
        await self._leadership.release()

    def wake(self) -> None:
        """Look for due rows now rather than at the next poll (e.g. right after enqueue)."""
        self._wake.set()

    async def _finish_in_flight(self) -> None:
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=self.config.shutdown_grace)
        for task in pending:
            # Their rows stay claimed and are taken again when the lease expires.
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _pause(self, seconds: float) -> None:
        """Sleep, unless asked to stop or to look again (a wake-up is never lost)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    async def _run(self) -> None:
        config = self.config
        while not self._stopping.is_set():
            try:
                if not await self._leadership.hold():
                    await self._pause(config.leader_retry_interval)
                    continue
                await self._take_back_previous_runs()
                room = config.max_in_flight - len(self._tasks)
                if room < config.batch_size:
                    await asyncio.wait(
                        set(self._tasks),
                        timeout=config.poll_interval,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    continue
                claimed = await self._claim_and_spawn(config.batch_size)
                if claimed < config.batch_size:
                    await self._pause(config.poll_interval)
            except Exception as exc:
                log.error("outbox dispatcher loop: %s", type(exc).__name__)
                await self._pause(config.poll_interval)

    async def run_once(self) -> int:
        """Claim one batch and deliver it completely; the number of rows claimed.

        For tests and tools: the running dispatcher uses :meth:`start`.
        """
        if not await self._leadership.hold():
            return 0
        await self._take_back_previous_runs()
        claimed = await self._claim_and_spawn(self.config.batch_size)
        if self._tasks:
            await asyncio.gather(*set(self._tasks))
        return claimed

    # --- claiming -------------------------------------------------------------------

    async def _take_back_previous_runs(self) -> None:
        """Once, when this process first dispatches: the rows its dead previous runs held.

        They are pending again at once instead of after their lease; live
        claimers (another process, here or elsewhere) are never touched. See
        :mod:`bot.claimer` for how a dead previous run is recognised.
        """
        if self._took_back:
            return
        me = self.claimer

        async def give_back(session: AsyncSession) -> int:
            labels = await outbox.live_claimers(session, me.instance_prefix)
            return await outbox.release_claims_of(session, previous_runs(me, labels))

        released = await self._write(give_back)
        self._took_back = True
        if released:
            log.info("outbox: %s rows claimed by a previous run taken back at start", released)

    async def _claim_and_spawn(self, limit: int) -> int:
        async def claim(session: AsyncSession) -> tuple[list[ClaimedMessage], Addressees]:
            rows = await outbox.claim(
                session,
                limit=limit,
                lease=self.config.lease,
                now=self._clock(),
                claimer=self.claimer.label,
            )
            return rows, await outbox.resolve_addressees(session, {r.recipient for r in rows})

        rows, addressees = await self._write(claim)
        self.stats.claimed += len(rows)
        for row in rows:
            task = asyncio.create_task(self._deliver(row, addressees.get(row.recipient)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(rows)

    # --- one row --------------------------------------------------------------------

    async def _deliver(self, row: ClaimedMessage, addressee: Addressee | None) -> None:
        try:
            await self._deliver_row(row, addressee)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # A database error while settling: the lease will bring the row back.
            log.error("outbox row %s: %s while delivering", row.id, type(exc).__name__)

    async def _deliver_row(self, row: ClaimedMessage, addressee: Addressee | None) -> None:
        if addressee is None or addressee.chat_id is None:
            # Erased, consent withdrawn, account deactivated: never write to them.
            await self._write(lambda s: outbox.mark_cancelled(s, row, reason="RecipientGone"))
            self.stats.cancelled += 1
            return
        chat_id = addressee.chat_id
        if addressee.unreachable:
            await self._write(lambda s: outbox.hold(s, row, reason="Unreachable"))
            self.stats.held += 1
            return
        spec = self._registry.get(row.kind)
        if spec is None:
            log.error("outbox row %s: no renderer for its kind", row.id)
            await self._failed_attempt(row, "UnknownKind")
            return
        now = self._clock()
        if not spec.urgent:
            until = self.config.quiet_hours.release_at(now, addressee.timezone)
            if until is not None:
                await self._write(lambda s: outbox.release(s, row, not_before=until))
                self.stats.deferred += 1
                return
        backlog = self._chat_users.get(chat_id, 0) * self.config.per_chat_interval
        if backlog > self.config.max_chat_wait:
            # Many rows for one person at once: give this one back rather than
            # hold a place in flight for seconds.
            later = now + timedelta(seconds=backlog)
            await self._write(lambda s: outbox.release(s, row, not_before=later))
            self.stats.deferred += 1
            return
        self._chat_users[chat_id] = self._chat_users.get(chat_id, 0) + 1
        try:
            async with self._chat_locks.setdefault(chat_id, asyncio.Lock()):
                await self._await_chat_turn(chat_id)
                outcome = await self._render_and_send(row, addressee, spec)
        finally:
            self._chat_users[chat_id] -= 1
            if not self._chat_users[chat_id]:
                del self._chat_users[chat_id]
                self._chat_locks.pop(chat_id, None)
        await self._settle(row, outcome)

    async def _render_and_send(
        self, row: ClaimedMessage, addressee: Addressee, spec: KindSpec
    ) -> Outcome:
        """Render, then send with flood-control retries; what happened, to be recorded."""
        assert addressee.chat_id is not None
        context = RenderContext(self._bot, self._db, addressee, self._clock())
        try:
            message = await spec.render(context, row)
        except Exception as exc:
            log.warning("outbox row %s: renderer raised %s", row.id, type(exc).__name__)
            return _RenderFailed(type(exc).__name__)
        if message is None:
            return _NOT_RELEVANT
        flood_wait = 0.0
        for _ in range(self.config.max_flood_rounds):
            outcome = await self._attempt(row, addressee.chat_id, message)
            if not isinstance(outcome, RetryAfter):
                return outcome
            flood_wait = min(_retry_after_seconds(outcome), self.config.max_flood_wait)
            self.stats.rate_limited += 1
            log.warning("outbox: flood control, pausing sends %.0f s", flood_wait)
            self._pause_sends(flood_wait)
        return _FloodedOut(flood_wait)

    async def _attempt(
        self, row: ClaimedMessage, chat_id: int, message: OutgoingMessage
    ) -> Outcome | RetryAfter:
        """One confirmed, paced send. At most ``max_concurrent_sends`` are between
        confirm and answer, which keeps the confirm close to the send and bounds
        the burst when PTB's rate limiter releases requests it held back."""
        async with self._send_gate:
            if not await self._write(
                lambda s: outbox.confirm(s, row, lease=self.config.lease, now=self._clock())
            ):
                return _NOT_OURS
            await self._await_send_turn()
            loop = asyncio.get_running_loop()
            granted = self._chat_last[chat_id] = loop.time()
            ticket = next(self._tickets)
            self._outstanding[ticket] = granted
            try:
                await self._send(chat_id, message)
            except Exception as exc:
                return exc
            finally:
                del self._outstanding[ticket]
                if loop.time() - granted > HELD_SEND:
                    self._count_burst(since=granted, at=loop.time())
        return _SENT

    async def _settle(self, row: ClaimedMessage, outcome: Outcome) -> None:
        """Record what happened to the row (outside the per-chat and send locks)."""
        if outcome is _SENT:
            await self._mark_sent(row)
        elif outcome is _NOT_OURS:
            # Cancelled since the claim, or our lease ran out and another took it.
            self.stats.skipped += 1
        elif outcome is _NOT_RELEVANT:
            await self._write(lambda s: outbox.mark_cancelled(s, row, reason="NotRelevant"))
            self.stats.cancelled += 1
        elif isinstance(outcome, _RenderFailed):
            await self._failed_attempt(row, outcome.error)
        elif isinstance(outcome, _FloodedOut):
            # Flood control again and again: back to the queue, not counted as a failure.
            later = self._clock() + timedelta(seconds=outcome.wait)
            await self._write(
                lambda s: outbox.release(s, row, not_before=later, error="RetryAfter")
            )
        elif isinstance(outcome, Forbidden):
            newly = await self._write(lambda s: outbox.mark_unreachable(s, row, now=self._clock()))
            self.stats.held += 1
            if newly:
                log.info("outbox: %s %s blocked the bot", row.recipient.kind, row.recipient.id)
        elif isinstance(outcome, BadRequest | ChatMigrated):
            # Telegram refuses this message as it is: retrying changes nothing.
            await self._refused(row, type(outcome).__name__)
        else:
            # TimedOut, 5xx and other NetworkErrors, an invalid token: try again later.
            log.warning("outbox row %s: %s", row.id, type(outcome).__name__)
            await self._failed_attempt(row, type(outcome).__name__)

    async def _send(self, chat_id: int, message: OutgoingMessage) -> None:
        markup = message.keyboard
        if message.document is not None:
            await self._bot.send_document(
                chat_id,
                InputFile(message.document.data, filename=message.document.filename),
                caption=message.text or None,
                parse_mode=message.parse_mode,
                reply_markup=markup,
            )
        elif message.photo is not None:
            await self._bot.send_photo(
                chat_id,
                InputFile(message.photo.data, filename=message.photo.filename),
                caption=message.text or None,
                parse_mode=message.parse_mode,
                reply_markup=markup,
            )
        else:
            await self._bot.send_message(
                chat_id, message.text, parse_mode=message.parse_mode, reply_markup=markup
            )

    async def _mark_sent(self, row: ClaimedMessage) -> None:
        """Record the send, trying a few times: a failure here is the resend window."""
        for attempt in range(self.config.mark_retries):
            try:
                ours = await self._write(lambda s: outbox.mark_sent(s, row, now=self._clock()))
            except Exception as exc:
                log.warning("outbox row %s sent, mark failed: %s", row.id, type(exc).__name__)
                await asyncio.sleep(0.2 * (attempt + 1))
                continue
            self.stats.sent += 1
            if not ours:
                self.stats.lost_leases += 1
                log.warning("outbox row %s was sent after its lease ran out", row.id)
            return
        log.error("outbox row %s sent but not marked: it may be sent again", row.id)

    async def _refused(self, row: ClaimedMessage, error: str) -> None:
        log.warning("outbox row %s refused: %s", row.id, error)
        await self._write(lambda s: outbox.mark_failed(s, row, error=error))
        self.stats.failed += 1

    async def _failed_attempt(self, row: ClaimedMessage, error: str) -> None:
        attempts = row.attempts + 1
        if attempts >= self.config.max_attempts:
            await self._write(lambda s: outbox.mark_failed(s, row, error=error))
            self.stats.failed += 1
            log.warning("outbox row %s failed after %d attempts", row.id, attempts)
            return
        later = self._clock() + self.config.backoff(attempts)
        await self._write(
            lambda s: outbox.release(s, row, not_before=later, error=error, count_attempt=True)
        )
        self.stats.retried += 1

    async def _write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """One short transaction. On SQLite the dispatcher's own writes take
        turns: writers that collide wait in SQLite's busy handler, which sleeps
        in growing steps (up to 100 ms), long enough to starve the pace."""
        if self._write_lock is None:
            async with self._db.transaction() as session:
                return await work(session)
        async with self._write_lock, self._db.transaction() as session:
            return await work(session)

    # --- pacing ---------------------------------------------------------------------

    async def _await_chat_turn(self, chat_id: int) -> None:
        """Called holding the chat's lock: wait until its last send is ``per_chat_interval`` old."""
        last = self._chat_last.get(chat_id)
        if last is not None:
            wait = last + self.config.per_chat_interval - asyncio.get_running_loop().time()
            if wait > 0:
                await asyncio.sleep(wait)
        if len(self._chat_last) > 10_000:
            horizon = asyncio.get_running_loop().time() - self.config.per_chat_interval
            self._chat_last = {c: t for c, t in self._chat_last.items() if t > horizon}

    async def _await_send_turn(self) -> None:
        """Wait for this send's turn in the overall pace, and for any flood pause.

        Two rules, on the moments sends really start, one send at a time: no
        more than ``overall_rate`` starts in any sliding second (the way
        Telegram counts), and at least ``1 / (overall_rate + 0.5)`` seconds
        between two starts, so they are spread over the second rather than
        sent in a burst. Anchoring the window on real start times means a late timer
        or a stall neither lowers the rate for good nor causes a catch-up
        burst afterwards.
        """
        loop = asyncio.get_running_loop()
        per_second = max(1, int(self.config.overall_rate))
        spacing = 1.0 / (self.config.overall_rate + 0.5)
        async with self._pace_lock:
            starts = self._send_starts
            while True:
                now = loop.time()
                while starts and starts[0] <= now - 1.0:
                    starts.popleft()
                ready = self._paused_until
                if starts:
                    ready = max(ready, starts[-1] + spacing)
                if len(starts) >= per_second:
                    ready = max(ready, starts[0] + 1.0)
                if self._outstanding and now - min(self._outstanding.values()) > HELD_SEND:
                    # Something holds sends back: adding more would only make
                    # the burst bigger when it lets them go.
                    ready = max(ready, now + 0.1)
                if now >= ready:
                    break
                await asyncio.sleep(ready - now)
            starts.append(now)

    def _count_burst(self, since: float, at: float) -> None:
        """Sends granted since ``since`` were held back and left together at ``at``.

        After a 429, PTB's rate limiter holds every request, then lets them
        all go at once. Counted at their grant times they would leave
        Telegram's window before they really entered it, and the pace would
        overflow it again right after the burst: count them when they left.
        """
        starts = self._send_starts
        held = 0
        while starts and starts[-1] >= since:
            starts.pop()
            held += 1
        starts.extend([at] * held)

    def _pause_sends(self, seconds: float) -> None:
        now = asyncio.get_running_loop().time()
        self._paused_until = max(self._paused_until, now + seconds)


# ---------------------------------------------------------------------------
# Wiring into the Application
# ---------------------------------------------------------------------------


async def start_dispatcher(
    application: Application,  # type: ignore[type-arg]
    config: DispatcherConfig | None = None,
) -> Dispatcher:
    """Call from ``post_init``: the Application's bot is initialised by then."""
    db: Database = application.bot_data[DB_KEY]
    dispatcher = Dispatcher(application.bot, db, config=config)
    application.bot_data[DISPATCHER_KEY] = dispatcher
    dispatcher.start()
    return dispatcher


async def stop_dispatcher(application: Application) -> None:  # type: ignore[type-arg]
    """Call from ``post_stop``: before the bot and the database are shut down."""
    dispatcher: Dispatcher | None = application.bot_data.pop(DISPATCHER_KEY, None)
    if dispatcher is not None:
        await dispatcher.stop()


async def person_returned(
    session: AsyncSession, recipient: Recipient, *, now: datetime | None = None
) -> outbox.ReturnOutcome:
    """For ``/start`` of a known person: release what was held while they were away.

    Cheap when nothing was held (one UPDATE, one SELECT): call it on every
    ``/start`` of a known person, in the handler's transaction.
    """
    return await outbox.on_person_returned(
        session, recipient, now=now, stale_after=REGISTRY.stale_after
    )
