"""The desk from the chat: the "🗂 My desk" button and ``/bureau`` (a one-use sign-in link).

For active counsellors only. The Mini App button needs an HTTPS ``DESK_URL``;
the link works in any browser, once, for ten minutes, and carries its token
in the fragment so that no server log ever holds it.
"""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.error import TelegramError

from bot.features.card.gate import counsellor_caller
from bot.i18n import N_, Translate, gettext_for
from bot.kit.screens import e
from bot.runtime import Context, settings, work
from bot.settings import Settings
from storage.desk_logins import issue_login

log = logging.getLogger(__name__)

COMMANDS = [("bureau", N_("My desk: the caseload and each dossier in a web page"))]


def desk_button(config: Settings, _: Translate) -> InlineKeyboardButton | None:
    """The Mini App button, when the desk has a public HTTPS address."""
    if not config.desk_mini_app or config.desk_url is None:
        return None
    return InlineKeyboardButton(_("🗂 My desk"), web_app=WebAppInfo(f"{config.desk_url}/"))


async def desk_command(update: Update, context: Context) -> None:
    """``/bureau``: the Mini App button, and a one-use link for a browser."""
    found = await counsellor_caller(update, context)
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    _ = caller._
    config = settings(context)
    address = config.desk_address
    if address is None:
        await message.reply_text(
            _("The desk is not set up on this installation (DESK_PORT is empty).")
        )
        return
    async with work(context) as session:
        token = await issue_login(session, actor)
    log.info("desk: sign-in link issued to counsellor %s", actor.counsellor_id)
    rows = []
    button = desk_button(config, _)
    if button is not None:
        rows.append([button])
    await message.reply_text(
        _(
            "Your desk: the caseload, each dossier and the actions, in a web page.\n\n"
            "To open it in a browser, use this link within 10 minutes (it works once):\n{link}"
        ).format(link=e(f"{address}/#login={token}")),
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
        disable_web_page_preview=True,
    )


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
