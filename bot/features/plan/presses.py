"""The ``pl:`` buttons of the plan: one small function per verb, for each side.

Callback grammar (all under ``pl:``; every id is re-checked by ``storage.plans``)::

    pl:me                (beneficiary) my plan
    pl:d:<step>:<1|0>    (beneficiary) mark a step done / not done
    pl:p                 (beneficiary) propose a step: its title, then its date
    pl:w:<step>          (beneficiary) withdraw my pending proposal
    pl:c:<beneficiary>   (counsellor) the plan of one of their beneficiaries
    pl:m:<beneficiary>   (counsellor) type the main project
    pl:a:<beneficiary>   (counsellor) type the alternative project
    pl:f:<beneficiary>   (counsellor) type the training project, if the plan needs one
    pl:s:<beneficiary>   (counsellor) add a step: its title, then its date
    pl:v:<step>          (counsellor) agree to a proposed step
    pl:r:<step>[:ok]     (counsellor) remove a step, once confirmed
    pl:x                 stop typing, back to the plan

A press that no longer fits (an old button, an id not theirs, a verb of the
other side) reads "This button is no longer active."; what storage cannot do
now (a step agreed twice) reads "This change is not possible.".
"""

from __future__ import annotations

from bot.features.plan.screens import (
    prompt_screen,
    removal_screen,
    screen_for,
)
from bot.kit.presses import Press, Presses, Reply, Shown, new_message
from bot.kit.refusals import STALE, NotPossible
from bot.kit.screens import Screen, number
from bot.runtime import work
from storage.actors import BeneficiaryActor, CounsellorActor
from storage.people import get_beneficiary
from storage.plans import (
    InputField,
    agree_step,
    pending_input,
    read_step,
    remove_step,
    set_step_done,
    start_input,
    stop_input,
)

PRESSES = Presses("pl", denied=STALE, means={ValueError: NotPossible})
"""What storage cannot carry out now (its ``ValueError``) reads "This change is not possible."."""
FIELDS: dict[str, InputField] = {
    "m": "main",
    "a": "alternative",
    "f": "training",
    "s": "step_title",
}
"""The counsellor's press that opens a typed field → the field."""

# --- the beneficiary ------------------------------------------------------------------


@PRESSES.on("me", who=BeneficiaryActor)
async def own_plan(press: Press) -> Reply:
    """Their plan, in a new message; whatever they were typing into it is left."""
    me = press.beneficiary
    async with work(press.context) as session:
        await stop_input(session, me)
        screen = await screen_for(session, me, me.beneficiary_id, press.caller.locale, press._)
    return new_message(screen)


@PRESSES.on("p", who=BeneficiaryActor)
async def propose(press: Press) -> Reply:
    """What they type next is the title of the step they propose."""
    me = press.beneficiary
    async with work(press.context) as session:
        await start_input(session, me, me.beneficiary_id, "step_title")
    return new_message(prompt_screen("step_title", "", press._))


@PRESSES.on("d", who=BeneficiaryActor)
async def mark_done(press: Press) -> Reply:
    me = press.beneficiary
    step_id = number(press.arg(0))
    done = press.args[1:2] == ("1",)
    async with work(press.context) as session:
        await set_step_done(session, me, step_id, done)
        screen = await screen_for(session, me, me.beneficiary_id, press.caller.locale, press._)
    return Reply([screen], toast=press._("Well done!") if done else None)


@PRESSES.on("w", who=BeneficiaryActor)
async def withdraw(press: Press) -> Reply:
    me = press.beneficiary
    async with work(press.context) as session:
        await remove_step(session, me, number(press.arg(0)))
        screen = await screen_for(session, me, me.beneficiary_id, press.caller.locale, press._)
    return Reply([screen], toast=press._("Proposal withdrawn."))


@PRESSES.on("x")
async def stop_typing(press: Press) -> Shown:
    """Cancel while typing: the beneficiary gets their plan anew, the counsellor the one
    they were writing in place of the question (nothing if they were writing none)."""
    if isinstance(press.actor, BeneficiaryActor):
        return await own_plan(press)
    actor = press.counsellor
    async with work(press.context) as session:
        waiting = await pending_input(session, actor)
        await stop_input(session, actor)
        if waiting is None:
            return None
        return await screen_for(
            session, actor, waiting.beneficiary_id, press.caller.locale, press._
        )


# --- the counsellor -------------------------------------------------------------------


@PRESSES.on("c", who=CounsellorActor)
async def beneficiary_plan(press: Press) -> Screen:
    actor = press.counsellor
    bid = number(press.arg(0))
    async with work(press.context) as session:
        await stop_input(session, actor)
        return await screen_for(session, actor, bid, press.caller.locale, press._)


@PRESSES.on(*FIELDS, who=CounsellorActor)
async def type_field(press: Press) -> Reply:
    """``m``, ``a``, ``f``, ``s``: what they type next is this field of this plan."""
    actor = press.counsellor
    bid = number(press.arg(0))
    field = FIELDS[press.verb]
    async with work(press.context) as session:
        await start_input(session, actor, bid, field)
        person = await get_beneficiary(session, actor, bid)
    return new_message(prompt_screen(field, person.name, press._))


@PRESSES.on("v", who=CounsellorActor)
async def agree(press: Press) -> Reply:
    actor = press.counsellor
    async with work(press.context) as session:
        step = await agree_step(session, actor, number(press.arg(0)))
        screen = await screen_for(session, actor, step.beneficiary_id, press.caller.locale, press._)
    return Reply([screen], toast=press._("Step agreed."))


@PRESSES.on("r", who=CounsellorActor)
async def remove(press: Press) -> Shown:
    """``r:<step>`` asks; ``r:<step>:ok`` removes it and shows the plan again."""
    actor = press.counsellor
    step_id = number(press.arg(0))
    async with work(press.context) as session:
        if press.args[1:2] != ("ok",):
            return removal_screen(await read_step(session, actor, step_id), press._)
        bid = await remove_step(session, actor, step_id)
        screen = await screen_for(session, actor, bid, press.caller.locale, press._)
    return Reply([screen], toast=press._("Step removed."))
