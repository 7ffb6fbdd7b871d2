"""Inline keyboards and the short callback-data grammar.

Callback data is input from strangers, limited to 64 bytes: it carries short
ASCII ids only, and every press is re-checked against the caller.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translate

HELP = "help"
LANG_PREFIX = "lang:"
CONSENT_PREFIX = "consent:"


def button(text: str, data: str) -> InlineKeyboardButton:
    if len(data.encode("utf-8")) > 64:
        raise ValueError("callback data over 64 bytes")
    return InlineKeyboardButton(text, callback_data=data)


def language_keyboard(_: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button("🇫🇷 Français", LANG_PREFIX + "fr"), button("🇬🇧 English", LANG_PREFIX + "en")]]
    )
