"""``/journal``: listed for both roles, with the words each reads."""

from __future__ import annotations

from bot.features.journal.screens import counsellor_picker, journal_screen
from bot.i18n import N_
from bot.kit.commands import Asked, for_beneficiaries, for_counsellors, screen_command
from bot.kit.screens import Screen
from storage.actors import CounsellorActor


@screen_command()
async def journal_command(asked: Asked) -> Screen:
    """``/journal``: their journal, or (counsellor) whose shared entries to read."""
    if isinstance(asked.actor, CounsellorActor):
        return await counsellor_picker(asked.session, asked.caller, asked.actor)
    return await journal_screen(asked.session, asked.caller, asked.beneficiary, 0)


COMMANDS = (
    for_beneficiaries("journal", N_("Your journal: notes between sessions"), journal_command),
    for_counsellors("journal", N_("Journal entries your beneficiaries shared"), journal_command),
)
