"""The ``m:`` buttons: one small function per verb, each screen in place of the pressed one.

Callback grammar (all under ``m:``; buttons already sent keep working)::

    m:pistes                 entry: pistes of the latest code
    m:L:<letters>            choose up to three letters yourself (letters so far)
    m:p:<code>:<d>[:<s>]     domain d of the pistes of <code>, sheets page s
    m:d:<code>:<page>        the list of domains matching <code>
    m:f:<sheet>:<back>       one job sheet; <back> is the m: screen to return to
    m:job  m:jn  m:x         my job / type another job title / stop waiting for one
    m:a:<appellation>        this title is my job
    m:se  m:s:<page>         tick skills (from the saved ones) / another page
    m:t:<skill>:<page>       tick or untick one skill
    m:ok                     save the ticked skills
    m:mb:<page>              moves from my job, with the skills they share
    m:ben:<beneficiary>      (counsellor) a beneficiary's job, skills and pistes

The position (code, domain, page) is short ASCII, re-parsed strictly on every
press (:mod:`bot.features.metiers.codes`), with exactly the parts the bot
writes; the job and its ticks are re-read from storage with the presser's
actor. Anything that no longer fits reads "This button is no longer active."
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.metiers import codes
from bot.features.metiers.entries import job_entry, pistes_entry
from bot.features.metiers.job import (
    ask_title_screen,
    moves_screen,
    sheet_skills,
    skills_screen,
)
from bot.features.metiers.pistes import domains_screen, letters_screen, pistes_screen, sheet_screen
from bot.features.metiers.summary import counsellor_summary
from bot.keyboards import button
from bot.kit.presses import Press, Presses, Reply
from bot.kit.refusals import STALE
from bot.kit.screens import Screen, Stale, e, number
from bot.runtime import work
from dialogues.rome import load_rome
from storage.actors import BeneficiaryActor, CounsellorActor
from storage.skills import (
    CurrentJob,
    begin_skill_edit,
    choose_job,
    current_job,
    save_skills,
    start_job_title_wait,
    stop_job_title_wait,
    toggle_draft_skill,
)

PRESSES = Presses("m", denied=STALE)
PISTES = PRESSES.data("pistes")
JOB = PRESSES.data("job")
BENEFICIARY_PREFIX = "m:ben:"


def _args(press: Press, *counts: int) -> tuple[str, ...]:
    """The press's arguments, if there are as many as the bot writes for this verb."""
    if len(press.args) not in counts:
        raise Stale("unexpected arguments")
    return press.args


async def _own_job(session: AsyncSession, me: BeneficiaryActor) -> CurrentJob:
    """The job they chose, if its sheet is still in the directory."""
    job = await current_job(session, me, me.beneficiary_id)
    if job is None or job.sheet_code not in load_rome():
        raise Stale("no job")
    return job


# --- pistes ----------------------------------------------------------------------------


@PRESSES.on("pistes")
async def pistes(press: Press) -> Screen:
    _args(press, 0)
    return await pistes_entry(press.caller, press.context)


@PRESSES.on("L")
async def letters(press: Press) -> Screen:
    (chosen,) = _args(press, 1)
    return letters_screen(press._, press.caller.locale, codes.code(chosen, allow_empty=True))


@PRESSES.on("p")
async def domain(press: Press) -> Screen:
    args = _args(press, 2, 3)
    sheet_page = codes.page(args[2]) if len(args) == 3 else 0
    code, index = codes.code(args[0]), codes.page(args[1])
    return pistes_screen(press._, press.caller.locale, code, index, sheet_page)


@PRESSES.on("d")
async def domains(press: Press) -> Screen:
    code, page = _args(press, 2)
    return domains_screen(press._, press.caller.locale, codes.code(code), codes.page(page))


