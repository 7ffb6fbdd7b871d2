"""What the beneficiary types for their portfolio: the flow ``portfolio`` of the door.

A skill of their own (after ``pf:a:<kind>``) or a sentence of evidence (after
``pf:xw:<skill>``). What the bot waits for is kept by :mod:`storage.portfolio`,
never in memory; the door hands this flow the message, and ``/annuler`` or
the Cancel button end the wait.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.portfolio.prompts import too_long, typing_screen
from bot.features.portfolio.screens import skill_screen
from bot.i18n import Translate
from bot.kit.door import BENEFICIARIES, Takes, Typed, text_flow
from bot.kit.roles import as_beneficiary
from bot.kit.screens import Screen, Stale, e, send
from bot.runtime import work
from dialogues.portfolio import fold
from storage.actors import AccessDenied, BeneficiaryActor
from storage.conversation import Wait
from storage.portfolio import (
    EVIDENCE_MAX,
    LABEL_MAX,
    LABEL_MIN,
    Evidence,
    PendingWait,
    add_own_skill,
    clean_label,
    pending_of,
    read_portfolio,
    set_evidence,
    set_hidden,
    stop_wait,
)
from storage.portfolio import FLOW as PORTFOLIO_FLOW


def _label(wait: Wait, _: Translate) -> str:
    if wait.step == "evidence":
        return _("the sentence you were adding to a skill")
    return _("the skill you were adding")


@text_flow(
    PORTFOLIO_FLOW, label=_label, who=BENEFICIARIES, takes=Takes.TEXT | Takes.FILES | Takes.OTHER
)
async def portfolio_text(typed: Typed) -> bool:
    """A message while the bot waits for a skill or a sentence (a command is neither)."""
    me, _ = as_beneficiary(typed.caller), typed._
    waiting = pending_of(typed.wait)
    if not typed.text.strip():
        screens = [typing_screen(_("Please type it as a message, or press Cancel."), _)]
    else:
        async with work(typed.context) as session:
            if waiting.wait_for == "label":
                screens = await _typed_label(session, me, waiting, typed.text, _)
            else:
                screens = await _typed_sentence(session, me, waiting, typed.text, _)
    for screen in screens:
        await send(typed.update, screen)
    return True


async def _typed_label(
    session: AsyncSession, me: BeneficiaryActor, waiting: PendingWait, text: str, _: Translate
) -> list[Screen]:
    """A skill of their own: added, or found again (shown again if they had hidden it)."""
    label = clean_label(text)
    kind = waiting.kind or "savoir_faire"
    if len(label) < LABEL_MIN:
        return [typing_screen(_("That is too short for a skill: a few words, please."), _)]
    if len(label) > LABEL_MAX:
        return [typing_screen(too_long(LABEL_MAX, _), _)]
    await stop_wait(session, me)
    skills = await read_portfolio(session, me, me.beneficiary_id)
    same = next((s for s in skills if s.kind == kind and fold(s.label) == fold(label)), None)
    if same is not None and same.hidden:
        same = await set_hidden(session, me, same.id, False)
        notice = _("“{label}” was hidden: it is back in your portfolio.")
    elif same is not None:
        notice = _("“{label}” is already in your portfolio.")
    else:
        try:
            same = await add_own_skill(session, me, kind, label)
        except ValueError:
            return [Screen(_("Your portfolio already holds as many skills of your own as it can."))]
        notice = _("Added: “{label}”.")
    skills = await read_portfolio(session, me, me.beneficiary_id)
    return [Screen(notice.format(label=e(same.label))), skill_screen(same, skills, _)]


async def _typed_sentence(
    session: AsyncSession, me: BeneficiaryActor, waiting: PendingWait, text: str, _: Translate
) -> list[Screen]:
    """A sentence of evidence for the skill the wait names, if it is still theirs."""
    sentence = text.strip()
    if len(sentence) > EVIDENCE_MAX:
        return [typing_screen(too_long(EVIDENCE_MAX, _), _)]
    await stop_wait(session, me)
    try:
        if waiting.skill_id is None:
            raise Stale("evidence for no skill")
        typed = Evidence("own", None, sentence)
        skill = await set_evidence(session, me, waiting.skill_id, typed)
    except (AccessDenied, Stale):  # the skill went meanwhile: the wait goes with it
        return [Screen(_("This skill is no longer in your portfolio."))]
    skills = await read_portfolio(session, me, me.beneficiary_id)
    return [Screen(_("Evidence saved.")), skill_screen(skill, skills, _)]


TEXT_FLOWS = (portfolio_text,)
