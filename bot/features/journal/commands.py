"""``/journal``: listed for both roles, with the words each reads."""

from __future__ import annotations

from bot.features.journal.screens import counsellor_picker, journal_screen
from bot.i18n import N_
from bot.kit.commands import Asked, Command, by_role, of_caller, screen_command
from bot.kit.screens import Screen


async def _own(asked: Asked) -> Screen:
    return await journal_screen(asked.session, asked.caller, asked.beneficiary, 0)


journal_command = screen_command()(
    by_role(beneficiary=_own, counsellor=of_caller(counsellor_picker))
)
"""``/journal``: their journal, or (counsellor) whose shared entries to read."""

COMMANDS = (
    Command.for_beneficiaries(
        "journal", N_("Your journal: notes between sessions"), journal_command
    ),
    Command.for_counsellors(
        "journal", N_("Journal entries your beneficiaries shared"), journal_command
    ),
)
