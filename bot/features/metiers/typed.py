"""The job title the beneficiary types: the flow ``job_title`` of the door.

``/competences_metier`` (or "Another job") asks for it; the wait is stored
(:mod:`storage.skills`), so it survives a restart and holds across
processes. The answer is the closest ROME titles, as buttons (``m:a:…``).
"""

from __future__ import annotations

from telegram import Update

from bot.features.metiers.job import title_matches_screen
from bot.kit.door import Flow
from bot.kit.screens import send
from bot.kit.typed import typed_text
from bot.runtime import Context, work
from storage.actors import BeneficiaryActor
from storage.skills import FLOW as JOB_TITLE_FLOW
from storage.skills import awaiting_job_title


async def handle_text(update: Update, context: Context) -> bool:
    """A typed job title, if this beneficiary was asked for one; True when consumed."""
    typed = await typed_text(update, context)
    if typed is None:
        return False
    caller, me, text = typed
    if not isinstance(me, BeneficiaryActor):
        return False
    async with work(context) as session:
        if not await awaiting_job_title(session, me):
            return False
    await send(update, title_matches_screen(caller._, text))
    return True


TEXT_FLOWS = (Flow((JOB_TITLE_FLOW,), handle_text, lambda _wait, _: _("the search for your job")),)
