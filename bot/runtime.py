"""What every handler needs: the database, the settings, who is talking, in which language.

Kept in ``Application.bot_data`` under fixed keys so that a handler is a
function of (update, stored state) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import Translate, gettext_for
from bot.settings import SUPPORTED_LOCALES, Settings
from storage.actors import BeneficiaryActor, PersonActor, is_retired_counsellor, resolve_actor
from storage.db import Database
from storage.people import touch

DB_KEY = "db"
SETTINGS_KEY = "settings"
DISPATCHER_KEY = "dispatcher"
ACTIVITY_KEY = "activity_update"

Context = ContextTypes.DEFAULT_TYPE


def database(context: Context) -> Database:
    db: Database = context.bot_data[DB_KEY]
    return db


def settings(context: Context) -> Settings:
    value: Settings = context.bot_data[SETTINGS_KEY]
    return value


def wake_dispatcher(context: Context) -> None:
    """After queueing a message in a handler: send it now, not at the next poll."""
    dispatcher = context.bot_data.get(DISPATCHER_KEY)
    if dispatcher is not None:
        dispatcher.wake()


@dataclass(frozen=True)
class Caller:
    """The person behind an update: their actor (``None`` for a stranger) and language."""

    telegram_id: int
    actor: PersonActor | None
    locale: str
    retired: bool = False
    """A counsellor whose account the administrator deactivated: told so, not greeted
    as a stranger."""

    @property
    def _(self) -> Translate:
        return gettext_for(self.locale)


def guess_locale(update: Update, default: str) -> str:
    """Before we know someone, speak the language their Telegram app uses if we have it."""
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    short = code.split("-")[0].lower()
    return short if short in SUPPORTED_LOCALES else default


async def identify(update: Update, context: Context) -> Caller | None:
    """Resolve the Telegram user of this update into a :class:`Caller`.

    Every handler that serves a person passes here, so this is where a
    beneficiary's action counts as activity: the inactivity retention and the
    counsellor's "last activity" both read ``last_activity_at``. It is written
    once per update (the text router asks several flows, each of which
    identifies the caller), in the transaction that resolves the actor.
    """
    user = update.effective_user
    if user is None:
        return None
    async with database(context).transaction() as session:
        actor = await resolve_actor(session, user.id)
        if isinstance(actor, BeneficiaryActor) and _first_look(update, context):
            await touch(session, actor)
        retired = actor is None and await is_retired_counsellor(session, user.id)
    locale = actor.locale if actor else guess_locale(update, settings(context).default_locale)
    return Caller(user.id, actor, locale, retired)


def _first_look(update: Update, context: Context) -> bool:
    """True the first time this update's caller is identified (per person, in memory)."""
    seen = context.user_data
    if seen is None:
        return True
    if seen.get(ACTIVITY_KEY) == update.update_id:
        return False
    seen[ACTIVITY_KEY] = update.update_id
    return True
