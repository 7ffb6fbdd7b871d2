"""Rate limit on failed ``/start`` attempts, per Telegram user.

Kept in memory on purpose: the people it counts are strangers about whom
nothing may be stored, and forgetting the counts on restart only gives a
guesser a few more tries against 192-bit tokens.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque

MAX_TRACKED_USERS = 10_000


class FailedAttempts:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._seen: OrderedDict[int, deque[float]] = OrderedDict()

    def _recent(self, user_id: int, now: float) -> deque[float]:
        stamps = self._seen.setdefault(user_id, deque())
        self._seen.move_to_end(user_id)
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        while len(self._seen) > MAX_TRACKED_USERS:
            self._seen.popitem(last=False)
        return stamps

    def blocked(self, user_id: int, now: float | None = None) -> bool:
        return len(self._recent(user_id, time.monotonic() if now is None else now)) >= self.limit

    def add_failure(self, user_id: int, now: float | None = None) -> None:
        moment = time.monotonic() if now is None else now
        self._recent(user_id, moment).append(moment)
