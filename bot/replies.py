"""Helpers to reply within Telegram's limits, and to answer a button press once."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, InlineKeyboardMarkup, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest

from bot.i18n import Translate
from storage.actors import AccessDenied, PersonActor

log = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]*>")


def visible_length(html_text: str) -> int:
    """An HTML message's length as Telegram counts it: tags gone, entities read, UTF-16 units."""
    plain = html.unescape(_TAG.sub("", html_text))
    return len(plain.encode("utf-16-le")) // 2


def chunk_lines(
    lines: list[str],
    limit: int = MessageLimit.MAX_TEXT_LENGTH,
    measure: Callable[[str], int] = len,
) -> list[str]:
    """Join lines into as few messages as fit the limit, never splitting a line.

    ``measure`` counts a message against the limit: the default, ``len``,
    counts the HTML as written; :func:`visible_length` counts what Telegram
    counts, for lines that may hold a person's full-length message with its
    escaped ``&``/``<`` (which ``len`` would count five or four times).
    """
    chunks: list[str] = []
    current = ""
    for line in lines:
        if measure(line) > limit:
            line = line[:limit]
        candidate = f"{current}\n{line}" if current else line
        if measure(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


async def reply_lines(message: Message, lines: list[str]) -> None:
    for chunk in chunk_lines(lines):
        await message.reply_text(chunk)


async def show_screen(
    message: Message, text: str, markup: InlineKeyboardMarkup | None, edit: bool
) -> None:
    """Show a screen in place of ``message`` (a button's own message), or as a new one.

    Telegram refuses an edit that changes nothing (a double press): that is
    not an error. Any other refused edit (the message is too old) falls back
    to a new message.
    """
    if edit:
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
    await message.reply_text(text, reply_markup=markup)


async def settle_press(
    query: CallbackQuery,
    _: Translate,
    feature: str,
    actor: PersonActor,
    press: Awaitable[str | None],
) -> None:
    """Run what a press does, then answer it once: with its notice, or with why not.

    Button data is input from strangers: a press the storage refuses
    (:class:`AccessDenied`: an id not theirs, a malformed one) or cannot
    carry out now (``ValueError``) gets a short answer, never an error.
    """
    try:
        notice = await press
    except AccessDenied:
        log.info("%s press refused for %s", feature, actor.kind)
        await query.answer(_("This button is no longer active."))
        return
    except ValueError:
        await query.answer(_("This change is not possible."))
        return
    await query.answer(notice)
