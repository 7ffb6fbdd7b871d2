"""``/suivi`` (the beneficiary's check-ins) and ``/reprendre`` (continue a questionnaire).

``/reprendre`` lives here because a check-in resumes with its plan steps
before its questions; any other questionnaire resumes as usual
(:func:`bot.features.questionnaire.flow.resume_command`).
"""

from __future__ import annotations

from telegram import Update

from bot.features.followups import steps as checkin
from bot.features.followups.screens import checkins_screen
from bot.features.questionnaire import flow
from bot.i18n import N_
from bot.kit.commands import Asked, Command, only, screen_command
from bot.kit.screens import Screen
from bot.runtime import Context, identify, work
from storage.actors import BeneficiaryActor
from storage.followups import INSTRUMENT_KEY, followup_status
from storage.responses import latest_open_run


@screen_command(who=only(BeneficiaryActor))
async def my_followups(asked: Asked) -> Screen:
    """``/suivi``: the beneficiary's check-ins, with a button for the open one."""
    me = asked.beneficiary
    statuses = await followup_status(asked.session, me, me.beneficiary_id)
    return checkins_screen(statuses, asked.caller.locale, me.timezone, asked._)


async def resume_command(update: Update, context: Context) -> None:
    """``/reprendre``: a check-in resumes with its plan steps; anything else as usual."""
    caller = await identify(update, context)
    instrument = checkin.instrument()
    if caller is not None and isinstance(caller.actor, BeneficiaryActor) and instrument is not None:
        me = caller.actor
        async with work(context) as session:
            run = await latest_open_run(session, me)
        if run is not None and run.instrument_key == INSTRUMENT_KEY:
            await checkin.continue_checkin(
                update, context, caller, me, instrument, run.id, edit=False
            )
            return
    await flow.resume_command(update, context)


RESUME = Command.for_beneficiaries("reprendre", N_("Continue your questionnaire"), resume_command)
FOLLOWUP = Command.for_beneficiaries(
    "suivi", N_("Your follow-up check-ins after the bilan"), my_followups
)
COMMANDS = (RESUME, FOLLOWUP)
