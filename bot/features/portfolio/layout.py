"""How the portfolio's lists read: its two kinds, levels, sources, pages, tabs.

Shared by the beneficiary's screens and the counsellor's reading, so that a
skill reads the same to both. Skills are listed by id, eight a page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton

from bot.i18n import N_, Translate
from bot.keyboards import button
from bot.kit.screens import e
from dialogues.typography import shorten
from storage.portfolio import PortfolioSkill

PAGE_SIZE = 8
BUTTON_LABEL = 40
EVIDENCE_SHOWN = 600
TABS = {"f": "savoir_faire", "e": "savoir_etre"}
TAB_OF = {kind: tab for tab, kind in TABS.items()}
KIND_TITLES = {
    "savoir_faire": N_("🛠 Savoir-faire (what you know how to do)"),
    "savoir_etre": N_("🤝 Savoir-être (how you go about things)"),
}
KIND_TABS = {
    "savoir_faire": N_("🛠 Savoir-faire ({count})"),
    "savoir_etre": N_("🤝 Savoir-être ({count})"),
}
LEVEL_CODES = {"d": "debutant", "a": "autonome", "e": "expert"}
LEVEL_NAMES = {
    "debutant": N_("beginner"),
    "autonome": N_("independent"),
    "expert": N_("expert"),
}
LEVEL_ICONS = {"debutant": "🌱", "autonome": "🚶", "expert": "🏆"}
SOURCE_NAMES = {
    "dossier": N_("your dossier auto-bilan"),
    "rome": N_("the skills you ticked on your job (ROME)"),
    "own": N_("added by you"),
}


def short(text: str, limit: int = BUTTON_LABEL) -> str:
    return shorten(text, limit)


def visible(skills: Sequence[PortfolioSkill], kind: str) -> list[PortfolioSkill]:
    return [s for s in skills if s.kind == kind and not s.hidden]


def page_count(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


def page_of(skills: Sequence[PortfolioSkill], skill: PortfolioSkill) -> int:
    """The page the skill is (or, once hidden, was) on: skills are listed by id."""
    before = sum(1 for s in visible(skills, skill.kind) if s.id < skill.id)
    return before // PAGE_SIZE


def marks(skill: PortfolioSkill) -> str:
    return ("⭐ " if skill.carried else "") + (
        f"{LEVEL_ICONS[skill.level]} " if skill.level in LEVEL_ICONS else ""
    )


def skill_line(number: int, skill: PortfolioSkill, _: Translate, with_evidence: bool) -> str:
    line = f"{number}. {'⭐ ' if skill.carried else ''}{e(skill.label)}"
    if skill.level in LEVEL_NAMES:
        line += f" — <i>{_(LEVEL_NAMES[skill.level])}</i>"
    if skill.evidence is not None:
        line += " 📎"
        if with_evidence:
            line += "\n    " + e(short(skill.evidence.text, 120))
    return line


def counts_line(skills: Sequence[PortfolioSkill], _: Translate) -> str:
    return _(
        "Savoir-faire: {sf} · Savoir-être: {se} · ⭐ to carry into the project: {carried}"
    ).format(
        sf=len(visible(skills, "savoir_faire")),
        se=len(visible(skills, "savoir_etre")),
        carried=sum(1 for s in skills if s.carried and not s.hidden),
    )


def tab_row(
    skills: Sequence[PortfolioSkill], current: str, data: Mapping[str, str], _: Translate
) -> list[InlineKeyboardButton]:
    row = []
    for kind, tab in TAB_OF.items():
        label = _(KIND_TABS[kind]).format(count=len(visible(skills, kind)))
        row.append(button(("• " if kind == current else "") + label, data[tab]))
    return row


def nav_row(page: int, count: int, data_for: str) -> list[InlineKeyboardButton]:
    """◀️ n/N ▶️ for ``count`` pages; each button's data is ``data_for:<page>``."""
    row = []
    if page > 0:
        row.append(button("◀️", f"{data_for}:{page - 1}"))
    if count > 1:
        row.append(button(f"{page + 1}/{count}", f"{data_for}:{page}"))
    if page + 1 < count:
        row.append(button("▶️", f"{data_for}:{page + 1}"))
    return row
