"""Sessions of the desk: a short-lived signed cookie, its CSRF token, and the login rate limit.

The cookie carries the counsellor's Telegram id and an expiry, signed with a
key derived from the bot token, and nothing personal. It is not trusted to
name an actor: every request resolves it again through
:func:`storage.actors.resolve_actor`, so a counsellor deactivated by the
administrator is out at their next click, and a beneficiary never gets in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass, field

SESSION_COOKIE = "desk_session"
SESSION_SECONDS = 60 * 60
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def session_key(bot_token: str) -> bytes:
    """A key of its own for the desk, so no other use of the token can make a cookie."""
    return hmac.new(b"bilan-desk-session", bot_token.encode(), hashlib.sha256).digest()


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def make_session(key: bytes, telegram_id: int, now: float | None = None) -> str:
    expires = int((now or time.time()) + SESSION_SECONDS)
    body = f"{telegram_id}.{expires}.{secrets.token_hex(8)}"
    return f"{body}.{_mac(key, body)}"


def read_session(key: bytes, value: str | None, now: float | None = None) -> int | None:
    """The Telegram id in a valid, unexpired cookie, else ``None``."""
    if not value or len(value) > 200:
        return None
    body, _, mac = value.rpartition(".")
    if not hmac.compare_digest(mac.encode(), _mac(key, body).encode()):
        return None
    parts = body.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    if int(parts[1]) < (now or time.time()):
        return None
    return int(parts[0])


def csrf_token(key: bytes, session_value: str) -> str:
    """Bound to the session: a token lifted from another session is worth nothing."""
    return _mac(key, f"csrf:{session_value}")[:40]


def csrf_ok(key: bytes, session_value: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(
        (given or "").encode(), csrf_token(key, session_value).encode()
    )


@dataclass
class RateLimit:
    """At most ``limit`` sign-in attempts per client address in a sliding ``window``.

    In memory: it slows down guessing in one process; the signatures and the
    one-use tokens are what make guessing useless.
    """

    limit: int = 10
    window: float = 60.0
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if len(self._seen) > 10_000:
            self._seen.clear()
        times = self._seen.setdefault(client, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True
