"""What is typed into the plan: a project, a step's title, then its date (flow ``plan``).

Typing takes several messages (a title, then its date): what the bot waits
for is stored by :mod:`storage.plans`, never kept in memory; the door hands
this flow the message, and ``/annuler`` or the Cancel button end the wait. A
refusal of storage ends it too, with its reason.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.plan.screens import (
    date_prompt_screen,
    prompt_screen,
    screen_for,
    today_in,
    too_long,
    typing_rows,
)
from bot.i18n import N_
from bot.kit.door import EITHER, Takes, Typed, text_flow
from bot.kit.refusals import say
from bot.kit.screens import Screen, e, send
from bot.runtime import Caller, Context, wake_dispatcher, work
from dialogues.engine import Rejected
from dialogues.followup import parse_target_date
from dialogues.messages import error_message
from storage.actors import AccessDenied, BeneficiaryActor, PersonActor
from storage.plans import FLOW as PLAN_FLOW
from storage.plans import (
    PROJECT_FIELDS,
    PROJECT_MAX,
    TITLE_MAX,
    PendingInput,
    ProjectField,
    add_step,
    pending_input,
    set_project,
    start_input,
    stop_input,
)

CLEAR = "-"
"""Typed on its own for a project: clear it."""
NOT_YOURS = N_("This plan is not available to you.")


async def _project(
    session: AsyncSession, caller: Caller, actor: PersonActor, waiting: PendingInput, text: str
) -> list[Screen]:
    _ = caller._
    value = None if text.strip() == CLEAR else text
    if value is not None and len(value.strip()) > PROJECT_MAX:
        return [Screen(too_long(PROJECT_MAX, _))]
    which: ProjectField = next(f for f in PROJECT_FIELDS if f == waiting.field)
    await set_project(session, actor, waiting.beneficiary_id, which, value)
    await stop_input(session, actor)
    return [await screen_for(session, actor, waiting.beneficiary_id, caller.locale, _)]


async def _step_date(
    context: Context, caller: Caller, actor: PersonActor, waiting: PendingInput, text: str
) -> list[Screen]:
    """The date of the step whose title was typed before: the step goes into the plan."""
    _ = caller._
    bid = waiting.beneficiary_id
    result = parse_target_date(text, caller.locale)
    if isinstance(result, Rejected):
        return [Screen(e(error_message(result, caller.locale)), typing_rows(_))]
    assert isinstance(result.value, str)
    target = date.fromisoformat(result.value)
    if target < today_in(actor.timezone):
        return [Screen(_("That date has passed: give a date to come."), typing_rows(_))]
    if waiting.draft is None:
        async with work(context) as session:
            await start_input(session, actor, bid, "step_title")
        return [prompt_screen("step_title", "", _)]
    try:
        async with work(context) as session:
            await add_step(session, actor, bid, waiting.draft, target)
            await stop_input(session, actor)
            screen = await screen_for(session, actor, bid, caller.locale, _)
    except ValueError:
        async with work(context) as session:
            await stop_input(session, actor)
        return [Screen(_("The plan already has as many steps as it can hold."))]
    if isinstance(actor, BeneficiaryActor):
        wake_dispatcher(context)
        return [Screen(_("Proposed: your counsellor will look at it.")), screen]
    return [screen]


async def _typed(
    context: Context, caller: Caller, actor: PersonActor, waiting: PendingInput, text: str
) -> list[Screen]:
    _ = caller._
    if waiting.field in PROJECT_FIELDS:
        async with work(context) as session:
            return await _project(session, caller, actor, waiting, text)
    if waiting.field == "step_title":
        title = text.strip()
        if len(title) > TITLE_MAX:
            return [Screen(too_long(TITLE_MAX, _))]
        async with work(context) as session:
            await start_input(session, actor, waiting.beneficiary_id, "step_date", draft=title)
        return [date_prompt_screen(title, _)]
    return await _step_date(context, caller, actor, waiting, text)


@text_flow(
    PLAN_FLOW,
    label=N_("what you were typing into the action plan"),
    who=EITHER,
    takes=Takes.ANYTHING,
)
async def plan_text(typed: Typed) -> bool:
    """A message while the bot waits for a project or a step; False when storage finds the
    wait no longer stands (the bilan out of the person's reach)."""
    caller, actor = typed.caller, typed.actor
    async with work(typed.context) as session:
        waiting = await pending_input(session, actor)
    if waiting is None:
        return False
    _ = caller._
    if not typed.text:
        await send(
            typed.update, Screen(_("Please type your answer as a message, or press Cancel."))
        )
        return True
    try:
        screens = await _typed(typed.context, caller, actor, waiting, typed.text)
    except AccessDenied as error:
        async with work(typed.context) as session:
            await stop_input(session, actor)
        screens = [Screen(say(error, _, NOT_YOURS))]
    for screen in screens:
        await send(typed.update, screen)
    return True


TEXT_FLOWS = (plan_text,)
