"""The dispatcher's settings (batch, pace, retries, leases) and what it counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.dispatcher.quiet_hours import QuietHours

Clock = Callable[[], datetime]


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
