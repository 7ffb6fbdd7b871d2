"""What every page of the desk shares: who is asking, in which language, and the templates.

:func:`signed_in` turns a request into a :class:`Visit` or refuses it with
403: the cookie must be valid, and its Telegram id must still be an active
counsellor's (resolved again on every request, never trusted from the cookie).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.desk.auth import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, csrf_ok, csrf_token, read_session
from bot.i18n import Translate, format_datetime, gettext_for, ngettext_for
from dialogues.languages import Language, language
from storage.actors import CounsellorActor, resolve_actor
from storage.db import Database
from storage.sessions import DEFAULT_REMINDERS

HERE = Path(__file__).parent

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class DeskConfig:
    """What the desk needs of the organisation's settings and of the bot."""

    bot_token: str
    key: bytes
    budget_hours: float = 24
    reminders: tuple[timedelta, ...] = DEFAULT_REMINDERS
    task_reminder_hour: int = 18
    wake: Callable[[], None] | None = None
    """Wakes the outbox dispatcher when the bot runs in the same process."""
    secure_cookies: bool = True


@dataclass
class Visit:
    """One signed-in counsellor's request."""

    request: Request
    actor: CounsellorActor
    session_value: str
    key: bytes
    _: Translate = field(repr=False)
    ngettext: Callable[[str, str, int], str] = field(repr=False)

    @property
    def locale(self) -> str:
        return self.actor.locale

    @property
    def csrf(self) -> str:
        return csrf_token(self.key, self.session_value)

    def when(self, moment: datetime | None) -> str:
        if moment is None:
            return "—"
        return format_datetime(
            moment, self.locale, self.actor.timezone, self.language.dates.desk_when
        )

    def when_short(self, moment: datetime | None) -> str:
        if moment is None:
            return "—"
        return format_datetime(
            moment, self.locale, self.actor.timezone, self.language.dates.desk_short
        )

    def day(self, value: date | None) -> str:
        return "—" if value is None else format_date(value, "d MMMM y", locale=self.locale)

    @property
    def language(self) -> Language:
        return language(self.locale)

    @property
    def lang(self) -> str:
        return self.language.code

    def render(self, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        html = templates.get_template(name).render(
            _=self._, ngettext=self.ngettext, visit=self, lang=self.lang, **values
        )
        return HTMLResponse(html, status_code=status_code)


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def config(request: Request) -> DeskConfig:
    value: DeskConfig = request.app.state.config
    return value


async def signed_in(request: Request) -> Visit:
    """The counsellor behind the request's cookie, or 403 (nothing else is said)."""
    key = config(request).key
    value = request.cookies.get(SESSION_COOKIE)
    telegram_id = read_session(key, value)
    if telegram_id is None or value is None:
        raise HTTPException(403)
    async with database(request).transaction() as session:
        actor = await resolve_actor(session, telegram_id)
    if not isinstance(actor, CounsellorActor):
        raise HTTPException(403)
    return Visit(request, actor, value, key, gettext_for(actor.locale), ngettext_for(actor.locale))


async def form_of(visit: Visit) -> dict[str, str]:
    """The posted form, once its CSRF token is checked (403 without it)."""
    form = await visit.request.form()
    given = form.get(CSRF_FIELD) or visit.request.headers.get(CSRF_HEADER)
    if not isinstance(given, str) or not csrf_ok(visit.key, visit.session_value, given):
        raise HTTPException(403)
    return {k: v for k, v in form.items() if isinstance(v, str)}


def plain_page(request: Request, status_code: int, locale: str) -> HTMLResponse:
    """403, 404, 429: one sentence in the desk's style, no data."""
    _ = gettext_for(locale)
    messages = {
        403: _("This page is not available to you."),
        404: _("This page does not exist."),
        429: _("Too many attempts: wait a minute, then try again."),
    }
    html = templates.get_template("plain.html").render(
        _=_, lang=locale, message=messages.get(status_code, _("Something went wrong."))
    )
    return HTMLResponse(html, status_code=status_code)
