"""What a métiers button carries, read back strictly: a Holland code, a page, a way back.

Callback data is untrusted (an old message, a forged press): each part is
re-parsed on every press, and anything that is not exactly what the bot
writes is :class:`~bot.kit.screens.Stale`.
"""

from __future__ import annotations

from bot.kit.screens import Stale
from dialogues.rome.pistes import normalise_code


def page(text: str) -> int:
    """A page or a domain's rank (from 0), as the buttons write it."""
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise Stale("malformed page")
    return int(text)


def code(text: str, allow_empty: bool = False) -> str:
    """A Holland code of one to three letters, written as :func:`normalise_code` writes it."""
    if allow_empty and text == "":
        return ""
    try:
        normal = normalise_code(text)
    except ValueError:
        raise Stale("malformed code") from None
    if normal != text:
        raise Stale("malformed code")
    return normal


def valid_code(text: str) -> bool:
    try:
        return normalise_code(text) == text
    except ValueError:
        return False


def valid_back(back: str) -> bool:
    """Only the screens a sheet is opened from: a pistes page or a moves page."""
    kind, *args = back.split(":")
    try:
        if kind == "p" and len(args) in (2, 3):
            code(args[0])
            for arg in args[1:]:
                page(arg)
            return True
        if kind == "mb" and len(args) == 1:
            page(args[0])
            return True
    except Stale:
        return False
    return False
