"""The skills portfolio (``/competences``) in Telegram.

The beneficiary sees their skills in two lists, savoir-faire and savoir-être,
as ROME keeps them apart: those gathered from their dossier auto-bilan and
from the ROME skills they ticked on their job (gathered again each time the
portfolio is opened, so a new dossier or new ticks show up), and those they
add by hand. On each skill they set a level, attach evidence (an experience
or a réussite of their dossier, or a sentence) and star it to carry into
their project; a gathered skill they do not recognise is hidden, one of their
own is deleted. Their counsellor reads it, from the card, without changing it.

Typing a skill or a sentence takes a message: what the bot waits for is kept
by :mod:`storage.portfolio`, never in memory, so the text router asks
:func:`handle_text` and ``/annuler`` calls :func:`cancel`.

Callback grammar (all under ``pf:``, ids only; every id is re-checked by storage)::

    pf:me                    open: gather again, first page of savoir-faire
    pf:l:<f|e>:<page>        a page of savoir-faire (f) or savoir-être (e)
    pf:s:<skill>             one skill
    pf:v:<skill>:<d|a|e>     level: beginner, independent, expert (again: unset)
    pf:t:<skill>             star / unstar (carry into the project)
    pf:x:<skill>             evidence: the choices
    pf:xe:<skill>:<n>        evidence: experience n of the dossier
    pf:xr:<skill>:<n>        evidence: réussite n of the dossier
    pf:xw:<skill>            evidence: type a sentence
    pf:x0:<skill>            evidence: remove it
    pf:h:<skill>             hide a gathered skill
    pf:u:<skill>             show a hidden skill again
    pf:hl:<page>             the hidden skills
    pf:d:<skill>[:ok]        delete a skill added by hand, once confirmed
    pf:a[:<f|e>]             add a skill: its kind, then type its label
    pf:q                     stop typing, back to the list
    pf:c:<beneficiary>[:<f|e>:<page>]   (counsellor) read one of their beneficiaries' portfolio
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from bot.handlers.onboarding import stranger_text
from bot.i18n import N_, Translate
from bot.keyboards import button
from bot.kit.door import Flow
from bot.replies import settle_press, show_screen
from bot.runtime import Caller, Context, identify, work
from dialogues.instruments import Instrument, load_all
from dialogues.portfolio import EvidenceChoice, evidence_choices, fold, gather
from dialogues.rome import Skill, load_rome
from dialogues.typography import shorten
from storage.actors import AccessDenied, BeneficiaryActor, CounsellorActor, PersonActor
from storage.people import get_beneficiary
from storage.portfolio import (
    EVIDENCE_MAX,
    LABEL_MAX,
    LABEL_MIN,
    Evidence,
    PendingWait,
    PortfolioSkill,
    add_own_skill,
    clean_label,
    delete_own_skill,
    pending_wait,
    read_portfolio,
    read_skill,
    set_evidence,
    set_hidden,
    set_level,
    start_wait,
    stop_wait,
    sync_gathered,
    toggle_carried,
)
from storage.portfolio import FLOW as PORTFOLIO_FLOW
from storage.responses import RunStatus, read_run, runs_of
from storage.skills import current_job

log = logging.getLogger(__name__)

PREFIX = "pf:"
CALLBACK_PATTERN = r"^pf:"
MINE = "pf:me"
COUNSELLOR_PREFIX = "pf:c:"
# bot.handlers.card.CARD_PREFIX, written out: the card imports many handler modules.
CARD_PREFIX = "c:"
DOSSIER_KEY = "dossier_auto_bilan"

MENU_BUTTON = N_("🎒 My skills portfolio")
CARD_BUTTON = N_("🎒 Skills portfolio")
COMMANDS = [("competences", N_("Your skills portfolio"))]

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


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _short(text: str, limit: int = BUTTON_LABEL) -> str:
    return shorten(text, limit)


def _visible(skills: Sequence[PortfolioSkill], kind: str) -> list[PortfolioSkill]:
    return [s for s in skills if s.kind == kind and not s.hidden]


def _pages(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


def _page_of(skills: Sequence[PortfolioSkill], skill: PortfolioSkill) -> int:
    """The page the skill is (or, once hidden, was) on: skills are listed by id."""
    before = sum(1 for s in _visible(skills, skill.kind) if s.id < skill.id)
    return before // PAGE_SIZE


def _marks(skill: PortfolioSkill) -> str:
    return ("⭐ " if skill.carried else "") + (
        f"{LEVEL_ICONS[skill.level]} " if skill.level in LEVEL_ICONS else ""
    )


def _line(number: int, skill: PortfolioSkill, _: Translate, with_evidence: bool) -> str:
    line = f"{number}. {'⭐ ' if skill.carried else ''}{_e(skill.label)}"
    if skill.level in LEVEL_NAMES:
        line += f" — <i>{_(LEVEL_NAMES[skill.level])}</i>"
    if skill.evidence is not None:
        line += " 📎"
        if with_evidence:
            line += "\n    " + _e(_short(skill.evidence.text, 120))
    return line


def _counts_line(skills: Sequence[PortfolioSkill], _: Translate) -> str:
    return _(
        "Savoir-faire: {sf} · Savoir-être: {se} · ⭐ to carry into the project: {carried}"
    ).format(
        sf=len(_visible(skills, "savoir_faire")),
        se=len(_visible(skills, "savoir_etre")),
        carried=sum(1 for s in skills if s.carried and not s.hidden),
    )


def _tab_row(
    skills: Sequence[PortfolioSkill], current: str, data: Mapping[str, str], _: Translate
) -> list[InlineKeyboardButton]:
    row = []
    for kind, tab in TAB_OF.items():
        label = _(KIND_TABS[kind]).format(count=len(_visible(skills, kind)))
        row.append(button(("• " if kind == current else "") + label, data[tab]))
    return row


def _nav_row(page: int, pages: int, data_for: str) -> list[InlineKeyboardButton]:
    row = []
    if page > 0:
        row.append(button("◀️", f"{data_for}:{page - 1}"))
    if pages > 1:
        row.append(button(f"{page + 1}/{pages}", f"{data_for}:{page}"))
    if page + 1 < pages:
        row.append(button("▶️", f"{data_for}:{page + 1}"))
    return row


# --- the beneficiary's screens -------------------------------------------------------------


def list_screen(
    skills: Sequence[PortfolioSkill], kind: str, page: int, has_dossier: bool, _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of one kind: at most :data:`PAGE_SIZE` skills, each with its button."""
    shown = _visible(skills, kind)
    pages = _pages(len(shown))
    page = min(max(page, 0), pages - 1)
    tab = TAB_OF[kind]
    lines = [_("<b>🎒 My skills portfolio</b>"), _counts_line(skills, _), ""]
    lines.append("<b>" + _(KIND_TITLES[kind]) + "</b>")
    on_page = shown[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if not on_page:
        lines.append("<i>" + _("None yet.") + "</i>")
    for number, skill in enumerate(on_page, start=page * PAGE_SIZE + 1):
        lines.append(_line(number, skill, _, with_evidence=False))
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
        [button(_short(_marks(skill) + skill.label), f"pf:s:{skill.id}")] for skill in on_page
    ]
    nav = _nav_row(page, pages, f"pf:l:{tab}")
    if nav:
        rows.append(nav)
    rows.append(_tab_row(skills, kind, {"f": "pf:l:f:0", "e": "pf:l:e:0"}, _))
    rows.append([button(_("➕ Add a skill"), "pf:a")])
    hidden = sum(1 for s in skills if s.hidden)
    if hidden:
        rows.append([button(_("🙈 Hidden skills ({count})").format(count=hidden), "pf:hl:0")])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def evidence_text(evidence: Evidence, _: Translate) -> str:
    """The evidence as the person reads it (HTML)."""
    if evidence.source == "experience":
        what = _("Experience: {title}").format(title=_e(evidence.text))
    elif evidence.source == "achievement":
        number = evidence.ref.rsplit("_", 1)[-1] if evidence.ref else ""
        what = _("Achievement {number}: “{text}”").format(
            number=number, text=_e(_short(evidence.text, EVIDENCE_SHOWN))
        )
    else:
        what = _("in your words, “{text}”").format(text=_e(evidence.text))
    return what


