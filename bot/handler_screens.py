"""Showing a screen from a handler that answers its presses itself (not a kit press table).

The contacts handler still does: it edits or sends a :class:`~bot.kit.screens.Screen`
with link previews off (its screens carry addresses and links).
"""

from __future__ import annotations

from dataclasses import replace

from telegram import CallbackQuery, Update

from bot.i18n import Translate
from bot.kit.refusals import STALE
from bot.kit.screens import Screen, edit, send


async def send_screen(update: Update, screen: Screen) -> None:
    await send(update, replace(screen, preview=False))


async def edit_screen(update: Update, screen: Screen) -> None:
    """Show the next step in place of the pressed message (a new one if it cannot be edited)."""
    await edit(update, replace(screen, preview=False))


async def answer_stale(query: CallbackQuery, _: Translate) -> None:
    await query.answer(_(STALE))
