"""Gathering the portfolio again each time it is opened: from the dossier and the ticked job skills.

So a new dossier auto-bilan or new ticks on the job (``/competences_metier``)
show up without a step of their own; what the person set on a gathered
skill (level, evidence, star, hidden) stays with it (:func:`storage.portfolio.sync_gathered`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.portfolio.screens import list_screen
from bot.i18n import Translate
from bot.kit.screens import Screen
from dialogues.instruments import Instrument, load_all
from dialogues.portfolio import gather
from dialogues.rome import Skill, load_rome
from storage.actors import BeneficiaryActor
from storage.portfolio import read_portfolio, stop_wait, sync_gathered
from storage.responses import RunStatus, read_run, runs_of
from storage.skills import current_job

DOSSIER_KEY = "dossier_auto_bilan"


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


async def opening(
    session: AsyncSession, actor: BeneficiaryActor, locale: str, _: Translate
) -> Screen:
    """``/competences`` or the menu's button: nothing typed is awaited any more, gather, list."""
    await stop_wait(session, actor)
    has_dossier = await gather_again(session, actor, locale)
    skills = await read_portfolio(session, actor, actor.beneficiary_id)
    return list_screen(skills, "savoir_faire", 0, has_dossier, _)
