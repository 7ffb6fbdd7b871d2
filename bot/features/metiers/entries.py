"""Where ``/metiers`` and ``/competences_metier`` land, and the menu's buttons with them.

Shared by the commands and the presses (``m:pistes``, ``m:job``), so that a
command and a button open the same screen.
"""

from __future__ import annotations

from bot.features.metiers.codes import valid_code
from bot.features.metiers.job import ask_title_screen, job_screen, title_matches_screen
from bot.features.metiers.pistes import flat_intro, letters_screen, no_result_screen, pistes_screen
from bot.features.metiers.riasec import latest_riasec
from bot.kit.screens import Screen
from bot.runtime import Caller, Context, work
from dialogues.rome import load_rome
from storage.actors import BeneficiaryActor
from storage.skills import current_job, start_job_title_wait, stop_job_title_wait


async def pistes_entry(caller: Caller, context: Context) -> Screen:
    """Pistes from the beneficiary's latest code; letters to choose for anyone else."""
    _ = caller._
    actor = caller.actor
    if not isinstance(actor, BeneficiaryActor):
        return letters_screen(_, caller.locale, "")
    async with work(context) as session:
        # Gone to the pistes: a text typed from now on is not a job title.
        await stop_job_title_wait(session, actor)
        latest = await latest_riasec(session, actor, actor.beneficiary_id)
    if latest is None:
        return no_result_screen(_, incomplete=False)
    result = latest.result
    if result.code is not None and valid_code(result.code):
        intro = _(
            "Your interests inventory gives the Holland code <b>{code}</b>. Here are ROME "
            "job sheets that match it, domain by domain, the closest first."
        ).format(code=result.code)
        return pistes_screen(_, caller.locale, result.code, 0, intro=intro)
    if result.flat:
        return letters_screen(_, caller.locale, "", intro=flat_intro(_))
    return no_result_screen(_, incomplete=True)


async def job_entry(caller: Caller, context: Context, typed: str = "") -> Screen:
    """The job already chosen, or the question that waits for a typed title."""
    _ = caller._
    actor = caller.actor
    if not isinstance(actor, BeneficiaryActor):
        return Screen(_("This is for beneficiaries: it starts from their own job."))
    async with work(context) as session:
        job = None if typed else await current_job(session, actor, actor.beneficiary_id)
        if job is not None and job.sheet_code not in load_rome():
            job = None  # a sheet dropped by a newer ROME: ask for the job again
        if job is None:
            await start_job_title_wait(session, actor)
    if job is not None:
        return job_screen(_, job)
    return title_matches_screen(_, typed) if typed else ask_title_screen(_)
