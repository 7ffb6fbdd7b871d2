"""What every handler needs: the database, the settings, who is talking, in which language.

Kept in ``Application.bot_data`` under fixed keys so that a handler is a
function of (update, stored state) and nothing else. The caller is resolved
once per update, before any handler (:mod:`bot.kit.caller`), and kept on the
update's context.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from bot.i18n import Translate, gettext_for
from bot.kit.unit import current_unit
from bot.settings import SUPPORTED_LOCALES, Settings
from storage.actors import PersonActor
from storage.callers import find_caller
from storage.conversation import Wait
from storage.db import Database

DB_KEY = "db"
SETTINGS_KEY = "settings"
DISPATCHER_KEY = "dispatcher"


@dataclass(frozen=True)
class Caller:
    """The person behind an update: their actor (``None`` for a stranger), language, wait."""

    telegram_id: int
    actor: PersonActor | None
    locale: str
    retired: bool = False
    """A counsellor whose account the administrator deactivated: told so, not greeted
    as a stranger."""
    wait: Wait | None = None
    """What the bot waited for from them when the update arrived (their conversation)."""

    @property
    def _(self) -> Translate:
        return gettext_for(self.locale)


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context of every handler: PTB's, plus the caller of the update."""

    caller: Caller | None = None


def database(context: Context) -> Database:
    db: Database = context.bot_data[DB_KEY]
    return db


def settings(context: Context) -> Settings:
    value: Settings = context.bot_data[SETTINGS_KEY]
    return value


def setting(context: Context, name: str) -> str | None:
    """An organisation setting (``bot.settings.Settings``) by its lower-case name."""
    value = getattr(settings(context), name, None)
    return None if value is None or str(value).strip() == "" else str(value)


@asynccontextmanager
async def work(context: Context) -> AsyncIterator[AsyncSession]:
    """The update's one transaction (see :mod:`bot.kit.unit`)."""
    async with database(context).transaction() as session:
        yield session


def wake_dispatcher(context: Context) -> None:
    """After queueing a message in a handler: send it now, not at the next poll.

    Inside an update the wake waits for the commit, or the dispatcher would look
    before the message is there.
    """
    dispatcher = context.bot_data.get(DISPATCHER_KEY)
    if dispatcher is None:
        return
    unit = current_unit()
    if unit is not None:
        unit.wake_after_commit(dispatcher.wake)
    else:
        dispatcher.wake()


def guess_locale(update: Update, default: str) -> str:
    """Before we know someone, speak the language their Telegram app uses if we have it."""
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    short = code.split("-")[0].lower()
    return short if short in SUPPORTED_LOCALES else default


async def resolve(update: Update, context: Context) -> Caller | None:
    """Resolve the Telegram user of this update into a :class:`Caller` (asks the database).

    Called once per update by :func:`bot.kit.caller.resolve_caller`; handlers
    read ``context.caller`` through :func:`identify`.
    """
    user = update.effective_user
    if user is None:
        return None
    async with work(context) as session:
        found = await find_caller(session, user.id)
    actor = found.actor
    locale = actor.locale if actor else guess_locale(update, settings(context).default_locale)
    return Caller(user.id, actor, locale, found.retired, found.wait)


async def identify(update: Update, context: Context) -> Caller | None:
    """The caller of this update, as resolved before any handler ran."""
    caller: Caller | None = getattr(context, "caller", None)
    if caller is None and update.effective_user is not None:
        caller = await resolve(update, context)
        context.caller = caller
    return caller
