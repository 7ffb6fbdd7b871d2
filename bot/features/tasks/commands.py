"""``/tache`` (alias ``/task``) and ``/taches`` (alias ``/tasks``).

``/tache`` is listed for counsellors (it starts giving a task); a beneficiary
who types it sees their tasks. ``/taches`` is listed for both roles, with the
words each reads.
"""

from __future__ import annotations

from bot.features.tasks.draft import picker_screen
from bot.features.tasks.lists import coming_screen
from bot.i18n import N_
from bot.kit.commands import Asked, for_beneficiaries, for_counsellors, screen_command
from bot.kit.screens import Screen
from storage.actors import CounsellorActor


async def _tasks(asked: Asked) -> Screen:
    """``/taches``: their tasks, or (counsellor) their beneficiaries' open tasks."""
    return await coming_screen(asked.session, asked.caller, asked.actor)


@screen_command()
async def assign_command(asked: Asked) -> Screen:
    """``/tache``: a counsellor gives a task; a beneficiary sees theirs."""
    if isinstance(asked.actor, CounsellorActor):
        return await picker_screen(asked.session, asked.caller, asked.actor)
    return await _tasks(asked)


list_command = screen_command()(_tasks)

COMMANDS = (
    for_beneficiaries(("taches", "tasks"), N_("Your tasks between sessions"), list_command),
    for_counsellors(("tache", "task"), N_("Give a task to a beneficiary"), assign_command),
    for_counsellors(
        ("taches", "tasks"), N_("Your beneficiaries' tasks, overdue first"), list_command
    ),
)