def skill_screen(
    skill: PortfolioSkill, skills: Sequence[PortfolioSkill], _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        "<b>" + _(KIND_TITLES[skill.kind]) + "</b>",
        "",
        f"<b>{'⭐ ' if skill.carried else ''}{_e(skill.label)}</b>",
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
    back = f"pf:l:{TAB_OF[skill.kind]}:{_page_of(skills, skill)}" if not skill.hidden else "pf:hl:0"
    rows.append([button(_("⬅️ Back to the list"), back)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def evidence_screen(
    skill: PortfolioSkill, choices: Sequence[EvidenceChoice], _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("<b>Evidence for “{label}”</b>").format(label=_e(skill.label)), ""]
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
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def hidden_screen(
    skills: Sequence[PortfolioSkill], page: int, _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    hidden = [s for s in skills if s.hidden]
    pages = _pages(len(hidden))
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
        lines.append(f"{number}. {_e(skill.label)}")
    rows = [[button("👁 " + _short(skill.label), f"pf:u:{skill.id}")] for skill in on_page]
    nav = _nav_row(page, pages, "pf:hl")
    if nav:
        rows.append(nav)
    rows.append([button(_("⬅️ Back to the list"), "pf:l:f:0")])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _typing_markup(_: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(_("Cancel"), "pf:q")]])


def kind_question(_: Translate) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "Which kind of skill?\n"
        "• <b>Savoir-faire</b>: something you know how to do (keep accounts, repair an engine).\n"
        "• <b>Savoir-être</b>: a way of going about things (patience, being organised)."
    )
    rows = [
        [button(_("🛠 Savoir-faire"), "pf:a:f"), button(_("🤝 Savoir-être"), "pf:a:e")],
        [button(_("Cancel"), "pf:q")],
    ]
    return text, InlineKeyboardMarkup(rows)


def label_prompt(kind: str, _: Translate) -> str:
    if kind == "savoir_etre":
        text = _("Type the savoir-être in one message, for example “Patience with the public”.")
    else:
        text = _(
            "Type the savoir-faire in one message, for example “Keep the accounts of a "
            "small association”."
        )
    return text + "\n" + _("({max} characters at most.)").format(max=LABEL_MAX)


def sentence_prompt(skill: PortfolioSkill, _: Translate) -> str:
    return _(
        "Write in one message what shows that you have “{label}”: a situation, what you did, "
        "what came of it. ({max} characters at most.)"
    ).format(label=_e(skill.label), max=EVIDENCE_MAX)


# --- the counsellor's screen ---------------------------------------------------------------


def counsellor_screen(
    skills: Sequence[PortfolioSkill], bid: int, name: str, kind: str, page: int, _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    shown = _visible(skills, kind)
    pages = _pages(len(shown))
    page = min(max(page, 0), pages - 1)
    lines = [
        _("<b>🎒 Skills portfolio — {name}</b>").format(name=_e(name)),
        _counts_line(skills, _),
        "",
        "<b>" + _(KIND_TITLES[kind]) + "</b>",
    ]
    on_page = shown[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if not on_page:
        lines.append("<i>" + _("None yet.") + "</i>")
    for number, skill in enumerate(on_page, start=page * PAGE_SIZE + 1):
        lines.append(_line(number, skill, _, with_evidence=True))
    lines += ["", "<i>" + _("Levels are the person's own rating of themself.") + "</i>"]
    rows: list[list[InlineKeyboardButton]] = []
    nav = _nav_row(page, pages, f"{COUNSELLOR_PREFIX}{bid}:{TAB_OF[kind]}")
    if nav:
        rows.append(nav)
    tabs = {"f": f"{COUNSELLOR_PREFIX}{bid}:f:0", "e": f"{COUNSELLOR_PREFIX}{bid}:e:0"}
    rows.append(_tab_row(skills, kind, tabs, _))
    rows.append([button(_("⬅️ Back to the card"), f"{CARD_PREFIX}{bid}")])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# --- gathering ----------------------------------------------------------------------------


def _dossier_instrument() -> Instrument:
    return load_all()[DOSSIER_KEY]


async def dossier_answers(session: AsyncSession, actor: BeneficiaryActor) -> dict[str, Any] | None:
    """The answers of the person's latest sent dossier auto-bilan, or None."""
    runs = await runs_of(session, actor, actor.beneficiary_id, DOSSIER_KEY)
    sent = next((run for run in runs if run.status == RunStatus.SUBMITTED), None)
    if sent is None:
        return None
    return (await read_run(session, actor, sent.id)).answers


async def _ticked_rome_skills(session: AsyncSession, actor: BeneficiaryActor) -> list[Skill]:
    job = await current_job(session, actor, actor.beneficiary_id)
    if job is None:
        return []
    rome = load_rome()
    skills = []
    for skill_id in job.ticked:
        try:
            skills.append(rome.skill(skill_id))
        except KeyError:
            continue  # a skill a later ROME version dropped
    return skills


async def gather_again(session: AsyncSession, actor: BeneficiaryActor, locale: str) -> bool:
    """Gather again from the dossier and the job; True if the person has sent a dossier."""
    answers = await dossier_answers(session, actor)
    rome_skills = await _ticked_rome_skills(session, actor)
    await sync_gathered(session, actor, gather(answers, _dossier_instrument(), locale, rome_skills))
    return answers is not None


# --- entry points ---------------------------------------------------------------------------


async def _caller(update: Update, context: Context) -> tuple[Caller, PersonActor] | None:
    caller = await identify(update, context)
    if caller is None:
        return None
    if caller.actor is None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        message = update.effective_message
        if message is not None:
            await message.reply_text(stranger_text(caller._, caller.retired))
        return None
    return caller, caller.actor


async def _show(message: Message, screen: tuple[str, InlineKeyboardMarkup], edit: bool) -> None:
    await show_screen(message, *screen, edit)


async def _opening(
    session: AsyncSession, actor: BeneficiaryActor, locale: str, _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    await stop_wait(session, actor)
    has_dossier = await gather_again(session, actor, locale)
    skills = await read_portfolio(session, actor, actor.beneficiary_id)
    return list_screen(skills, "savoir_faire", 0, has_dossier, _)


async def competences_command(update: Update, context: Context) -> None:
    """``/competences``: the beneficiary's portfolio (a counsellor opens one from a card)."""
    found = await _caller(update, context)
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    if isinstance(actor, CounsellorActor):
        await message.reply_text(
            caller._(
                "Open a beneficiary's card with /beneficiaires to read their skills portfolio."
            )
        )
        return
    async with work(context) as session:
        screen = await _opening(session, actor, caller.locale, caller._)
    await _show(message, screen, edit=False)


def _ids(parts: Sequence[str], count: int) -> list[int]:
    """``count`` numeric ids from callback parts, or AccessDenied (forged or malformed)."""
    if len(parts) < count or not all(p.isdigit() and len(p) <= 12 for p in parts[:count]):
        raise AccessDenied("malformed id")
    return [int(p) for p in parts[:count]]


def _tab(parts: Sequence[str], index: int) -> str:
    value = parts[index] if len(parts) > index else "f"
    if value not in TABS:
        raise AccessDenied("malformed tab")
    return TABS[value]


async def on_button(update: Update, context: Context) -> None:
    """Every ``pf:`` press."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    found = await _caller(update, context)
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    _ = caller._
    action, *parts = query.data.removeprefix(PREFIX).split(":")
    if isinstance(actor, CounsellorActor) and action != "c":
        await query.answer(
            _("Only the beneficiary can change their portfolio; you can read it from their card."),
            show_alert=True,
        )
        return
    press = (
        _counsellor_press(context, message, caller, actor, parts)
        if isinstance(actor, CounsellorActor)
        else _beneficiary_press(context, message, caller, actor, action, parts)
    )
    await settle_press(query, _, "portfolio", actor, press)


async def _counsellor_press(
    context: Context, message: Message, caller: Caller, actor: CounsellorActor, parts: list[str]
) -> str | None:
    (bid,) = _ids(parts, 1)
    kind = _tab(parts, 1)
    page = _ids(parts[2:], 1)[0] if len(parts) > 2 else 0
    async with work(context) as session:
        skills = await read_portfolio(session, actor, bid)
        person = await get_beneficiary(session, actor, bid)
    await _show(
        message, counsellor_screen(skills, bid, person.name, kind, page, caller._), edit=True
    )
    return None


async def _beneficiary_press(
    context: Context,
    message: Message,
    caller: Caller,
    actor: BeneficiaryActor,
    action: str,
    parts: list[str],
) -> str | None:
    _ = caller._
    me = actor.beneficiary_id
    notice: str | None = None
    async with work(context) as session:
        if action == "me":
            await _show(message, await _opening(session, actor, caller.locale, _), edit=False)
            return None
        if action in ("l", "q", "hl"):
            if action == "q":
                await stop_wait(session, actor)
            skills = await read_portfolio(session, actor, me)
            if action == "hl":
                page = _ids(parts, 1)[0] if parts else 0
                screen = hidden_screen(skills, page, _)
            else:
                kind = _tab(parts, 0) if action == "l" else "savoir_faire"
                page = _ids(parts[1:], 1)[0] if len(parts) > 1 else 0
                screen = list_screen(skills, kind, page, True, _)
            await _show(message, screen, edit=True)
            return None
        if action == "a":
            if not parts:
                await _show(message, kind_question(_), edit=True)
                return None
            kind = _tab(parts, 0)
            await start_wait(session, actor, "label", kind=kind)
            await message.reply_text(label_prompt(kind, _), reply_markup=_typing_markup(_))
            return None
        (sid,) = _ids(parts, 1)
        if action == "x":
            skill = await read_skill(session, actor, sid)
            choices = evidence_choices(await dossier_answers(session, actor))
            await _show(message, evidence_screen(skill, choices, _), edit=True)
            return None
        if action == "xw":
            skill = await read_skill(session, actor, sid)
            await start_wait(session, actor, "evidence", skill_id=sid)
            await message.reply_text(
                sentence_prompt(skill, _), parse_mode=ParseMode.HTML, reply_markup=_typing_markup(_)
            )
            return None
        if action == "d" and parts[1:2] != ["ok"]:
            skill = await read_skill(session, actor, sid)
            text = _("Delete “{label}” from your portfolio?").format(label=_e(skill.label))
            markup = InlineKeyboardMarkup(
                [[button(_("🗑 Delete it"), f"pf:d:{sid}:ok")], [button(_("Cancel"), f"pf:s:{sid}")]]
            )
            await _show(message, (text, markup), edit=True)
            return None
        if action == "d":
            gone = await delete_own_skill(session, actor, sid)
            skills = await read_portfolio(session, actor, me)
            await _show(message, list_screen(skills, gone.kind, 0, True, _), edit=True)
            return _("Deleted.")
        skill, notice = await _edit(session, actor, action, sid, parts, _)
        skills = await read_portfolio(session, actor, me)
    if action == "h":  # back to where it was, without it
        screen = list_screen(skills, skill.kind, _page_of(skills, skill), True, _)
    else:
        screen = skill_screen(skill, skills, _)
    await _show(message, screen, edit=True)
    return notice


async def _edit(
    session: AsyncSession,
    actor: BeneficiaryActor,
    action: str,
    sid: int,
    parts: list[str],
    _: Translate,
) -> tuple[PortfolioSkill, str | None]:
    """The presses that change one skill (or only show it); the skill as it is after."""
    if action == "s":
        return await read_skill(session, actor, sid), None
    if action == "v":
        level = LEVEL_CODES.get(parts[1] if len(parts) > 1 else "")
        if level is None:
            raise AccessDenied("malformed level")
        current = await read_skill(session, actor, sid)
        chosen = None if current.level == level else level
        skill = await set_level(session, actor, sid, chosen)
        return skill, _("Level saved.") if chosen else _("Level removed.")
    if action == "t":
        skill = await toggle_carried(session, actor, sid)
        return skill, _("⭐ Carried into your project.") if skill.carried else _(
            "No longer carried."
        )
    if action == "h":
        return await set_hidden(session, actor, sid, True), _("Hidden.")
    if action == "u":
        return await set_hidden(session, actor, sid, False), _("Back in your lists.")
    if action == "x0":
        return await set_evidence(session, actor, sid, None), _("Evidence removed.")
    if action in ("xe", "xr"):
        number = _ids(parts[1:], 1)[0]
        source = "experience" if action == "xe" else "achievement"
        choices = evidence_choices(await dossier_answers(session, actor))
        choice = next((c for c in choices if c.source == source and c.number == number), None)
        if choice is None:
            raise AccessDenied("no such experience or achievement")
        evidence = Evidence(choice.source, choice.ref, choice.text)
        return await set_evidence(session, actor, sid, evidence), _("Evidence saved.")
    raise AccessDenied("unknown portfolio action")


# --- typed text ------------------------------------------------------------------------------


async def handle_text(update: Update, context: Context) -> bool:
    """A message while the bot waits for a skill or a sentence; False if it waits for neither."""
    message = update.effective_message
    if message is None or update.edited_message is not None:
        return False
    caller = await identify(update, context)
    if caller is None or not isinstance(caller.actor, BeneficiaryActor):
        return False
    actor = caller.actor
    async with work(context) as session:
        waiting = await pending_wait(session, actor)
    if waiting is None:
        return False
    _ = caller._
    if message.text is not None and message.text.startswith("/"):
        return False  # a command meant for something else
    if not message.text or not message.text.strip():
        await message.reply_text(
            _("Please type it as a message, or press Cancel."), reply_markup=_typing_markup(_)
        )
        return True
    if waiting.wait_for == "label":
        await _typed_label(context, message, caller, actor, waiting, message.text)
    else:
        await _typed_sentence(context, message, caller, actor, waiting, message.text)
    return True


TEXT_FLOWS = (
    Flow(
        (PORTFOLIO_FLOW,),
        handle_text,
        lambda wait, _: (
            _("the sentence you were adding to a skill")
            if wait.step == "evidence"
            else _("the skill you were adding")
        ),
    ),
)


def _too_long(limit: int, _: Translate) -> str:
    return _("That is a little long: {max} characters at most, please.").format(max=limit)


async def _typed_label(
    context: Context,
    message: Message,
    caller: Caller,
    actor: BeneficiaryActor,
    waiting: PendingWait,
    text: str,
) -> None:
    _ = caller._
    label = clean_label(text)
    kind = waiting.kind or "savoir_faire"
    if len(label) < LABEL_MIN:
        await message.reply_text(
            _("That is too short for a skill: a few words, please."), reply_markup=_typing_markup(_)
        )
        return
    if len(label) > LABEL_MAX:
        await message.reply_text(_too_long(LABEL_MAX, _), reply_markup=_typing_markup(_))
        return
    async with work(context) as session:
        await stop_wait(session, actor)
        skills = await read_portfolio(session, actor, actor.beneficiary_id)
        same = next((s for s in skills if s.kind == kind and fold(s.label) == fold(label)), None)
        if same is not None and same.hidden:
            same = await set_hidden(session, actor, same.id, False)
            notice = _("“{label}” was hidden: it is back in your portfolio.")
        elif same is not None:
            notice = _("“{label}” is already in your portfolio.")
        else:
            try:
                same = await add_own_skill(session, actor, kind, label)
            except ValueError:
                await message.reply_text(
                    _("Your portfolio already holds as many skills of your own as it can.")
                )
                return
            notice = _("Added: “{label}”.")
        skills = await read_portfolio(session, actor, actor.beneficiary_id)
    await message.reply_text(notice.format(label=_e(same.label)), parse_mode=ParseMode.HTML)
    await _show(message, skill_screen(same, skills, _), edit=False)


async def _typed_sentence(
    context: Context,
    message: Message,
    caller: Caller,
    actor: BeneficiaryActor,
    waiting: PendingWait,
    text: str,
) -> None:
    _ = caller._
    sentence = text.strip()
    if len(sentence) > EVIDENCE_MAX:
        await message.reply_text(_too_long(EVIDENCE_MAX, _), reply_markup=_typing_markup(_))
        return
    try:
        async with work(context) as session:
            await stop_wait(session, actor)
            if waiting.skill_id is None:
                raise AccessDenied("evidence for no skill")
            skill = await set_evidence(
                session, actor, waiting.skill_id, Evidence("own", None, sentence)
            )
            skills = await read_portfolio(session, actor, actor.beneficiary_id)
    except AccessDenied:
        async with work(context) as session:
            await stop_wait(session, actor)
        await message.reply_text(_("This skill is no longer in your portfolio."))
        return
    await message.reply_text(_("Evidence saved."))
    await _show(message, skill_screen(skill, skills, _), edit=False)
