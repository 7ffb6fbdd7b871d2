"""Which invitation link each not-yet-consenting person opened, in memory only.

Until a person presses "I agree" nothing about them may be stored, yet the
consent question must stay reachable: someone who types "bonjour" or
``/menu`` while it is open gets the question again, with its buttons, rather
than the sentence for strangers. So the bot remembers, per Telegram user, the
token of the link they opened and the language they chose, in this process's
memory and for a few hours at most. After a restart the memory is gone and
the person is asked to open their link again, which still works: forgetting
costs a tap, storing would keep a trace of someone who never agreed.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

MAX_TRACKED_USERS = 10_000
KEEP_SECONDS = 6 * 3600


@dataclass(frozen=True)
class OpenConsent:
    token: str
    locale: str
    opened_at: float


class PendingConsents:
    """Bounded, expiring map from a Telegram user id to the consent question they have open."""

    def __init__(self, keep_seconds: float = KEEP_SECONDS) -> None:
        self.keep = keep_seconds
        self._open: OrderedDict[int, OpenConsent] = OrderedDict()

    def remember(self, user_id: int, token: str, locale: str, now: float | None = None) -> None:
        moment = time.monotonic() if now is None else now
        self._open[user_id] = OpenConsent(token, locale, moment)
        self._open.move_to_end(user_id)
        while len(self._open) > MAX_TRACKED_USERS:
            self._open.popitem(last=False)

    def get(self, user_id: int, now: float | None = None) -> OpenConsent | None:
        found = self._open.get(user_id)
        if found is None:
            return None
        moment = time.monotonic() if now is None else now
        if moment - found.opened_at > self.keep:
            del self._open[user_id]
            return None
        return found

    def forget(self, user_id: int) -> None:
        self._open.pop(user_id, None)
