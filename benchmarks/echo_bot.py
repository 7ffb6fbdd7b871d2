"""The floor: a bare python-telegram-bot echo bot, the same library version as the bot.

    TELEGRAM_BOT_TOKEN=… TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT/bot \
        python -m benchmarks.echo_bot

It makes the same Bot API calls per update as the bilan bot does on its
busiest path, and nothing else: a text gets one ``sendMessage`` back (with
an inline button, as a question has), a button press gets
``answerCallbackQuery`` and ``editMessageText``. No database, no rate
limiter, default logging. Whatever the bilan bot spends per update above
this is the cost of what it does on top of python-telegram-bot.
"""

from __future__ import annotations

import itertools
import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

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


def build() -> Application:  # type: ignore[type-arg]
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo_text))
    application.add_handler(CallbackQueryHandler(echo_press))
    return application


def main() -> None:
    build().run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])


if __name__ == "__main__":
    main()
