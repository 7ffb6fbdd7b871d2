"""The bot's Bot API transport (``bot.kit.transport``) against a real server on 127.0.0.1.

What python-telegram-bot's own ``HTTPXRequest`` guarantees, the bot keeps:
the parameters and files arrive as a form the Bot API reads (a file named
in French keeps its accents, as with ``HTTPXRequest``), a silent server ends in ``TimedOut`` within
the read timeout, a closed port in ``NetworkError``, and neither error's
message quotes the URL, which carries the token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

from bot.kit.transport import AiohttpRequest

TOKEN = "123456:SECRET-token-value"
ME = {"id": 1, "is_bot": True, "first_name": "Bilan", "username": "bilan_bot"}
MESSAGE = {"message_id": 7, "date": 1_700_000_000, "chat": {"id": 42, "type": "private"}}


@dataclass
class Received:
    """What the server read from each request, by Bot API method."""

    forms: dict[str, dict[str, str]] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    user_agents: list[str] = field(default_factory=list)
    stall_s: float = 0.0


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Received]]:
    received = Received()

    async def method(request: web.Request) -> web.Response:
        name = request.match_info["method"]
        received.user_agents.append(request.headers.get("User-Agent", ""))
        form: dict[str, str] = {}
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.filename is not None:  # type: ignore[union-attr]
                    received.files[part.name or ""] = (part.filename, await part.read())  # type: ignore[union-attr]
                else:
                    form[part.name or ""] = await part.text()  # type: ignore[union-attr]
        else:
            form = {k: str(v) for k, v in (await request.post()).items()}
        received.forms[name] = form
        if received.stall_s:
            await asyncio.sleep(received.stall_s)
        result: object = ME if name == "getMe" else MESSAGE
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/{{method}}", method)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/bot", received
    finally:
        await runner.cleanup()


def _bot(base_url: str, read_timeout: float = 5.0, connect_timeout: float = 5.0) -> Bot:
    request = AiohttpRequest(read_timeout=read_timeout, connect_timeout=connect_timeout)
    return Bot(TOKEN, base_url=base_url, request=request, get_updates_request=request)


async def test_parameters_arrive_as_the_bot_api_reads_them(
    server: tuple[str, Received],
) -> None:
    url, received = server
    async with _bot(url) as bot:
        sent = await bot.send_message(42, "Bonjour <b>Paul</b> & co", parse_mode="HTML")
    assert sent.message_id == 7
    assert received.forms["sendMessage"] == {
        "chat_id": "42",
        "text": "Bonjour <b>Paul</b> & co",
        "parse_mode": "HTML",
    }
    assert all(agent.startswith("python-telegram-bot") for agent in received.user_agents)


@pytest.mark.parametrize(
    "filename", ["Synthèse - Sophie Marchand - v1.pdf", 'Dossier "final" d\'Éloïse.pdf']
)
async def test_a_file_arrives_as_python_telegram_bot_s_own_transport_sends_it(
    server: tuple[str, Received], filename: str
) -> None:
    """A name in French keeps its accents; a name with ``"`` reads as httpx writes it."""
    url, received = server
    content = b"%PDF-1.7 " + bytes(range(256))
    arrived = []
    for request in (AiohttpRequest(), HTTPXRequest()):
        async with Bot(TOKEN, base_url=url, request=request) as bot:
            document = InputFile(content, filename=filename)
            await bot.send_document(42, document, caption="Votre synthèse")
        arrived.append((received.files["document"], received.forms["sendDocument"]["caption"]))
    ours, theirs = arrived
    assert ours == theirs
    assert ours[0][1] == content and ours[1] == "Votre synthèse"
    if '"' not in filename:
        assert ours[0][0] == filename


async def test_a_silent_server_times_out_within_the_read_timeout(
    server: tuple[str, Received],
) -> None:
    url, received = server
    async with _bot(url, read_timeout=0.5) as bot:
        received.stall_s = 5.0
        started = time.monotonic()
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(42, "Bonjour")
        waited = time.monotonic() - started
    assert 0.4 < waited < 4.0
    assert TOKEN not in str(raised.value) and "SECRET" not in repr(raised.value)


async def test_a_call_may_wait_longer_than_the_default(server: tuple[str, Received]) -> None:
    url, received = server
    async with _bot(url, read_timeout=0.3) as bot:
        received.stall_s = 0.8
        sent = await bot.send_message(42, "Bonjour", read_timeout=5)
    assert sent.message_id == 7


async def test_a_closed_port_is_a_network_error_without_the_token() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    bot = _bot(f"http://127.0.0.1:{port}/bot", connect_timeout=2.0)
    await bot._request[1].initialize()  # getMe would fail inside initialize(); call directly
    try:
        with pytest.raises(NetworkError) as raised:
            await bot.get_me()
    finally:
        await bot._request[1].shutdown()
    assert not isinstance(raised.value, TimedOut)
    assert raised.value.message.startswith("aiohttp.")
    assert TOKEN not in str(raised.value) and "SECRET" not in str(raised.value)


def test_the_proxy_is_the_one_the_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """``HTTPS_PROXY`` is honoured as with httpx, and ``NO_PROXY`` exempts a host."""
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert AiohttpRequest()._proxy("https://api.telegram.org/bot1:x/getMe") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "bot-api.internal")
    request = AiohttpRequest()
    assert request._proxy("https://api.telegram.org/bot1:x/getMe") == "http://proxy.example:3128"
    assert request._proxy("https://bot-api.internal/bot1:x/getMe") is None
    assert request._proxy("http://api.telegram.org/bot1:x/getMe") is None  # no HTTP_PROXY
