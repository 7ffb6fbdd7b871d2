"""The ``pf:`` buttons: one small function per verb, each re-checked by storage.

Callback grammar (all under ``pf:``, ids only; buttons already sent keep working)::

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

Only the beneficiary changes their portfolio: their counsellor, pressing one
of these (on a screen forwarded to them, say), is told so in an alert. Every
id is re-checked by storage with the presser's actor: an id not theirs, or
malformed, reads "This button is no longer active."; a change the rules
refuse now (a hidden skill starred, a gathered skill deleted) reads "This
change is not possible." Each press shows its screen in place of the pressed
one, except opening (``pf:me``) and the prompts to type, which come as new
messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.portfolio.gathering import dossier_answers, opening
from bot.features.portfolio.layout import LEVEL_CODES, TABS, page_of
from bot.features.portfolio.prompts import kind_question, label_screen, sentence_screen
from bot.features.portfolio.reading import counsellor_screen
from bot.features.portfolio.screens import (
    delete_screen,
    evidence_screen,
    hidden_screen,
    list_screen,
    skill_screen,
)
from bot.i18n import N_
from bot.kit.presses import Press, Presses, Reply, Shown, new_message
from bot.kit.refusals import STALE, NotPossible
from bot.kit.screens import Screen, Stale, number
from bot.runtime import work
from dialogues.portfolio import evidence_choices
from storage.actors import BeneficiaryActor, CounsellorActor
from storage.people import get_beneficiary
from storage.portfolio import (
    Evidence,
    PortfolioSkill,
    delete_own_skill,
    read_portfolio,
    read_skill,
    set_evidence,
    set_hidden,
    set_level,
    start_wait,
    stop_wait,
    toggle_carried,
)

PRESSES = Presses("pf", denied=STALE)
READ_ONLY = N_("Only the beneficiary can change their portfolio; you can read it from their card.")


OwnPress = Callable[[Press, BeneficiaryActor], Awaitable[Shown]]


def _own(verb: str) -> Callable[[OwnPress], OwnPress]:
    """Decorator: ``pf:verb`` changes (or shows) the presser's own portfolio.

    A counsellor is told, in an alert, that only the person changes it; a
    ``ValueError`` of storage becomes :class:`NotPossible`.
    """

    def register(function: OwnPress) -> OwnPress:
        async def pressed(press: Press) -> Shown:
            me = press.actor
            if not isinstance(me, BeneficiaryActor):
                return Reply(toast=press._(READ_ONLY), alert=True)
            try:
                return await function(press, me)
            except ValueError as error:
                raise NotPossible from error

        PRESSES.on(verb)(pressed)
        return function

    return register


def _page(args: Sequence[str], index: int) -> int:
    """The page at ``args[index]`` (from 0), or the first page when the data has none."""
    if len(args) <= index:
        return 0
    text = args[index]
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise Stale("malformed page")
    return int(text)


def _tab(args: Sequence[str], index: int) -> str:
    """The kind at ``args[index]`` (``f`` or ``e``), savoir-faire when the data has none."""
    value = args[index] if len(args) > index else "f"
    if value not in TABS:
        raise Stale("malformed tab")
    return TABS[value]


async def _shown(
    session: AsyncSession,
    press: Press,
    me: BeneficiaryActor,
    skill: PortfolioSkill,
    toast: str | None,
) -> Reply:
    """The skill as it is now, with a word about what the press changed."""
    skills = await read_portfolio(session, me, me.beneficiary_id)
    return Reply((skill_screen(skill, skills, press._),), toast=toast)


# --- the lists -----------------------------------------------------------------------------


@_own("me")
async def open_mine(press: Press, me: BeneficiaryActor) -> Reply:
    async with work(press.context) as session:
        return new_message(await opening(session, me, press.caller.locale, press._))


@_own("l")
async def listing(press: Press, me: BeneficiaryActor) -> Screen:
    kind, page = _tab(press.args, 0), _page(press.args, 1)
    async with work(press.context) as session:
        skills = await read_portfolio(session, me, me.beneficiary_id)
    return list_screen(skills, kind, page, True, press._)


@_own("q")
async def stop_typing(press: Press, me: BeneficiaryActor) -> Screen:
    """Cancel, while the bot waits for a label or a sentence: back to the savoir-faire."""
    page = _page(press.args, 1)
    async with work(press.context) as session:
        await stop_wait(session, me)
        skills = await read_portfolio(session, me, me.beneficiary_id)
    return list_screen(skills, "savoir_faire", page, True, press._)


@_own("hl")
async def hidden(press: Press, me: BeneficiaryActor) -> Screen:
    page = _page(press.args, 0)
    async with work(press.context) as session:
        skills = await read_portfolio(session, me, me.beneficiary_id)
    return hidden_screen(skills, page, press._)


# --- adding and deleting a skill of their own ----------------------------------------------


@_own("a")
async def add(press: Press, me: BeneficiaryActor) -> Screen | Reply:
    """Which kind; then what they type next is the label."""
    if not press.args:
        return kind_question(press._)
    kind = _tab(press.args, 0)
    async with work(press.context) as session:
        await start_wait(session, me, "label", kind=kind)
    return new_message(label_screen(kind, press._))


@_own("d")
async def delete(press: Press, me: BeneficiaryActor) -> Screen | Reply:
    """Asks once (``pf:d:<skill>``), deletes on the confirmation (``pf:d:<skill>:ok``)."""
    skill_id = number(press.arg(0))
    async with work(press.context) as session:
        if press.args[1:2] != ("ok",):
            return delete_screen(await read_skill(session, me, skill_id), press._)
        gone = await delete_own_skill(session, me, skill_id)
        skills = await read_portfolio(session, me, me.beneficiary_id)
    return Reply((list_screen(skills, gone.kind, 0, True, press._),), toast=press._("Deleted."))


# --- one skill -----------------------------------------------------------------------------


@_own("s")
async def one_skill(press: Press, me: BeneficiaryActor) -> Reply:
    skill_id = number(press.arg(0))
    async with work(press.context) as session:
        return await _shown(session, press, me, await read_skill(session, me, skill_id), None)


@_own("v")
async def level(press: Press, me: BeneficiaryActor) -> Reply:
    """The level pressed; pressed again, no level."""
    _ = press._
    skill_id = number(press.arg(0))
    chosen = LEVEL_CODES.get(press.args[1] if len(press.args) > 1 else "")
    if chosen is None:
        raise Stale("malformed level")
    async with work(press.context) as session:
        current = await read_skill(session, me, skill_id)
        new = None if current.level == chosen else chosen
        skill = await set_level(session, me, skill_id, new)
        return await _shown(
            session, press, me, skill, _("Level saved.") if new else _("Level removed.")
        )


@_own("t")
async def star(press: Press, me: BeneficiaryActor) -> Reply:
    _ = press._
    skill_id = number(press.arg(0))
    async with work(press.context) as session:
        skill = await toggle_carried(session, me, skill_id)
        toast = _("⭐ Carried into your project.") if skill.carried else _("No longer carried.")
        return await _shown(session, press, me, skill, toast)


@_own("h")
async def hide(press: Press, me: BeneficiaryActor) -> Reply:
    """A gathered skill that is not them: back to where it was in the list, without it."""
    skill_id = number(press.arg(0))
    async with work(press.context) as session:
        skill = await set_hidden(session, me, skill_id, True)
        skills = await read_portfolio(session, me, me.beneficiary_id)
    screen = list_screen(skills, skill.kind, page_of(skills, skill), True, press._)
    return Reply((screen,), toast=press._("Hidden."))


@_own("u")
async def unhide(press: Press, me: BeneficiaryActor) -> Reply:
    skill_id = number(press.arg(0))
    async with work(press.context) as session:
        skill = await set_hidden(session, me, skill_id, False)
        return await _shown(session, press, me, skill, press._("Back in your lists."))


# --- evidence ------------------------------------------------------------------------------


@_own("x")
async def evidence(press: Press, me: BeneficiaryActor) -> Screen:
    """The experiences and réussites of their sent dossier, or a sentence of their own."""
    skill_id = number(press.arg(0))
    async with work(press.context) as session:
        skill = await read_skill(session, me, skill_id)
        choices = evidence_choices(await dossier_answers(session, me))
    return evidence_screen(skill, choices, press._)


@_own("xw")
async def write_sentence(press: Press, me: BeneficiaryActor) -> Reply:
    """What they type next is the sentence of evidence for this skill."""
    skill_id = number(press.arg(0))
    async with work(press.context) as session:
        skill = await read_skill(session, me, skill_id)
        await start_wait(session, me, "evidence", skill_id=skill_id)
    return new_message(sentence_screen(skill, press._))


@_own("x0")
async def remove_evidence(press: Press, me: BeneficiaryActor) -> Reply:
    skill_id = number(press.arg(0))
    async with work(press.context) as session:
        skill = await set_evidence(session, me, skill_id, None)
        return await _shown(session, press, me, skill, press._("Evidence removed."))


async def _from_dossier(press: Press, me: BeneficiaryActor, source: str) -> Reply:
    """Experience or réussite number n of the sent dossier, as it reads there now."""
    skill_id, wanted = number(press.arg(0)), number(press.arg(1))
    async with work(press.context) as session:
        choices = evidence_choices(await dossier_answers(session, me))
        choice = next((c for c in choices if c.source == source and c.number == wanted), None)
        if choice is None:
            raise Stale("no such experience or achievement")
        chosen = Evidence(choice.source, choice.ref, choice.text)
        skill = await set_evidence(session, me, skill_id, chosen)
        return await _shown(session, press, me, skill, press._("Evidence saved."))


@_own("xe")
async def from_experience(press: Press, me: BeneficiaryActor) -> Reply:
    return await _from_dossier(press, me, "experience")


@_own("xr")
async def from_achievement(press: Press, me: BeneficiaryActor) -> Reply:
    return await _from_dossier(press, me, "achievement")


# --- the counsellor's reading --------------------------------------------------------------


@PRESSES.on("c", who=CounsellorActor)
async def read_theirs(press: Press) -> Screen:
    """One of their beneficiaries' portfolio, read only (storage checks it is theirs)."""
    beneficiary_id = number(press.arg(0))
    kind, page = _tab(press.args, 1), _page(press.args, 2)
    async with work(press.context) as session:
        skills = await read_portfolio(session, press.actor, beneficiary_id)
        person = await get_beneficiary(session, press.actor, beneficiary_id)
    return counsellor_screen(skills, beneficiary_id, person.name, kind, page, press._)
