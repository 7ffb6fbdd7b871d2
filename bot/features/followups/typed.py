"""What the person types during a check-in: the optional word on a plan step.

The check-in is a questionnaire run, so its typed text comes through the
questionnaire's flow of the door (``questionnaire``): :func:`questionnaire_text`
gives it to a check-in's plan step first, else to the ordinary questionnaire
(:func:`bot.features.questionnaire.flow.handle_text`).
"""

from __future__ import annotations

from bot.features.followups import steps as checkin
from bot.features.questionnaire import flow
from bot.i18n import N_
from bot.kit.door import BENEFICIARIES, Takes, Typed, text_flow
from bot.kit.roles import as_beneficiary
from bot.kit.screens import Screen, send
from bot.runtime import work
from dialogues import followup as loop
from storage.followups import INSTRUMENT_KEY
from storage.responses import FLOW as QUESTIONNAIRE_FLOW
from storage.responses import latest_open_run, save_answer


async def handle_text(typed: Typed) -> bool:
    """The optional word on a plan step; False unless the check-in waits for one."""
    update, context, caller = typed.update, typed.context, typed.caller
    actor = as_beneficiary(caller)
    async with work(context) as session:
        run = await latest_open_run(session, actor)
        is_checkin = run is not None and run.instrument_key == INSTRUMENT_KEY
        steps = await checkin.agreed_steps(session, actor) if is_checkin else []
    instrument = checkin.instrument()
    if run is None or instrument is None or not is_checkin:
        return False
    where = loop.read_position(run.current_step)
    step = next((s for s in steps if where is not None and s.id == where[0]), None)
    if where is None or step is None:
        return False
    _ = caller._
    if not where[1]:
        await send(update, Screen(_("Please choose with the buttons of the question.")))
        await checkin.continue_checkin(
            update, context, caller, actor, instrument, run.id, edit=False
        )
        return True
    note = typed.text.strip()
    if not note:
        await send(update, Screen(_("Please write your word as a message, or press “Go on”.")))
        return True
    if len(note) > loop.NOTE_MAX:
        too_long = _("That is a little long: {max} characters at most, please.")
        await send(update, Screen(too_long.format(max=loop.NOTE_MAX)))
        return True
    value = loop.with_note(run.answers.get(loop.answer_id(step.id)), note)
    if value is None:
        await checkin.continue_checkin(
            update, context, caller, actor, instrument, run.id, edit=False
        )
        return True
    async with work(context) as session:
        await save_answer(session, actor, run.id, loop.answer_id(step.id), value, run.current_step)
    run.answers[loop.answer_id(step.id)] = value
    await checkin.advance(update, context, caller, actor, instrument, run, steps, edit=False)
    return True


@text_flow(
    QUESTIONNAIRE_FLOW,
    label=N_("your questionnaire (/reprendre picks it up where you left it)"),
    who=BENEFICIARIES,
    takes=Takes.ANYTHING,
)
async def questionnaire_text(typed: Typed) -> bool:
    """Typed text while a questionnaire's step is shown: a check-in's, else the dossier's."""
    return await handle_text(typed) or await flow.handle_text(typed)


TEXT_FLOWS = (questionnaire_text,)
