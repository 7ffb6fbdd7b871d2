"""The floor: a bare python-telegram-bot echo bot, the same library version as the bot.

    TELEGRAM_BOT_TOKEN=… TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT/bot \
        python -m benchmarks.echo_bot [--rate-limiter]

It makes the same Bot API calls per update as the bilan bot does on its
busiest path, and nothing else: a text gets one ``sendMessage`` back (with
an inline button, as a question has), a button press gets
``answerCallbackQuery`` and ``editMessageText``. No database, default
logging. Whatever the bilan bot spends per update above this is the cost of
what it does on top of python-telegram-bot.

``--rate-limiter``: every Bot API call goes through the same
``AIORateLimiter(max_retries=3)`` as the bilan bot's (``bot.app``), so that
the rate limiter's own cost, which the bilan bot cannot avoid, is in the
floor too. Without it, the bare library.
"""

from __future__ import annotations

import argparse
import itertools
import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

_presses = itertools.count(1)


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Encore", callback_data="echo:again")]])


async def echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text, reply_markup=_keyboard())


async def echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    # A new text each time: Telegram refuses an edit that changes nothing.
    await query.edit_message_text(f"Appui n° {next(_presses)}", reply_markup=_keyboard())


def build(rate_limiter: bool = False) -> Application:  # type: ignore[type-arg]
    builder = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
    )
    application: Application  # type: ignore[type-arg]
    if rate_limiter:
        application = builder.rate_limiter(AIORateLimiter(max_retries=3)).build()
    else:
        application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo_text))
    application.add_handler(CallbackQueryHandler(echo_press))
    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate-limiter", action="store_true", help="with bot.app's AIORateLimiter")
    args = parser.parse_args()
    build(args.rate_limiter).run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])


if __name__ == "__main__":
    main()
