"""Telegram's signed Mini App init data, checked as Telegram documents it.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app:
the data-check-string is every received field but ``hash``, as ``key=value``
lines sorted by key; the secret key is HMAC-SHA256 of the bot token keyed with
``"WebAppData"``; the hash is the hex HMAC-SHA256 of the data-check-string
under that secret. ``auth_date`` must be recent, so a copied init data string
stops working soon. Pure functions: no I/O, easy to test against the spec.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

MAX_AGE = timedelta(hours=1)
"""How old a signed init data may be when exchanged for a session."""


class InitDataRefused(Exception):
    """The init data is not Telegram's, or too old. The message is a short reason code."""


@dataclass(frozen=True)
class InitData:
    telegram_id: int
    language_code: str | None
    auth_date: datetime


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The query string Telegram would pass for ``fields`` (for tests and the sandbox)."""
    digest = hmac.new(
        secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    return urlencode({**fields, "hash": digest})


def check(
    init_data: str, bot_token: str, *, now: datetime | None = None, max_age: timedelta = MAX_AGE
) -> InitData:
    """The Telegram user the init data was signed for, or :class:`InitDataRefused`."""
    if not init_data or len(init_data) > 8192:
        raise InitDataRefused("size")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataRefused("shape") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataRefused("repeated field")
    received = fields.get("hash", "")
    expected = hmac.new(
        secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(received.encode(), expected.encode()):
        raise InitDataRefused("signature")
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
        user = json.loads(fields["user"])
        telegram_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise InitDataRefused("fields") from None
    now = now or datetime.now(UTC)
    if auth_date > now + timedelta(minutes=5) or now - auth_date > max_age:
        raise InitDataRefused("stale")
    language = user.get("language_code")
    return InitData(telegram_id, language if isinstance(language, str) else None, auth_date)
