"""Where the person is in a check-in: a step of their own action plan, else the questions.

A check-in is one run of the ``followup`` instrument in two parts:

1. the steps of the person's *own* action plan, which no static file can
   list, asked here one at a time — done / in progress / not started /
   dropped, then an optional word — and stored in the same run as
   ``plan_step#<step id>`` answers (:mod:`dialogues.followup`); the run's
   ``current_step`` is ``plan|<step>`` or ``plan|<step>|note`` meanwhile;
2. then the questions of ``dialogues/instruments/followup.toml`` through the
   ordinary questionnaire flow (:func:`bot.features.questionnaire.flow.present`),
   which ends on its recap and "Send to my counsellor".

The steps come first because the flow's recap is the end: once the person has
sent, nothing may still be asked. Resuming (the invitation's button,
``/reprendre``, ``/suivi``) first asks any step still unanswered, then
continues the questions where they stopped. The press table, the typed word
and the commands all move the person on through :func:`continue_checkin` and
:func:`advance`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.features.followups.answers import plan_progress_lines
from bot.features.followups.screens import note_screen, step_screen
from bot.features.questionnaire import flow
from bot.kit.screens import Screen, e, send, show
from bot.runtime import Caller, Context, work
from dialogues import followup as loop
from dialogues.instruments import Instrument, load_all
from storage.actors import BeneficiaryActor
from storage.followups import INSTRUMENT_KEY
from storage.plans import Step, read_plan
from storage.responses import RunState, load_own_run, set_position


def instrument() -> Instrument | None:
    """The check-in's questionnaire (``followup``), if the instruments hold it."""
    return load_all().get(INSTRUMENT_KEY)


async def agreed_steps(session: AsyncSession, actor: BeneficiaryActor) -> list[Step]:
    plan = await read_plan(session, actor, actor.beneficiary_id)
    return list(plan.agreed_steps)


async def continue_checkin(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run_id: int,
    edit: bool,
) -> None:
    """Show where the person stands: a plan step still to tell, else the questions."""
    async with work(context) as session:
        run = await load_own_run(session, actor, run_id)
        steps = await agreed_steps(session, actor)
        ids = [s.id for s in steps]
        where = loop.read_position(run.current_step)
        step_id: int | None = None
        note = False
        if where is not None and where[0] in ids:
            step_id, note = where
        else:
            step_id = loop.next_step(ids, run.answers)
            if step_id is not None:
                await set_position(session, actor, run.id, loop.position(step_id))
    if step_id is None:
        await flow.present(update, context, caller, actor, instrument, edit=edit)
        return
    if not run.answers and instrument.intro is not None:
        await send(update, Screen(e(instrument.intro.get(caller.locale))))
        edit = False
    step = next(s for s in steps if s.id == step_id)
    screen = (
        note_screen(run, step, caller._)
        if note
        else step_screen(instrument, run, steps, step, caller.locale, caller._)
    )
    await show(update, screen, in_place=edit)


async def advance(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run: RunState,
    steps: list[Step],
    edit: bool,
) -> None:
    """After a step: the next one not yet told, or a summary and then the questions."""
    ids = [s.id for s in steps]
    following = loop.next_step(ids, run.answers)
    if following is not None:
        async with work(context) as session:
            await set_position(session, actor, run.id, loop.position(following))
        step = next(s for s in steps if s.id == following)
        await show(
            update,
            step_screen(instrument, run, steps, step, caller.locale, caller._),
            in_place=edit,
        )
        return
    summary = [caller._("<b>Your action plan — thank you!</b>")]
    summary += plan_progress_lines(run.answers, caller.locale, caller._, heading=False)
    await show(update, Screen("\n".join(summary)), in_place=edit)
    await flow.present(update, context, caller, actor, instrument, edit=False)
