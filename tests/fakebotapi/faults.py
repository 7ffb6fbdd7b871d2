"""Injected failures: what goes wrong with Telegram, on demand.

The dispatcher promises to retry on 429 and network faults, to give up on a
person who blocked the bot, and to survive an outage; these promises are
only tested if the server misbehaves when asked. A ``FaultPlan`` holds:

- rules for the next *n* matching calls (``429``, ``500``, ``502``,
  ``403``, ``timeout`` — hang past the client's read timeout —, and
  ``disconnect`` — close the connection without an answer);
- the set of users who blocked the bot (every send to them answers 403);
- an optional latency added to every call and an optional enforced rate
  limit on sends, for benchmarks.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass
from typing import Literal, get_args

FaultKind = Literal["429", "500", "502", "403", "timeout", "disconnect"]
FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))

# Methods that post something into a chat: rate-limited, refused when blocked.
SEND_METHODS = frozenset(
    {
        "sendmessage", "sendphoto", "senddocument", "sendsticker", "sendvoice", "sendaudio",
        "sendvideo", "sendanimation", "sendlocation", "sendcontact", "sendmediagroup",
        "copymessage", "forwardmessage", "sendpoll", "senddice", "sendvenue", "sendvideonote",
    }
)  # fmt: skip
BLOCKABLE_METHODS = SEND_METHODS | {"sendchataction"}


@dataclass
class FaultRule:
    """Answer the next ``remaining`` matching calls with ``kind``.

    ``method`` None matches every method except getUpdates (a polling bot
    calls it constantly; name it explicitly to fault polling).
    ``performed`` (for ``timeout``/``disconnect``) first carries the call out
    and then loses the answer: the message exists although the bot saw a
    failure, the case that makes blind retries send duplicates.
    """

    kind: str
    remaining: int
    method: str | None = None
    chat_id: int | None = None
    retry_after: int = 1
    delay_s: float = 30.0
    performed: bool = False

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is None:
            if method == "getupdates":
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass
class RateLimit:
    """At most ``per_second`` sends overall and ``per_chat_per_second`` per chat,
    counted over a sliding ``window_s``; beyond it the server answers 429."""

    per_second: float | None = 30.0
    per_chat_per_second: float | None = None
    window_s: float = 1.0


class FaultPlan:
    """Thread-safe store of the faults in force."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._blocked: set[int] = set()
        self.latency_s: float = 0.0
        self._rate: RateLimit | None = None
        self._sent_at: deque[float] = deque()
        self._sent_at_by_chat: dict[int, deque[float]] = {}

    def add(self, rule: FaultRule) -> None:
        if rule.kind not in FAULT_KINDS:
            hint = (
                " (use stop_accepting() for refused connections)" if "refused" in rule.kind else ""
            )
            raise ValueError(f"unknown fault kind {rule.kind!r}{hint}")
        if rule.remaining < 1:
            raise ValueError("a fault must apply to at least one call")
        with self._lock:
            self._rules.append(rule)

    def take(self, method: str, chat_id: int | None) -> FaultRule | None:
        """The first rule matching this call, with one use consumed."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, chat_id):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                    return rule
        return None

    def pending(self) -> list[FaultRule]:
        with self._lock:
            return [FaultRule(**vars(rule)) for rule in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._blocked.clear()
            self.latency_s = 0.0
            self._rate = None

    def block(self, user_id: int) -> bool:
        """Mark blocked; True if this changed anything."""
        with self._lock:
            changed = user_id not in self._blocked
            self._blocked.add(user_id)
            return changed

    def unblock(self, user_id: int) -> bool:
        with self._lock:
            changed = user_id in self._blocked
            self._blocked.discard(user_id)
            return changed

    def is_blocked(self, chat_id: int | None) -> bool:
        with self._lock:
            return chat_id is not None and chat_id in self._blocked

    def set_rate_limit(self, rate: RateLimit | None) -> None:
        with self._lock:
            self._rate = rate
            self._sent_at.clear()
            self._sent_at_by_chat.clear()

    def admit_send(self, chat_id: int | None, now: float) -> int | None:
        """Count a send against the rate limit: None if allowed, else retry_after."""
        with self._lock:
            rate = self._rate
            if rate is None:
                return None
            horizon = now - rate.window_s
            while self._sent_at and self._sent_at[0] <= horizon:
                self._sent_at.popleft()
            chat_times = self._sent_at_by_chat.setdefault(chat_id or 0, deque())
            while chat_times and chat_times[0] <= horizon:
                chat_times.popleft()
            checks = (
                (rate.per_second, self._sent_at),
                (rate.per_chat_per_second, chat_times),
            )
            for limit, times in checks:
                if limit is not None and len(times) >= limit * rate.window_s:
                    wait = times[0] + rate.window_s - now
                    return max(1, math.ceil(wait))
            self._sent_at.append(now)
            chat_times.append(now)
            return None
