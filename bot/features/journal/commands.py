"""``/journal``: listed for both roles, with the words each reads."""

from __future__ import annotations

from telegram import Update

from bot.features.journal.screens import counsellor_picker, journal_screen
from bot.i18n import N_
from bot.kit.commands import BENEFICIARY, COUNSELLOR, Command
from bot.kit.roles import as_beneficiary
from bot.kit.screens import Screen, send
from bot.runtime import Context, identify, work
from storage.actors import CounsellorActor


async def journal_command(update: Update, context: Context) -> None:
    """``/journal``: their journal, or (counsellor) whose shared entries to read."""
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return
    actor = caller.actor
    async with work(context) as session:
        screen: Screen
        if isinstance(actor, CounsellorActor):
            screen = await counsellor_picker(session, caller, actor)
        else:
            screen = await journal_screen(session, caller, as_beneficiary(caller), 0)
    await send(update, screen)


COMMANDS = (
    Command(
        ("journal",),
        N_("Your journal: notes between sessions"),
        journal_command,
        roles=(BENEFICIARY,),
    ),
    Command(
        ("journal",),
        N_("Journal entries your beneficiaries shared"),
        journal_command,
        roles=(COUNSELLOR,),
    ),
)
