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

from bot.dispatcher.config import DispatcherConfig, DispatchStats
from bot.dispatcher.leadership import AdvisoryLockLeadership, EveryProcess, Leadership
from bot.dispatcher.quiet_hours import QuietHours
from bot.dispatcher.sending import Dispatcher
from bot.dispatcher.wiring import (
    DISPATCHER_KEY,
    person_returned,
    start_dispatcher,
    stop_dispatcher,
)

__all__ = [
    "DISPATCHER_KEY",
    "AdvisoryLockLeadership",
    "DispatchStats",
    "Dispatcher",
    "DispatcherConfig",
    "EveryProcess",
    "Leadership",
    "QuietHours",
    "person_returned",
    "start_dispatcher",
    "stop_dispatcher",
]
