"""The job title the beneficiary types: the flow ``job_title`` of the door.

``/competences_metier`` (or "Another job") asks for it; the wait is stored
(:mod:`storage.skills`), so it survives a restart and holds across
processes. The answer is the closest ROME titles, as buttons (``m:a:…``).
"""

from __future__ import annotations

from bot.features.metiers.job import title_matches_screen
from bot.i18n import N_
from bot.kit.door import BENEFICIARIES, Typed, text_flow
from bot.kit.screens import send
from storage.skills import FLOW as JOB_TITLE_FLOW


@text_flow(JOB_TITLE_FLOW, label=N_("the search for your job"), who=BENEFICIARIES)
async def job_title_text(typed: Typed) -> bool:
    """A typed job title, while the beneficiary's wait for one stands (``JOB_TITLE_WAIT``)."""
    await send(typed.update, title_matches_screen(typed._, typed.text))
    return True


TEXT_FLOWS = (job_title_text,)
