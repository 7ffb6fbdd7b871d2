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

from collections.abc import Callable

from bot.features.plan.screens import (
    NotPossible,
    prompt_screen,
    removal_screen,
    screen_for,
)
from bot.kit.presses import Press, Presses, PressFunction, Reply, Shown
from bot.kit.refusals import STALE
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

PRESSES = Presses("pl", denied=STALE)
FIELDS: dict[str, InputField] = {
    "m": "main",
    "a": "alternative",
    "f": "training",
    "s": "step_title",
}
"""The counsellor's press that opens a typed field → the field."""

Who = type[BeneficiaryActor] | type[CounsellorActor]


def _on(verb: str, *who: Who) -> Callable[[PressFunction], PressFunction]:
    """``PRESSES.on``, with what storage cannot carry out now (``ValueError``) said as such."""

    def register(function: PressFunction) -> PressFunction:
        async def press(press: Press) -> Shown:
            try:
                return await function(press)
            except ValueError as error:
                raise NotPossible() from error

        press.__doc__ = function.__doc__
        PRESSES.on(verb, who=who)(press)
        return function

    return register


def _me(press: Press) -> BeneficiaryActor:
    assert isinstance(press.actor, BeneficiaryActor)  # the table lets beneficiaries only
    return press.actor


def _counsellor(press: Press) -> CounsellorActor:
    assert isinstance(press.actor, CounsellorActor)  # the table lets counsellors only
    return press.actor


# --- the beneficiary ------------------------------------------------------------------


async def _own_plan(press: Press) -> Reply:
    """Their plan, in a new message; whatever they were typing into it is left."""
    me = _me(press)
    async with work(press.context) as session:
        await stop_input(session, me)
        screen = await screen_for(session, me, me.beneficiary_id, press.caller.locale, press._)
    return Reply([screen], in_place=False)


@_on("me", BeneficiaryActor)
async def own_plan(press: Press) -> Reply:
    return await _own_plan(press)


@_on("p", BeneficiaryActor)
async def propose(press: Press) -> Reply:
    """What they type next is the title of the step they propose."""
    me = _me(press)
    async with work(press.context) as session:
        await start_input(session, me, me.beneficiary_id, "step_title")
    return Reply([prompt_screen("step_title", "", press._)], in_place=False)


@_on("d", BeneficiaryActor)
async def mark_done(press: Press) -> Reply:
    me = _me(press)
    step_id = number(press.arg(0))
    done = press.args[1:2] == ("1",)
    async with work(press.context) as session:
        await set_step_done(session, me, step_id, done)
        screen = await screen_for(session, me, me.beneficiary_id, press.caller.locale, press._)
    return Reply([screen], toast=press._("Well done!") if done else None)


@_on("w", BeneficiaryActor)
async def withdraw(press: Press) -> Reply:
    me = _me(press)
    async with work(press.context) as session:
        await remove_step(session, me, number(press.arg(0)))
        screen = await screen_for(session, me, me.beneficiary_id, press.caller.locale, press._)
    return Reply([screen], toast=press._("Proposal withdrawn."))


@_on("x", BeneficiaryActor, CounsellorActor)
async def stop_typing(press: Press) -> Shown:
    """Cancel while typing: the beneficiary gets their plan anew, the counsellor the one
    they were writing in place of the question (nothing if they were writing none)."""
    if isinstance(press.actor, BeneficiaryActor):
        return await _own_plan(press)
    actor = _counsellor(press)
    async with work(press.context) as session:
        waiting = await pending_input(session, actor)
        await stop_input(session, actor)
        if waiting is None:
            return None
        return await screen_for(
            session, actor, waiting.beneficiary_id, press.caller.locale, press._
        )


# --- the counsellor -------------------------------------------------------------------


@_on("c", CounsellorActor)
async def beneficiary_plan(press: Press) -> Screen:
    actor = _counsellor(press)
    bid = number(press.arg(0))
    async with work(press.context) as session:
        await stop_input(session, actor)
        return await screen_for(session, actor, bid, press.caller.locale, press._)


async def _type_field(press: Press, verb: str) -> Reply:
    """``m``, ``a``, ``f``, ``s``: what they type next is this field of this plan."""
    actor = _counsellor(press)
    bid = number(press.arg(0))
    field = FIELDS[verb]
    async with work(press.context) as session:
        await start_input(session, actor, bid, field)
        person = await get_beneficiary(session, actor, bid)
    return Reply([prompt_screen(field, person.name, press._)], in_place=False)


@_on("m", CounsellorActor)
async def main_project(press: Press) -> Reply:
    return await _type_field(press, "m")


@_on("a", CounsellorActor)
async def alternative_project(press: Press) -> Reply:
    return await _type_field(press, "a")


@_on("f", CounsellorActor)
async def training_project(press: Press) -> Reply:
    return await _type_field(press, "f")


@_on("s", CounsellorActor)
async def new_step(press: Press) -> Reply:
    return await _type_field(press, "s")


@_on("v", CounsellorActor)
async def agree(press: Press) -> Reply:
    actor = _counsellor(press)
    async with work(press.context) as session:
        step = await agree_step(session, actor, number(press.arg(0)))
        screen = await screen_for(session, actor, step.beneficiary_id, press.caller.locale, press._)
    return Reply([screen], toast=press._("Step agreed."))


@_on("r", CounsellorActor)
async def remove(press: Press) -> Shown:
    """``r:<step>`` asks; ``r:<step>:ok`` removes it and shows the plan again."""
    actor = _counsellor(press)
    step_id = number(press.arg(0))
    async with work(press.context) as session:
        if press.args[1:2] != ("ok",):
            return removal_screen(await read_step(session, actor, step_id), press._)
        bid = await remove_step(session, actor, step_id)
        screen = await screen_for(session, actor, bid, press.caller.locale, press._)
    return Reply([screen], toast=press._("Step removed."))
