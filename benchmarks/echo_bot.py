"""The floor: a bare python-telegram-bot echo bot, the same library version as the bot.

    TELEGRAM_BOT_TOKEN=… TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT/bot \
        python -m benchmarks.echo_bot [--rate-limiter] [--database URL]

It makes the same Bot API calls per update as the bilan bot does on its
busiest path, and nothing else: a text gets one ``sendMessage`` back (with
an inline button, as a question has), a button press gets
``answerCallbackQuery`` and ``editMessageText``. No database unless
``--database``, default logging. Whatever the bilan bot spends per update
above this is the cost of what it does on top of python-telegram-bot.

``--rate-limiter``: every Bot API call goes through the same
``AIORateLimiter(max_retries=3)`` as the bilan bot's (``bot.app``), so that
the rate limiter's own cost, which the bilan bot cannot avoid, is in the
floor too. Without it, the bare library.

``--transport aiohttp``: its Bot API requests go through the bilan bot's
own transport (``bot.kit.transport``) instead of PTB's default httpx, so
that what is left between the two bots is the bilan bot's own code.

``--database URL``: before it answers, each update also runs one transaction
of four small statements through the bot's own engine (``storage.db``: the
same SQLAlchemy async session, driver and SQLite pragmas): read the person,
read their answers, move their position, store an answer. That is the shape
of a typed answer in the bilan bot (4 statements), with nothing else: no ORM
entity, no encryption, no rendering. It tells what those four statements
cost on this stack, the part of the bilan bot's cost that only fewer
statements, not faster code, can remove.
"""

from __future__ import annotations

import argparse
import itertools
import os
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.kit.transport import GET_UPDATES_POOL_SIZE, AiohttpRequest
from storage.db import create_engine

_presses = itertools.count(1)
_metadata = MetaData()
_people = Table(
    "echo_people",
    _metadata,
    Column("chat_id", Integer, primary_key=True),
    Column("step", String(80)),
)
_answers = Table(
    "echo_answers",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", Integer, index=True),
    Column("answer_id", String(80)),
    Column("value", String),
)
_PERSON = select(_people).where(_people.c.chat_id == bindparam("chat"))
_THEIR_ANSWERS = select(_answers.c.answer_id, _answers.c.value).where(
    _answers.c.chat_id == bindparam("chat")
)
_MOVE = update(_people).where(_people.c.chat_id == bindparam("chat")).values(step=bindparam("step"))
_STORE = _answers.insert()
_SESSIONS = "echo_sessions"
"""``bot_data`` key: the session factory when ``--database`` is given."""


async def _four_statements(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    """The four statements of a typed answer, in one transaction (``--database``)."""
    sessions: async_sessionmaker[AsyncSession] | None = context.bot_data.get(_SESSIONS)
    if sessions is None:
        return
    async with sessions.begin() as session:
        person = (await session.execute(_PERSON, {"chat": chat_id})).first()
        (await session.execute(_THEIR_ANSWERS, {"chat": chat_id})).all()
        if person is None:
            await session.execute(_people.insert(), {"chat_id": chat_id, "step": "q1"})
        else:
            await session.execute(_MOVE, {"chat": chat_id, "step": "q2"})
        await session.execute(_STORE, {"chat_id": chat_id, "answer_id": "q1", "value": text[:80]})


def _with_database(url: str) -> Any:
    """A ``post_init`` that opens the engine, makes the two tables and keeps the factory."""

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(_metadata.create_all)
        application.bot_data[_SESSIONS] = async_sessionmaker(engine, expire_on_commit=False)

    return post_init


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Encore", callback_data="echo:again")]])


async def echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await _four_statements(context, message.chat_id, message.text)
        await message.reply_text(message.text, reply_markup=_keyboard())


async def echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    await _four_statements(context, query.from_user.id, query.data or "")
    await query.answer()
    # A new text each time: Telegram refuses an edit that changes nothing.
    await query.edit_message_text(f"Appui n° {next(_presses)}", reply_markup=_keyboard())


def build(
    rate_limiter: bool = False, database: str | None = None, transport: str = "httpx"
) -> Application:  # type: ignore[type-arg]
    builder = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
    )
    if transport == "aiohttp":
        builder = builder.request(AiohttpRequest()).get_updates_request(
            AiohttpRequest(pool_size=GET_UPDATES_POOL_SIZE)
        )
    if database is not None:
        builder = builder.post_init(_with_database(database))
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
    parser.add_argument("--database", help="also run a typed answer's four statements here")
    parser.add_argument(
        "--transport", choices=["httpx", "aiohttp"], default="httpx", help="default: PTB's own"
    )
    args = parser.parse_args()
    build(args.rate_limiter, args.database, args.transport).run_polling(
        allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY]
    )


if __name__ == "__main__":
    main()
