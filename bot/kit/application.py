"""The bot's ``Application``: each update inside its unit of work, the caller on its context.

Built by :func:`builder`, which both ``bilan-bot run`` and the tests use, so
the tests run the same unit of work, context type, gate and defaults as the bot.

Every text the bot sends is HTML (:data:`DEFAULTS`): one parse mode for all,
so a send never has to say which, and a stored or typed text always goes into
a message through :func:`bot.kit.screens.e` (a ``<`` or ``&`` left raw is
refused by Telegram, or read as markup).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    Defaults,
)

from bot.kit.unit import Unit, UnitGate
from bot.runtime import DB_KEY, Context
from storage.db import Database, ambient

log = logging.getLogger(__name__)

CONTEXT_TYPES = ContextTypes(context=Context)
DEFAULTS = Defaults(parse_mode=ParseMode.HTML)


class BotApplication(Application):  # type: ignore[type-arg]
    """PTB's Application, with one unit of work around each update's handlers."""

    async def process_update(self, update: object) -> None:
        db: Database | None = self.bot_data.get(DB_KEY)
        if db is None or not isinstance(update, Update):
            await super().process_update(update)
            return
        try:
            unit = Unit(db)
            async with ambient(unit):
                await super().process_update(update)
            late = unit.late_notice()
            if late is not None and update.effective_chat is not None:
                await self.bot.send_message(update.effective_chat.id, late)
        except Exception as error:  # the unit's last commit, or the late notice
            await self.process_error(update, error)


def builder(limiter: BaseRateLimiter[Any] | None = None) -> ApplicationBuilder:  # type: ignore[type-arg]
    """An ApplicationBuilder with the bot's application class, context, gate and defaults.

    ``limiter`` is the rate limiter every Bot API call goes through after the
    gate has committed the update's work (``AIORateLimiter`` in production).
    """
    return (
        Application.builder()
        .application_class(BotApplication)
        .context_types(CONTEXT_TYPES)
        .defaults(DEFAULTS)
        .rate_limiter(UnitGate(limiter))
    )
