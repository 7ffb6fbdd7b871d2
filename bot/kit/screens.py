"""What a step of a dialogue shows, and how it reaches the person: edited in place or sent.

Every feature builds :class:`Screen` values (HTML text and buttons) and hands
them to :func:`show` (a press edits the pressed message; a command or a typed
text gets a new message) or :func:`send`. A screen is always HTML, like every
text the bot sends (the application's defaults, :mod:`bot.kit.application`):
a person's text goes into it through :func:`e`, never raw.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.error import BadRequest

_NUMBER = re.compile(r"[1-9][0-9]{0,17}")
_COUNT = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Screen:
    """What one step shows: HTML text and buttons."""

    text: str
    rows: list[list[InlineKeyboardButton]] = field(default_factory=list)
    preview: bool = True
    """False for a screen whose links (an address, a video call) should not unfold."""

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        return InlineKeyboardMarkup(self.rows) if self.rows else None


def page(text: str, rows: list[list[InlineKeyboardButton]] | None = None) -> Screen:
    """A screen whose links do not unfold (an address, a video call in a list or a card)."""
    return Screen(text, rows or [], preview=False)


def ask_once(text: str, yes: InlineKeyboardButton, back: InlineKeyboardButton) -> Screen:
    """Asked once before what cannot be undone (remove, delete, erase): yes, and under it
    the way back, so a press in passing does not do it."""
    return Screen(text, [[yes], [back]])


class Stale(Exception):
    """A press that no longer fits the stored state (an old, repeated or forged button)."""


def e(text: str) -> str:
    """HTML-escape a person's text (or any stored text) for Telegram's HTML mode."""
    return html.escape(text, quote=False)


def number(text: str) -> int:
    """A strictly positive id from callback data, or :class:`Stale`."""
    if not _NUMBER.fullmatch(text):
        raise Stale("malformed id")
    return int(text)


def _preview(screen: Screen) -> LinkPreviewOptions | None:
    return None if screen.preview else LinkPreviewOptions(is_disabled=True)


def count(text: str) -> int:
    """A number from callback data that may be ``0`` (a page, minutes, a version), or Stale.

    Nine digits at most, so that it fits the database's integers.
    """
    if not _COUNT.fullmatch(text):
        raise Stale("malformed number")
    return int(text)


async def send(update: Update, screen: Screen) -> None:
    """A new message in the chat of the update."""
    message = update.effective_message
    if message is None:
        return
    await message.reply_text(
        screen.text,
        reply_markup=screen.markup,
        link_preview_options=_preview(screen),
    )


async def edit(update: Update, screen: Screen) -> None:
    """The pressed message becomes this screen (a new message if it cannot be edited)."""
    query = update.callback_query
    if query is None or query.message is None:
        await send(update, screen)
        return
    try:
        await query.edit_message_text(
            screen.text,
            reply_markup=screen.markup,
            link_preview_options=_preview(screen),
        )
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return
        # A document's caption or a message too old to edit: say it anew.
        await send(update, screen)


async def show(
    update: Update, screens: Screen | Sequence[Screen], *, in_place: bool = True
) -> None:
    """The first screen in place of the pressed message (if ``in_place``), the rest after it."""
    items = [screens] if isinstance(screens, Screen) else list(screens)
    if not items:
        return
    first, rest = items[0], items[1:]
    if in_place and update.callback_query is not None:
        await edit(update, first)
    else:
        await send(update, first)
    for screen in rest:
        await send(update, screen)
