"""Inline keyboards and the short callback-data grammar.

Callback data is input from strangers, limited to 64 bytes: it carries short
ASCII ids only, and every press is re-checked against the caller.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translate
from dialogues.languages import LANGUAGES

HELP = "help"
LANG_PREFIX = "lang:"
CONSENT_PREFIX = "consent:"


def button(text: str, data: str) -> InlineKeyboardButton:
    if len(data.encode("utf-8")) > 64:
        raise ValueError("callback data over 64 bytes")
    return InlineKeyboardButton(text, callback_data=data)


def language_keyboard(_: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(lang.label, LANG_PREFIX + lang.code) for lang in LANGUAGES]]
    )


def distinct(labels: list[str]) -> list[str]:
    """The same labels, a repeated one numbered "(2)", "(3)"… so no two buttons read alike.

    Builders first make labels tell things apart (a time, a code); this is the
    last resort for two things that really look the same (two sessions of one
    person at one time)."""
    seen: dict[str, int] = {}
    result = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        result.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return result
