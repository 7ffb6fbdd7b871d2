"""``/tache`` (alias ``/task``) and ``/taches`` (alias ``/tasks``).

``/tache`` is listed for counsellors (it starts giving a task); a beneficiary
who types it sees their tasks. ``/taches`` is listed for both roles, with the
words each reads.
"""

from __future__ import annotations

from telegram import Update

from bot.features.tasks.draft import picker_screen
from bot.features.tasks.lists import coming_screen
from bot.i18n import N_
from bot.kit.commands import BENEFICIARY, COUNSELLOR, Command
from bot.kit.screens import Screen, send
from bot.runtime import Context, identify, work
from storage.actors import CounsellorActor


async def _tasks(update: Update, context: Context, *, assign: bool) -> None:
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return
    actor = caller.actor
    async with work(context) as session:
        screen: Screen
        if assign and isinstance(actor, CounsellorActor):
            screen = await picker_screen(session, caller, actor)
        else:
            screen = await coming_screen(session, caller, actor)
    await send(update, screen)


async def assign_command(update: Update, context: Context) -> None:
    """``/tache``: a counsellor gives a task; a beneficiary sees theirs."""
    await _tasks(update, context, assign=True)


async def list_command(update: Update, context: Context) -> None:
    """``/taches``."""
    await _tasks(update, context, assign=False)


COMMANDS = (
    Command(
        ("taches", "tasks"), N_("Your tasks between sessions"), list_command, roles=(BENEFICIARY,)
    ),
    Command(
        ("tache", "task"), N_("Give a task to a beneficiary"), assign_command, roles=(COUNSELLOR,)
    ),
    Command(
        ("taches", "tasks"),
        N_("Your beneficiaries' tasks, overdue first"),
        list_command,
        roles=(COUNSELLOR,),
    ),
)