@PRESSES.on("f")
async def sheet(press: Press) -> Screen:
    """A job sheet, with the way back to the pistes or moves page it was opened from."""
    if len(press.args) < 2:
        raise Stale("no way back")
    rome = load_rome()
    back = ":".join(press.args[1:])
    if press.args[0] not in rome or not codes.valid_back(back):
        raise Stale("no such sheet")
    return sheet_screen(press._, rome.sheet(press.args[0]), back)


@PRESSES.on("ben", who=CounsellorActor)
async def summary(press: Press) -> Screen:
    (beneficiary,) = _args(press, 1)
    async with work(press.context) as session:
        text = await counsellor_summary(
            session, press.actor, number(beneficiary), press.caller.locale
        )
    return Screen(text, [[button(press._("👥 My beneficiaries"), "ben:list")]])


# --- my job, its skills, its moves ------------------------------------------------------


@PRESSES.on("job")
async def job(press: Press) -> Screen:
    _args(press, 0)
    return await job_entry(press.caller, press.context)


@PRESSES.on("jn", who=BeneficiaryActor)
async def another_job(press: Press) -> Screen:
    _args(press, 0)
    async with work(press.context) as session:
        await start_job_title_wait(session, press.beneficiary)
    return ask_title_screen(press._)


@PRESSES.on("x", who=BeneficiaryActor)
async def stop_waiting(press: Press) -> Screen:
    _args(press, 0)
    async with work(press.context) as session:
        await stop_job_title_wait(session, press.beneficiary)
    return Screen(press._("Stopped. You can come back to it from the menu."))


@PRESSES.on("a", who=BeneficiaryActor)
async def this_title(press: Press) -> Screen:
    (appellation_id,) = _args(press, 1)
    try:
        appellation = load_rome().appellation(appellation_id)
    except KeyError:
        raise Stale("no such title") from None
    async with work(press.context) as session:
        chosen = await choose_job(session, press.beneficiary, appellation.id, appellation.code)
    intro = press._("Noted: <b>{title}</b>.").format(title=e(appellation.title))
    return skills_screen(press._, chosen, 0, intro=intro)


@PRESSES.on("se", who=BeneficiaryActor)
async def tick_skills(press: Press) -> Screen:
    _args(press, 0)
    me = press.beneficiary
    async with work(press.context) as session:
        await _own_job(session, me)
        draft = await begin_skill_edit(session, me)
    return skills_screen(press._, draft, 0)


JOB_PAGES = {"s": skills_screen, "mb": moves_screen}
"""The press for another page of the job's skills (``s``), of the moves it opens (``mb``)."""


@PRESSES.on(*JOB_PAGES, who=BeneficiaryActor)
async def job_page(press: Press) -> Screen:
    (page,) = _args(press, 1)
    async with work(press.context) as session:
        job = await _own_job(session, press.beneficiary)
    return JOB_PAGES[press.verb](press._, job, codes.page(page))


@PRESSES.on("t", who=BeneficiaryActor)
async def tick(press: Press) -> Screen:
    """Tick or untick one skill of the job's sheet (not of a sheet chosen before)."""
    skill_id, page = _args(press, 2)
    shown_page = codes.page(page)
    me = press.beneficiary
    async with work(press.context) as session:
        draft = await _own_job(session, me)
        if skill_id not in {s.id for s in sheet_skills(load_rome(), draft.sheet_code)}:
            raise Stale("not a skill of this sheet")
        draft = await toggle_draft_skill(session, me, skill_id)
    return skills_screen(press._, draft, shown_page)


@PRESSES.on("ok", who=BeneficiaryActor)
async def save(press: Press) -> Reply:
    _args(press, 0)
    _ = press._
    me = press.beneficiary
    async with work(press.context) as session:
        draft = await _own_job(session, me)
        sheet_ids = [s.id for s in sheet_skills(load_rome(), draft.sheet_code)]
        saved = await save_skills(session, me, keep_only=sheet_ids)
    intro = _("Saved. Skills ticked: {count}.").format(count=len(saved.ticked))
    return Reply((moves_screen(_, saved, 0, intro=intro),), toast=_("Saved"))
