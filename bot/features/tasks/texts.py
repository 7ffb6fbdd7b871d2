"""How a task reads (its due date, its buttons) and the organisation's reminder hour.

Every screen of this feature is a :func:`page`: HTML, its links folded.
"""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton

from bot.i18n import Translate
from bot.keyboards import button
from bot.kit.screens import page as page  # this feature's screens fold their links
from bot.moments import day_text
from bot.runtime import Context, setting
from storage import tasks as store
from storage.tasks import TaskInfo

LIST = "t:list"
NEW = "t:new"
BENEFICIARY_PREFIX = "t:b:"
"""The presses many screens link to: the list, a new task, a beneficiary picked."""
TASK_FLOW = "task"
NOTE_FLOW = "task_note"


def reminder_hour(context: Context) -> int:
    """``TASK_REMINDER_HOUR`` (18): the local hour of the evening-before reminder."""
    raw = setting(context, "task_reminder_hour")
    if raw is not None and raw.isdigit() and 0 <= int(raw) <= 23:
        return int(raw)
    return store.DEFAULT_REMINDER_HOUR


def due_text(task: TaskInfo, locale: str, today: date, _: Translate) -> str:
    text = _("due {day}").format(day=day_text(task.due_on, locale))
    if task.overdue(today):
        text = "⚠️ " + _("overdue since {day}").format(day=day_text(task.due_on, locale))
    return text


def task_rows(_: Translate, task: TaskInfo) -> list[list[InlineKeyboardButton]]:
    return [
        [button(_("✅ Done"), f"t:d:{task.id}")],
        [
            button(_("⏰ Remind me tomorrow"), f"t:z:{task.id}:1"),
            button(_("⏰ In 3 days"), f"t:z:{task.id}:3"),
        ],
    ]
