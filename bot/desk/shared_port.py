"""Webhook mode with the desk on the same port: one uvicorn server for both.

python-telegram-bot's own ``run_webhook`` serves with tornado, on a port of
its own. When ``DESK_PORT`` equals the webhook's ``--port``, the bot runs
instead as python-telegram-bot documents for a custom web server: the
application is initialised and started by hand, and the desk's Starlette
app gets one more route, the webhook path, which checks Telegram's secret
header and hands each update to the application's queue. Behind the reverse
proxy, the bot and the desk then share one address and one port.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update

from bot.desk.app import build_desk
from bot.desk.server import EmbeddedServer, desk_config, serve_until_signal, uvicorn_config
from bot.runtime import DISPATCHER_KEY
from bot.settings import Settings
from storage.db import Database

log = logging.getLogger(__name__)

SHARED_KEY = "desk_shared_port"
"""Set in ``bot_data`` so that ``post_init`` does not start a second desk server."""
SECRET_HEADER = "x-telegram-bot-api-secret-token"


def webhook_route(application: Any, path: str, secret: str | None) -> Route:
    async def receive(request: Request) -> Response:
        if secret is not None and not hmac.compare_digest(
            request.headers.get(SECRET_HEADER, "").encode(), secret.encode()
        ):
            return Response(status_code=403)
        try:
            data = await request.json()
        except ValueError:
            return Response(status_code=400)
        if not isinstance(data, dict):
            return Response(status_code=400)
        await application.update_queue.put(Update.de_json(data, application.bot))
        return Response(status_code=200)

    return Route(path, receive, methods=["POST"])


async def serve_webhook_with_desk(
    application: Any, settings: Settings, db: Database, *, listen: str, port: int, url: str
) -> None:
    """Until SIGINT or SIGTERM, which stop the server, then the bot."""
    from bot.app import ALLOWED_UPDATES

    application.bot_data[SHARED_KEY] = True
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.bot.set_webhook(
            url, secret_token=settings.webhook_secret_token, allowed_updates=ALLOWED_UPDATES
        )
        await application.start()
        dispatcher = application.bot_data.get(DISPATCHER_KEY)
        desk = build_desk(
            db,
            desk_config(settings, dispatcher.wake if dispatcher is not None else None),
            settings.default_locale,
            extra_routes=[
                webhook_route(application, urlsplit(url).path or "/", settings.webhook_secret_token)
            ],
        )
        log.info("webhook and desk on one port")
        await serve_until_signal(EmbeddedServer(uvicorn_config(settings, desk, listen, port)))
    finally:
        if application.running:
            await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
