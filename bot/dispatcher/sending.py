"""The dispatcher: claims due rows, renders each in its recipient's language, sends it.

Its pace is :class:`bot.dispatcher.pacing.Pacing`, what it records of each
outcome :class:`bot.dispatcher.settling.Settling`; the design is in the
docstring of :mod:`bot.dispatcher`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import RetryAfter

from bot.claimer import previous_runs, this_process
from bot.dispatcher.config import Clock, DispatcherConfig, DispatchStats
from bot.dispatcher.leadership import AdvisoryLockLeadership, EveryProcess, Leadership
from bot.dispatcher.pacing import HELD_SEND, Pacing
from bot.dispatcher.settling import (
    NOT_OURS,
    NOT_RELEVANT,
    SENT,
    FloodedOut,
    Outcome,
    RenderFailed,
    Settling,
    retry_after_seconds,
)
from bot.outbox_kinds import REGISTRY, KindRegistry, KindSpec, OutgoingMessage, RenderContext
from storage import outbox
from storage.db import Database
from storage.models import utcnow
from storage.outbox import Addressee, ClaimedMessage, Recipient

log = logging.getLogger(__name__)

Addressees = dict[Recipient, Addressee]


class Dispatcher(Settling, Pacing):
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
            return RenderFailed(type(exc).__name__)
        if message is None:
            return NOT_RELEVANT
        flood_wait = 0.0
        for _ in range(self.config.max_flood_rounds):
            outcome = await self._attempt(row, addressee.chat_id, message)
            if not isinstance(outcome, RetryAfter):
                return outcome
            flood_wait = min(retry_after_seconds(outcome), self.config.max_flood_wait)
            self.stats.rate_limited += 1
            log.warning("outbox: flood control, pausing sends %.0f s", flood_wait)
            self._pause_sends(flood_wait)
        return FloodedOut(flood_wait)

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
                return NOT_OURS
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
        return SENT

    async def _send(self, chat_id: int, message: OutgoingMessage) -> None:
        """Outbox texts are HTML; said here, since the dispatcher may be handed any bot
        (one without the application's defaults: another process, a test)."""
        markup = message.keyboard
        if message.document is not None:
            await self._bot.send_document(
                chat_id,
                InputFile(message.document.data, filename=message.document.filename),
                caption=message.text or None,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        elif message.photo is not None:
            await self._bot.send_photo(
                chat_id,
                InputFile(message.photo.data, filename=message.photo.filename),
                caption=message.text or None,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        else:
            await self._bot.send_message(
                chat_id, message.text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
