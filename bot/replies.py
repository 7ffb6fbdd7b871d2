"""Helpers to reply within Telegram's limits."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest


def chunk_lines(lines: list[str], limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Join lines into as few messages as fit the limit, never splitting a line."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


async def reply_lines(message: Message, lines: list[str]) -> None:
    for chunk in chunk_lines(lines):
        await message.reply_text(chunk, parse_mode=ParseMode.HTML)


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
            await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
