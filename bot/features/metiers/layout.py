"""How every métiers screen is laid out: its sizes, the ROME attribution, paging, Telegram's limit.

ROME text is French only and always escaped (titles contain "&"); its
attribution closes every screen that shows it. A screen too long for
Telegram loses lines from its middle, never its heading, its attribution or
its buttons.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton
from telegram.constants import MessageLimit

from bot.i18n import Translate
from bot.keyboards import button
from bot.kit.screens import e
from dialogues.results import riasec_name
from dialogues.rome import Rome

SHEETS_PER_SCREEN = 3
DOMAINS_PER_SCREEN = 8
SKILLS_PER_SCREEN = 8
MOVES_PER_SCREEN = 4
TITLE_MATCHES = 6
MAX_TITLE_LENGTH = 120
BUTTON_TEXT = 56
SUMMARY_TEXT = 220
SHARED_SHOWN = 4
SUMMARY_SKILLS_SHOWN = 12
SUMMARY_DOMAINS_SHOWN = 5
# Measured on the HTML, longer than the text Telegram counts, but Telegram counts in
# UTF-16 units where an emoji takes two: keep some room for those.
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH - 96


def attribution(rome: Rome) -> str:
    return f"<i>{e(rome.attribution)}</i>"


def starting_point(_: Translate) -> str:
    return (
        "<i>"
        + _("These are starting points to talk over with your counsellor, not verdicts.")
        + "</i>"
    )


def fit(head: list[str], body: list[str], tail: list[str]) -> str:
    """Join head, body and tail, dropping body lines from the end if Telegram would refuse."""
    kept = list(body)
    while True:
        text = "\n".join([*head, *kept, *tail])
        if len(text) <= TEXT_LIMIT or not kept:
            return text
        kept = [*kept[:-2], "…"] if len(kept) > 1 else []


def letters_names(code: str, locale: str) -> str:
    return ", ".join(riasec_name(letter, locale) for letter in code)


def nav_row(
    _: Translate, previous: str | None, following: str | None
) -> list[InlineKeyboardButton]:
    row = []
    if previous is not None:
        row.append(button(_("◀ Previous"), previous))
    if following is not None:
        row.append(button(_("Next ▶"), following))
    return row


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))
