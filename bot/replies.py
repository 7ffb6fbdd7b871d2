"""Helpers to reply within Telegram's limits."""

from __future__ import annotations

from telegram import Message
from telegram.constants import MessageLimit, ParseMode


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
