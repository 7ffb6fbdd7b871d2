"""``/tache`` (alias ``/task``) and ``/taches`` (alias ``/tasks``).

``/tache`` is listed for counsellors (it starts giving a task); a beneficiary
who types it sees their tasks. ``/taches`` is listed for both roles, with the
words each reads.
"""

from __future__ import annotations

from bot.features.tasks.draft import picker_screen
from bot.features.tasks.lists import coming_screen
from bot.i18n import N_
from bot.kit.commands import Command, by_role, of_caller, screen_command

_tasks = of_caller(coming_screen)
list_command = screen_command()(_tasks)
"""``/taches``: their tasks, or (counsellor) their beneficiaries' open tasks."""
assign_command = screen_command()(by_role(beneficiary=_tasks, counsellor=of_caller(picker_screen)))
"""``/tache``: a counsellor gives a task; a beneficiary sees theirs."""

COMMANDS = (
    Command.for_beneficiaries(("taches", "tasks"), N_("Your tasks between sessions"), list_command),
    Command.for_counsellors(("tache", "task"), N_("Give a task to a beneficiary"), assign_command),
    Command.for_counsellors(
        ("taches", "tasks"), N_("Your beneficiaries' tasks, overdue first"), list_command
    ),
)
