"""What the beneficiary types for a step of an enquête: the flow ``enquete`` of the door.

The métier's title (then a pick among the ROME titles), whom they meet, their
questions, the meeting date, and the report: when, what they learned, what
next. A refusal of storage keeps them at the same step with its reason; an
enquête gone meanwhile ends the step.
"""

from __future__ import annotations

from datetime import time

from sqlalchemy.ext.asyncio import AsyncSession

from bot.datetime_input import local_today, parse_when, to_utc
from bot.features.enquetes import steps
from bot.features.enquetes.screens import confirms_screen, guide_screens, prompt, refused_text
from bot.i18n import N_
from bot.keyboards import button
from bot.kit.door import BENEFICIARIES, Typed, text_flow
from bot.kit.roles import as_beneficiary
from bot.kit.screens import Screen, Stale, send
from bot.kit.typed import BENEFICIARY_TEXT_WAIT
from bot.runtime import Caller, Context, work
from dialogues.rome import load_rome
from dialogues.typography import shorten
from storage import enquetes as store
from storage.actors import AccessDenied, BeneficiaryActor
from storage.conversation import Wait
from storage.enquetes import InquiryRefused
from storage.models import utcnow

TITLE_MATCHES = 6
MEETING_HOUR = time(10)
"""A meeting typed without a time ("mardi") is noted at ten."""


async def _typed(
    session: AsyncSession,
    context: Context,
    caller: Caller,
    me: BeneficiaryActor,
    wait: Wait,
    text: str,
) -> list[Screen]:
    _ = caller._
    data = dict(wait.payload)
    step = wait.step
    if step == "title":
        matches = load_rome().search_appellations(text, limit=TITLE_MATCHES)
        if not matches:
            return [Screen(_("I found no job title close to that. Try other words."))]
        rows = [[button(shorten(a.title, 60), f"en:t:{a.id}")] for a in matches]
        return [Screen(_("Which of these is the métier you explore?"), rows)]
    if step == "who":
        inquiry = await store.start_inquiry(
            session, me, title=str(data["title"]), rome_code=str(data["code"]), own_contact=text
        )
        await steps.end(session, me)
        return guide_screens(caller, me, inquiry)
    inquiry_id = int(data["inquiry_id"])
    if step == "confirms":  # a button is expected: show them again
        return [confirms_screen(inquiry_id, _)]
    if step == "questions":
        inquiry = await store.set_questions(session, me, inquiry_id, text)
        await steps.end(session, me)
        return guide_screens(caller, me, inquiry, _("✍️ Your questions are saved."), full=False)
    today = local_today(utcnow(), me.timezone)
    if step in ("meeting", "met_on"):
        when = parse_when(text, caller.locale, today)
        if when is None or when.day is None:
            return [Screen(_("I did not understand that date.") + "\n" + prompt(step, _))]
        if step == "met_on":
            if when.day > today:
                return [Screen(_("That day has not come yet.") + "\n" + prompt(step, _))]
            await steps.wait_for(session, me, "learned", {**data, "met_on": when.day.isoformat()})
            return [Screen(prompt("learned", _))]
        moment = to_utc(when.day, when.at or MEETING_HOUR, me.timezone)
        inquiry = await store.set_meeting(session, me, inquiry_id, moment)
        await steps.end(session, me)
        return guide_screens(caller, me, inquiry, _("📅 Meeting noted."), full=False)
    if step == "learned":
        if len(text.strip()) > store.TEXT_MAX:
            return [Screen(refused_text("too_long", _))]
        await steps.wait_for(session, me, "confirms", {**data, "learned": text.strip()})
        return [confirms_screen(inquiry_id, _)]
    if step == "next":
        return await steps.finish_report(session, context, caller, me, data, text)
    return [Screen(prompt(step, _))]


@text_flow(
    steps.FLOW,
    label=N_("your notes on an enquête métier"),
    who=BENEFICIARIES,
    max_age=BENEFICIARY_TEXT_WAIT,
)
async def step_text(typed: Typed) -> bool:
    """Typed text for a step of an enquête."""
    caller, me = typed.caller, as_beneficiary(typed.caller)
    async with work(typed.context) as session:
        try:
            screens = await _typed(session, typed.context, caller, me, typed.wait, typed.text)
        except InquiryRefused as refused:
            screens = [Screen(refused_text(refused.reason, caller._))]
        except (AccessDenied, Stale, KeyError, ValueError):
            await steps.end(session, me)
            screens = [Screen(caller._("That enquête is no longer there. /enquetes"))]
    for screen in screens:
        await send(typed.update, screen)
    return True


TEXT_FLOWS = (step_text,)
