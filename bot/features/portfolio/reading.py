"""The counsellor's reading of a beneficiary's portfolio, from their card (``pf:c:…``).

Read only: the levels are the person's own rating of themself, and the
evidence is shown in full enough to talk it over. Storage checks that the
reader is the person's counsellor and audits each reading.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton

from bot.features.portfolio.layout import (
    KIND_TITLES,
    PAGE_SIZE,
    TAB_OF,
    counts_line,
    nav_row,
    page_count,
    skill_line,
    tab_row,
    visible,
)
from bot.i18n import Translate
from bot.keyboards import button
from bot.kit.screens import Screen, e
from storage.portfolio import PortfolioSkill

COUNSELLOR_PREFIX = "pf:c:"
# bot.features.card.lists.CARD_PREFIX, written out: the card imports many feature modules.
CARD_PREFIX = "c:"


def counsellor_screen(
    skills: Sequence[PortfolioSkill], bid: int, name: str, kind: str, page: int, _: Translate
) -> Screen:
    shown = visible(skills, kind)
    pages = page_count(len(shown))
    page = min(max(page, 0), pages - 1)
    lines = [
        _("<b>🎒 Skills portfolio — {name}</b>").format(name=e(name)),
        counts_line(skills, _),
        "",
        "<b>" + _(KIND_TITLES[kind]) + "</b>",
    ]
    on_page = shown[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if not on_page:
        lines.append("<i>" + _("None yet.") + "</i>")
    for number, skill in enumerate(on_page, start=page * PAGE_SIZE + 1):
        lines.append(skill_line(number, skill, _, with_evidence=True))
    lines += ["", "<i>" + _("Levels are the person's own rating of themself.") + "</i>"]
    rows: list[list[InlineKeyboardButton]] = []
    nav = nav_row(page, pages, f"{COUNSELLOR_PREFIX}{bid}:{TAB_OF[kind]}")
    if nav:
        rows.append(nav)
    tabs = {"f": f"{COUNSELLOR_PREFIX}{bid}:f:0", "e": f"{COUNSELLOR_PREFIX}{bid}:e:0"}
    rows.append(tab_row(skills, kind, tabs, _))
    rows.append([button(_("⬅️ Back to the card"), f"{CARD_PREFIX}{bid}")])
    return Screen("\n".join(lines), rows)
