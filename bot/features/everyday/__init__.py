"""What every person can do wherever they are: help, menu, language, cancel.

``commands`` (``/aide``, ``/menu``, ``/lang``, ``/annuler`` and the help and
language buttons of the menu) and ``catch_all`` (what no other handler took:
the menu, or "this button is no longer active"). The catch-alls are
:data:`LAST`, apart from :data:`FEATURE`, because the application must add
them after every feature.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.features.everyday.catch_all import anything_else, unknown_button
from bot.features.everyday.commands import (
    EVERYDAY,
    MENU,
    help_command,
    lang_chosen,
    lang_command,
)
from bot.keyboards import HELP, LANG_PREFIX
from bot.kit import door
from bot.kit.feature import Feature

FEATURE = Feature(
    name="everyday",
    commands=(MENU, *EVERYDAY),
    handlers=(
        CallbackQueryHandler(help_command, pattern=f"^{HELP}$"),
        CallbackQueryHandler(lang_command, pattern="^lang$"),
        CallbackQueryHandler(lang_chosen, pattern=f"^{LANG_PREFIX}"),
    ),
)

LAST: tuple[BaseHandler[Any, Any, Any], ...] = (
    CallbackQueryHandler(unknown_button),
    MessageHandler(filters.ALL, door.Door(anything_else)),
)
"""Added after every feature: they match any press and any message."""

__all__ = ["EVERYDAY", "FEATURE", "LAST", "MENU"]
