"""Reaching Telegram from the command line: one line that says what to check, never the token.

python-telegram-bot reports a refused token as ``InvalidToken`` whose message
quotes the token, and a network failure as a ``NetworkError`` traceback. The
command line turns both into one line on stderr that names the Bot API host
(never the URL, which carries the token) and what to check.

Two behaviours, on purpose:

- ``bilan-bot invite`` asks Telegram for the bot's username once, with a bound
  (``CHECK_TIMEOUT_S``) on the whole exchange, and stops with exit status 2:
  the administrator is at the terminal and can fix it and try again.
- ``bilan-bot run`` *waits for the network*: it says so in one line per try and
  tries again, backing off up to ``RETRY_MAX_S``. The bot is a service started
  at boot, often before the network is up, and it already rides out Bot API
  outages once running (the outbox keeps every message); stopping would only
  move the retry to a supervisor, or leave the bot down. A token Telegram
  refuses will not get better by waiting: that stops at once, exit status 2.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.kit.transport import ERROR_PREFIX, AiohttpRequest

CHECK_TIMEOUT_S = 10.0
RETRY_FIRST_S = 2.0
RETRY_MAX_S = 60.0


class TelegramProblem(Exception):
    """What went wrong reaching Telegram, as one line safe to print (no token)."""


class TokenRefused(TelegramProblem):
    """The Bot API answered, and refused the token: waiting will not help."""


class Unreachable(TelegramProblem):
    """No answer from the Bot API (network, DNS, timeout): it may come back."""


def host_of(base_url: str) -> str:
    """The Bot API host and port only: the rest of the URL is where the token goes."""
    parts = urlsplit(base_url)
    return parts.netloc or base_url.split("/", 1)[0]


def token_refused(base_url: str) -> TokenRefused:
    return TokenRefused(
        f"the Bot API at {host_of(base_url)} refused TELEGRAM_BOT_TOKEN: check it with "
        "@BotFather (/token, or /revoke for a new one) and TELEGRAM_API_BASE_URL"
    )


def unreachable(base_url: str, error: BaseException) -> Unreachable:
    return Unreachable(
        f"cannot reach the Bot API at {host_of(base_url)} ({_kind(error)}): check the "
        "network, the DNS and TELEGRAM_API_BASE_URL"
    )


def _kind(error: BaseException) -> str:
    """A ``NetworkError`` names the transport's error ("aiohttp.ClientConnectorError"): keep it."""
    if isinstance(error, NetworkError) and error.message.startswith(ERROR_PREFIX):
        return error.message.removeprefix(ERROR_PREFIX)
    return type(error).__name__


def _bot(token: str, base_url: str) -> Bot:
    request = AiohttpRequest(
        connect_timeout=CHECK_TIMEOUT_S,
        read_timeout=CHECK_TIMEOUT_S,
        write_timeout=CHECK_TIMEOUT_S,
        pool_timeout=CHECK_TIMEOUT_S,
    )
    return Bot(token, base_url=base_url, request=request, get_updates_request=request)


async def bot_username(token: str, base_url: str) -> str:
    """``getMe`` once, within ``CHECK_TIMEOUT_S``; raises ``TelegramProblem``."""
    bot = _bot(token, base_url)
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await bot.initialize()
            return bot.username
    except InvalidToken:
        raise token_refused(base_url) from None
    except (NetworkError, TimeoutError) as exc:
        raise unreachable(base_url, exc) from None
    except TelegramError as exc:
        # Any other refusal: its message may quote what was sent, so only its kind.
        raise TelegramProblem(
            f"the Bot API at {host_of(base_url)} refused getMe ({type(exc).__name__}): "
            "check TELEGRAM_API_BASE_URL"
        ) from None
    finally:
        await bot.shutdown()


async def wait_for_telegram(
    token: str,
    base_url: str,
    say: Callable[[str], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> str:
    """``getMe`` until the Bot API answers; the bot's username.

    A refused token raises ``TokenRefused`` at once; a network failure is
    said in one line and tried again after 2, 4, 8 … ``RETRY_MAX_S`` seconds.
    """
    tell = say or _stderr
    delay = RETRY_FIRST_S
    while True:
        try:
            return await bot_username(token, base_url)
        except Unreachable as problem:
            tell(f"{problem}; trying again in {delay:.0f} s (Ctrl-C stops)")
        await sleep(delay)
        delay = min(delay * 2, RETRY_MAX_S)


def _stderr(line: str) -> None:
    print(f"bilan-bot: {line}", file=sys.stderr, flush=True)
