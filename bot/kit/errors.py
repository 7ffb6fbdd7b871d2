"""The last resort: log ids only, tell the person that nothing was lost."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.i18n import gettext_for
from bot.runtime import Context, guess_locale, settings

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if update is None and isinstance(error, NetworkError):
        # Polling while the Bot API is unreachable: python-telegram-bot retries by itself.
        log.warning("Bot API unreachable (%s); retrying", type(error).__name__)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    # The exception's type and stack frames only: its message may quote user input.
    frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error("error while handling update %s: %s\n%s", update_id, type(error).__name__, frames)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, Forbidden):
        return
    _ = gettext_for(guess_locale(update, settings(context).default_locale))
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            _(
                "Sorry, something went wrong on my side. "
                "Nothing you sent is lost; please try again."
            ),
        )
    except TelegramError:
        log.warning("could not send the error notice for update %s", update_id)
