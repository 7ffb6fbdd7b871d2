"""``/suivi`` (the beneficiary's check-ins) and ``/reprendre`` (continue a questionnaire).

``/reprendre`` lives here because a check-in resumes with its plan steps
before its questions; any other questionnaire resumes as usual
(:func:`bot.questionnaire.flow.resume_command`).
"""

from __future__ import annotations

from telegram import Update

from bot.features.followups import steps as checkin
from bot.features.followups.screens import checkins_screen
from bot.i18n import N_
from bot.kit.commands import BENEFICIARY, Command
from bot.kit.screens import send
from bot.questionnaire import flow
from bot.runtime import Context, identify, work
from storage.actors import BeneficiaryActor
from storage.followups import INSTRUMENT_KEY, followup_status
from storage.responses import latest_open_run


async def my_followups(update: Update, context: Context) -> None:
    """``/suivi``: the beneficiary's check-ins, with a button for the open one."""
    caller = await identify(update, context)
    if caller is None or not isinstance(caller.actor, BeneficiaryActor):
        return
    me = caller.actor
    async with work(context) as session:
        statuses = await followup_status(session, me, me.beneficiary_id)
    await send(update, checkins_screen(statuses, caller.locale, me.timezone, caller._))


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


RESUME = Command(
    ("reprendre",), N_("Continue your questionnaire"), resume_command, roles=(BENEFICIARY,)
)
FOLLOWUP = Command(
    ("suivi",), N_("Your follow-up check-ins after the bilan"), my_followups, roles=(BENEFICIARY,)
)
COMMANDS = (RESUME, FOLLOWUP)
