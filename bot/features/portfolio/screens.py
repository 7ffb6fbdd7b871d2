"""What the beneficiary reads of their portfolio: the lists, one skill, its evidence, the hidden.

Every screen is HTML (:class:`~bot.kit.screens.Screen`); a skill's label and
evidence are the person's own text or their dossier's, always escaped. The
buttons carry ids only (``pf:…``, :mod:`bot.features.portfolio.presses`).
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton

from bot.features.portfolio.layout import (
    EVIDENCE_SHOWN,
    KIND_TITLES,
    LEVEL_CODES,
    LEVEL_ICONS,
    LEVEL_NAMES,
    PAGE_SIZE,
    SOURCE_NAMES,
    TAB_OF,
    counts_line,
    marks,
    nav_row,
    page_count,
    page_of,
    short,
    skill_line,
    tab_row,
    visible,
)
from bot.i18n import Translate
from bot.keyboards import button
from bot.kit.screens import Screen, ask_once, e
from dialogues.portfolio import EvidenceChoice
from storage.portfolio import Evidence, PortfolioSkill


def list_screen(
    skills: Sequence[PortfolioSkill], kind: str, page: int, has_dossier: bool, _: Translate
) -> Screen:
    """One page of one kind: at most :data:`PAGE_SIZE` skills, each with its button."""
    shown = visible(skills, kind)
    pages = page_count(len(shown))
    page = min(max(page, 0), pages - 1)
    tab = TAB_OF[kind]
    lines = [_("<b>🎒 My skills portfolio</b>"), counts_line(skills, _), ""]
    lines.append("<b>" + _(KIND_TITLES[kind]) + "</b>")
    on_page = shown[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if not on_page:
        lines.append("<i>" + _("None yet.") + "</i>")
    for number, skill in enumerate(on_page, start=page * PAGE_SIZE + 1):
        lines.append(skill_line(number, skill, _, with_evidence=False))
    lines.append("")
    if not skills and not has_dossier:
        lines.append(
            _(
                "Your portfolio fills up from your dossier auto-bilan once you send it, and from "
                "the skills you tick on your job (/competences_metier). You can also add your own."
            )
        )
    else:
        lines.append(
            "<i>"
            + _(
                "Choose a skill to give it a level, evidence, or a ⭐ to carry it into your "
                "project. This is your own view of yourself: a starting point for your "
                "sessions, never a verdict."
            )
            + "</i>"
        )
    rows: list[list[InlineKeyboardButton]] = [
        [button(short(marks(skill) + skill.label), f"pf:s:{skill.id}")] for skill in on_page
    ]
    nav = nav_row(page, pages, f"pf:l:{tab}")
    if nav:
        rows.append(nav)
    rows.append(tab_row(skills, kind, {"f": "pf:l:f:0", "e": "pf:l:e:0"}, _))
    rows.append([button(_("➕ Add a skill"), "pf:a")])
    hidden = sum(1 for s in skills if s.hidden)
    if hidden:
        rows.append([button(_("🙈 Hidden skills ({count})").format(count=hidden), "pf:hl:0")])
    return Screen("\n".join(lines), rows)


def evidence_text(evidence: Evidence, _: Translate) -> str:
    """The evidence as the person reads it (HTML)."""
    if evidence.source == "experience":
        what = _("Experience: {title}").format(title=e(evidence.text))
    elif evidence.source == "achievement":
        number = evidence.ref.rsplit("_", 1)[-1] if evidence.ref else ""
        what = _("Achievement {number}: “{text}”").format(
            number=number, text=e(short(evidence.text, EVIDENCE_SHOWN))
        )
    else:
        what = _("in your words, “{text}”").format(text=e(evidence.text))
    return what


def skill_screen(skill: PortfolioSkill, skills: Sequence[PortfolioSkill], _: Translate) -> Screen:
    lines = [
        "<b>" + _(KIND_TITLES[skill.kind]) + "</b>",
        "",
        f"<b>{'⭐ ' if skill.carried else ''}{e(skill.label)}</b>",
        _("From: {source}").format(source=_(SOURCE_NAMES.get(skill.source, skill.source))),
        _("Level: {level}").format(
            level=_(LEVEL_NAMES[skill.level]) if skill.level in LEVEL_NAMES else _("not set")
        ),
        _("Evidence: {evidence}").format(
            evidence=evidence_text(skill.evidence, _) if skill.evidence else _("none yet")
        ),
    ]
    if skill.hidden:
        lines.append("<i>" + _("Hidden: it is not in your lists.") + "</i>")
    elif skill.carried:
        lines.append(_("⭐ You carry it into your project."))
    sid = skill.id
    levels = []
    for code, level in LEVEL_CODES.items():
        label = f"{LEVEL_ICONS[level]} {_(LEVEL_NAMES[level]).capitalize()}"
        levels.append(button(("✅ " if skill.level == level else "") + label, f"pf:v:{sid}:{code}"))
    rows: list[list[InlineKeyboardButton]] = []
    if skill.hidden:
        rows.append([button(_("👁 Show it again"), f"pf:u:{sid}")])
    else:
        rows.append(levels)
        star = _("☆ Do not carry it") if skill.carried else _("⭐ Carry into my project")
        rows.append([button(star, f"pf:t:{sid}")])
        evidence = _("📎 Change the evidence") if skill.evidence else _("📎 Add evidence")
        rows.append([button(evidence, f"pf:x:{sid}")])
        if skill.source == "own":
            rows.append([button(_("🗑 Delete"), f"pf:d:{sid}")])
        else:
            rows.append([button(_("🙈 Hide: this is not me"), f"pf:h:{sid}")])
    back = f"pf:l:{TAB_OF[skill.kind]}:{page_of(skills, skill)}" if not skill.hidden else "pf:hl:0"
    rows.append([button(_("⬅️ Back to the list"), back)])
    return Screen("\n".join(lines), rows)


def evidence_screen(
    skill: PortfolioSkill, choices: Sequence[EvidenceChoice], _: Translate
) -> Screen:
    lines = [_("<b>Evidence for “{label}”</b>").format(label=e(skill.label)), ""]
    if choices:
        lines.append(
            _(
                "Which experience or achievement from your dossier shows it? "
                "Or write a sentence of your own."
            )
        )
    else:
        lines.append(
            _(
                "Your sent dossier has no experience or achievement to point to: "
                "write a sentence of your own, for example what you did and what came of it."
            )
        )
    sid = skill.id
    rows: list[list[InlineKeyboardButton]] = []
    for choice in choices:
        if choice.source == "experience":
            rows.append([button(f"💼 {choice.title}", f"pf:xe:{sid}:{choice.number}")])
        else:
            rows.append([button(f"🏅 {choice.title}", f"pf:xr:{sid}:{choice.number}")])
    rows.append([button(_("✍️ Write a sentence"), f"pf:xw:{sid}")])
    if skill.evidence is not None:
        rows.append([button(_("✖️ Remove the evidence"), f"pf:x0:{sid}")])
    rows.append([button(_("⬅️ Back"), f"pf:s:{sid}")])
    return Screen("\n".join(lines), rows)


def hidden_screen(skills: Sequence[PortfolioSkill], page: int, _: Translate) -> Screen:
    hidden = [s for s in skills if s.hidden]
    pages = page_count(len(hidden))
    page = min(max(page, 0), pages - 1)
    on_page = hidden[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [
        _("<b>🙈 Hidden skills</b>"),
        _("They stay out of your lists and of your synthesis. Choose one to show it again."),
        "",
    ]
    if not on_page:
        lines.append("<i>" + _("None.") + "</i>")
    for number, skill in enumerate(on_page, start=page * PAGE_SIZE + 1):
        lines.append(f"{number}. {e(skill.label)}")
    rows = [[button("👁 " + short(skill.label), f"pf:u:{skill.id}")] for skill in on_page]
    nav = nav_row(page, pages, "pf:hl")
    if nav:
        rows.append(nav)
    rows.append([button(_("⬅️ Back to the list"), "pf:l:f:0")])
    return Screen("\n".join(lines), rows)


def delete_screen(skill: PortfolioSkill, _: Translate) -> Screen:
    """Deleting a skill added by hand asks once."""
    return ask_once(
        _("Delete “{label}” from your portfolio?").format(label=e(skill.label)),
        button(_("🗑 Delete it"), f"pf:d:{skill.id}:ok"),
        button(_("Cancel"), f"pf:s:{skill.id}"),
    )
