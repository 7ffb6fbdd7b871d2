"""The desk's ASGI application (Starlette): routes, sign-in, and the security headers.

Sign-in is an exchange: the page posts Telegram's signed init data (opened as
a Mini App) or a one-use link token (opened in a browser) and gets back a
short-lived session cookie, HttpOnly, Secure and SameSite=Strict. Neither
the init data nor the token ever travels in a URL the server sees: both come
in the fragment (``#tgWebAppData=…``, ``#login=…``), which browsers keep to
themselves, and are posted by our own script.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.desk import initdata
from bot.desk.auth import SESSION_COOKIE, SESSION_SECONDS, RateLimit, make_session, read_session
from bot.desk.pages import actions, caseload, contacts, digest, person, synthesis
from bot.desk.web import HERE, DeskConfig, config, database, plain_page, templates
from bot.i18n import gettext_for
from dialogues.languages import DEFAULT
from storage.actors import CounsellorActor, resolve_actor
from storage.db import Database
from storage.desk_logins import redeem_login

log = logging.getLogger(__name__)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'self' https://web.telegram.org"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Every response: a CSP without inline script or style, no referrer, no caching of pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += HEADERS
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


async def sign_in_page(request: Request) -> Response:
    """The page the Mini App button and the login link open; our script does the rest."""
    locale = request.app.state.default_locale
    telegram_id = read_session(config(request).key, request.cookies.get(SESSION_COOKIE))
    if telegram_id is not None:
        async with database(request).transaction() as session:
            actor = await resolve_actor(session, telegram_id)
        if isinstance(actor, CounsellorActor):
            locale = actor.locale
    html = templates.get_template("signin.html").render(_=gettext_for(locale), lang=locale)
    return Response(html, media_type="text/html")


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


async def _exchange(request: Request) -> tuple[dict[str, Any], Response | None]:
    limiter: RateLimit = request.app.state.limiter
    if not limiter.allow(_client(request)):
        return {}, plain_page(request, 429, request.app.state.default_locale)
    if request.headers.get("content-type", "").split(";")[0] != "application/json":
        return {}, plain_page(request, 403, request.app.state.default_locale)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return {}, plain_page(request, 403, request.app.state.default_locale)
    return body, None


def _session_response(request: Request, telegram_id: int) -> Response:
    response = JSONResponse({"next": "/caseload"})
    response.set_cookie(
        SESSION_COOKIE,
        make_session(config(request).key, telegram_id),
        max_age=SESSION_SECONDS,
        path="/",
        secure=config(request).secure_cookies,
        httponly=True,
        samesite="strict",
    )
    return response


async def _counsellor_or_403(request: Request, telegram_id: int | None) -> Response:
    if telegram_id is not None:
        async with database(request).transaction() as session:
            actor = await resolve_actor(session, telegram_id)
        if isinstance(actor, CounsellorActor):
            log.info("desk: counsellor %s signed in", actor.counsellor_id)
            return _session_response(request, telegram_id)
    log.info("desk: sign-in refused")
    return plain_page(request, 403, request.app.state.default_locale)


async def telegram_sign_in(request: Request) -> Response:
    """``POST /auth/telegram`` ``{"init_data": …}``: signed by Telegram, for a counsellor."""
    body, refused = await _exchange(request)
    if refused is not None:
        return refused
    try:
        data = initdata.check(str(body.get("init_data", "")), config(request).bot_token)
    except initdata.InitDataRefused as exc:
        log.info("desk: init data refused (%s)", exc)
        return plain_page(request, 403, request.app.state.default_locale)
    return await _counsellor_or_403(request, data.telegram_id)


async def link_sign_in(request: Request) -> Response:
    """``POST /auth/link`` ``{"token": …}``: a one-use link the bot sent in the chat."""
    body, refused = await _exchange(request)
    if refused is not None:
        return refused
    async with database(request).transaction() as session:
        telegram_id = await redeem_login(session, str(body.get("token", "")))
    return await _counsellor_or_403(request, telegram_id)


async def sign_out(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return plain_page(request, status, request.app.state.default_locale)


def build_desk(
    db: Database,
    desk_config: DeskConfig,
    default_locale: str = DEFAULT.code,
    extra_routes: list[Route] | None = None,
) -> Starlette:
    """The desk; ``extra_routes`` (the webhook, when it shares the port) are matched first."""
    routes = [
        *(extra_routes or []),
        Route("/", sign_in_page),
        Route("/auth/telegram", telegram_sign_in, methods=["POST"]),
        Route("/auth/link", link_sign_in, methods=["POST"]),
        Route("/signout", sign_out, methods=["POST"]),
        Route("/caseload", caseload.page),
        Route("/digest", digest.page),
        Route("/people/{beneficiary_id:int}", person.page),
        Route("/people/{beneficiary_id:int}/charts/{run_id:int}.png", person.chart),
        Route("/people/{beneficiary_id:int}/sessions", actions.schedule, methods=["POST"]),
        Route("/people/{beneficiary_id:int}/tasks", actions.give_task, methods=["POST"]),
        Route("/people/{beneficiary_id:int}/phase", actions.move_phase, methods=["POST"]),
        Route("/people/{beneficiary_id:int}/synthesis", synthesis.page),
        Route("/people/{beneficiary_id:int}/synthesis", synthesis.write, methods=["POST"]),
        Route("/people/{beneficiary_id:int}/synthesis/review", synthesis.show, methods=["POST"]),
        Route(
            "/people/{beneficiary_id:int}/synthesis/deliver", synthesis.deliver, methods=["POST"]
        ),
        Route("/contacts", contacts.page),
        Route("/contacts", contacts.add, methods=["POST"]),
        Route("/contacts/{contact_id:int}", contacts.show),
        Route("/contacts/{contact_id:int}", contacts.edit, methods=["POST"]),
        Route("/contacts/{contact_id:int}/erase", contacts.erase, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: http_error},
    )
    app.state.db = db
    app.state.config = desk_config
    app.state.default_locale = default_locale
    app.state.limiter = RateLimit()
    return app
