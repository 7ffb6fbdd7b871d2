"""The "🗂 My desk" buttons: under a counsellor's menu, and as the chat's menu button.

Both open the desk as a Telegram Mini App, which needs a public HTTPS
``DESK_URL``; without one there is no button, and ``/bureau`` gives a link.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, MenuButtonWebApp, WebAppInfo
from telegram.error import TelegramError

from bot.i18n import Translate, gettext_for
from bot.settings import Settings

log = logging.getLogger(__name__)


def desk_button(config: Settings, _: Translate) -> InlineKeyboardButton | None:
    """The Mini App button, when the desk has a public HTTPS address."""
    if not config.desk_mini_app or config.desk_url is None:
        return None
    return InlineKeyboardButton(_("🗂 My desk"), web_app=WebAppInfo(f"{config.desk_url}/"))


async def set_menu_button(bot: Bot, config: Settings, chat_id: int) -> None:
    """The chat's menu button opens the desk, for a counsellor (when it has an HTTPS address)."""
    if not config.desk_mini_app or config.desk_url is None:
        return
    try:
        await bot.set_chat_menu_button(
            chat_id=chat_id,
            menu_button=MenuButtonWebApp(
                gettext_for(config.default_locale)("🗂 My desk"), WebAppInfo(f"{config.desk_url}/")
            ),
        )
    except TelegramError:
        log.info("could not set the desk menu button")
