"""Bot API requests over aiohttp: python-telegram-bot's networking, at a quarter of the CPU.

Every update costs the bot two or three HTTP requests (its share of
``getUpdates``, then ``sendMessage``, or ``answerCallbackQuery`` and an
edit). Through PTB's default ``HTTPXRequest`` each costs about 1 ms of CPU
on the event loop, mostly httpcore's and anyio's machinery around the
socket; aiohttp's client does the same request for about 0.25 ms
(``benchmarks.per_update`` prints what that makes per update). PTB asks of
a networking backend only :class:`~telegram.request.BaseRequest`'s
``do_request`` (and keeps status codes, JSON and retries to itself), so
this is that method and nothing more.

It behaves as ``HTTPXRequest`` does where the bot can see it: the same
default timeouts (5 s, 20 s to write a file, 1 s to wait for a pooled
connection), the same pool sizes as ``ApplicationBuilder``'s, the proxy
that the environment names (``HTTPS_PROXY``, ``NO_PROXY``), file names in
UTF-8, a timeout raised as ``TimedOut`` and any other failure as
``NetworkError``. An error's message names its kind only: the URL it was
sent to carries the token.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput  # the type of BaseRequest's own signature
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT_S = 5.0
MEDIA_WRITE_TIMEOUT_S = 20.0
POOL_TIMEOUT_S = 1.0
POOL_SIZE = 256
GET_UPDATES_POOL_SIZE = 1  # one long poll at a time
ERROR_PREFIX = "aiohttp."
"""A ``NetworkError``'s message starts with this and the error's kind (``bot.reach``)."""


class AiohttpRequest(BaseRequest):
    """One aiohttp session with its own pool of connections to the Bot API."""

    def __init__(
        self,
        pool_size: int = POOL_SIZE,
        read_timeout: float | None = DEFAULT_TIMEOUT_S,
        write_timeout: float | None = DEFAULT_TIMEOUT_S,
        connect_timeout: float | None = DEFAULT_TIMEOUT_S,
        pool_timeout: float | None = POOL_TIMEOUT_S,
        media_write_timeout: float | None = MEDIA_WRITE_TIMEOUT_S,
    ) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        # The session belongs to the running loop: it is made here, not in __init__.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        timeout = self._timeout(
            read_timeout,
            write_timeout,
            connect_timeout,
            pool_timeout,
            self._media_write_timeout if files else self._write_timeout,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout, proxy=self._proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's own timeouts are TimeoutErrors too
            raise TimedOut(f"{ERROR_PREFIX}{type(error).__name__}") from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"{ERROR_PREFIX}{type(error).__name__}") from error

    def _proxy(self, url: str) -> str | None:
        """The proxy the environment names for this host (``HTTPS_PROXY``, ``NO_PROXY``).

        Looked up once per host: aiohttp's own ``trust_env`` would look it up,
        and read ``~/.netrc``, in a thread on every request.
        """
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            bypass = bool(parts.hostname) and urllib.request.proxy_bypass(parts.hostname or "")
            self._proxies[key] = None if bypass else urllib.request.getproxies().get(parts.scheme)
        return self._proxies[key]

    def _timeout(
        self,
        read: ODVInput[float],
        write: ODVInput[float],
        connect: ODVInput[float],
        pool: ODVInput[float],
        default_write: float | None,
    ) -> aiohttp.ClientTimeout:
        """PTB's four timeouts as aiohttp's: it has no write timeout of its own.

        aiohttp's ``connect`` is the wait for a pooled connection plus the
        connection itself, ``sock_read`` the longest silence while reading,
        and ``total`` caps the whole request: writing included, so a stalled
        upload still ends.
        """
        reading = _given(read, self._read_timeout)
        writing = _given(write, default_write)
        connecting = _given(connect, self._connect_timeout)
        pooling = _given(pool, self._pool_timeout)
        parts = (reading, writing, connecting, pooling)
        total = None if None in parts else sum(p for p in parts if p is not None)
        waiting = None if connecting is None or pooling is None else connecting + pooling
        return aiohttp.ClientTimeout(
            total=total, connect=waiting, sock_connect=connecting, sock_read=reading
        )


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """A timeout passed to the call, or this request's default when none was."""
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The parameters as a form, as PTB sends them: multipart when a file goes with them."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=_html5(filename), content_type=mimetype)
    return form


_HTML5_ESCAPES = {'"': "%22", **{chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}}


def _html5(filename: str) -> str:
    """A file name as browsers and httpx write it in a form: UTF-8 as is, ``"`` as ``%22``.

    aiohttp's default would percent-encode every non-ASCII letter, and Telegram
    would show "Synth%C3%A8se.pdf". Unquoted, aiohttp escapes ``\\`` itself
    but writes ``"`` as ``\\"``, which a form parser does not read back.
    """
    return "".join(_HTML5_ESCAPES.get(char, char) for char in filename)
