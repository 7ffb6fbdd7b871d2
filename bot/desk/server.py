"""Serving the desk: inside ``bilan-bot run`` (next to the bot) or alone (``bilan-bot desk``).

Inside the bot, uvicorn runs as one more task of python-telegram-bot's event
loop and leaves the signals to python-telegram-bot, which stops the desk
in ``post_stop``. Alone, uvicorn owns the process and its signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn

from bot.desk.app import build_desk
from bot.desk.auth import session_key
from bot.desk.web import DeskConfig
from bot.settings import Settings, require_token
from storage.db import Database
from storage.sessions import DEFAULT_REMINDERS, parse_offsets

log = logging.getLogger(__name__)


class EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the bot's process already has them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def desk_config(settings: Settings, wake: Callable[[], None] | None = None) -> DeskConfig:
    token = require_token(settings)
    try:
        reminders = parse_offsets(settings.session_reminder_offsets)
    except ValueError:
        reminders = DEFAULT_REMINDERS
    return DeskConfig(
        bot_token=token,
        key=session_key(token),
        budget_hours=settings.bilan_hours_budget,
        reminders=reminders,
        task_reminder_hour=settings.task_reminder_hour,
        wake=wake,
        secure_cookies=settings.desk_secure_cookies,
    )


def uvicorn_config(
    settings: Settings, app: Any, host: str | None = None, port: int | None = None
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host or settings.desk_host,
        port=port or settings.desk_port or 0,
        # Behind the reverse proxy: the client's address (for the sign-in rate limit)
        # from X-Forwarded-For, trusted only from the proxy's own address.
        proxy_headers=True,
        forwarded_allow_ips=settings.desk_trusted_proxies,
        # uvicorn's access log prints every path; ours logs ids only.
        access_log=False,
        log_config=None,
        server_header=False,
        lifespan="off",
    )


class DeskTask:
    """The desk running inside the bot's loop."""

    def __init__(self, server: EmbeddedServer) -> None:
        self.server = server
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._serve(), name="desk")

    async def _serve(self) -> None:
        config = self.server.config
        try:
            await self.server.serve()
        except SystemExit:
            # uvicorn exits when it cannot listen (a port in use): the bot goes on without it.
            log.error(
                "desk could not listen on %s:%s; the bot runs without it", config.host, config.port
            )

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


def embedded(settings: Settings, db: Database, wake: Callable[[], None] | None) -> DeskTask:
    app = build_desk(db, desk_config(settings, wake), settings.default_locale)
    return DeskTask(EmbeddedServer(uvicorn_config(settings, app)))


def serve_alone(settings: Settings, db: Database) -> None:
    """``bilan-bot desk``: until SIGINT or SIGTERM."""
    app = build_desk(db, desk_config(settings), settings.default_locale)
    server = EmbeddedServer(uvicorn_config(settings, app))

    async def run() -> None:
        try:
            await serve_until_signal(server)
        finally:
            await db.dispose()

    asyncio.run(run())


async def serve_until_signal(server: EmbeddedServer) -> None:
    """Serve until SIGINT or SIGTERM, then return (uvicorn's own handling re-raises them)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: setattr(server, "should_exit", True))
    log.info("desk listening on %s:%s", server.config.host, server.config.port)
    await server.serve()
