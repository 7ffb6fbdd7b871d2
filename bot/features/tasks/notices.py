"""What the outbox sends about tasks: a new task, and the reminder the evening before.

Each renderer reads the task again, as the beneficiary, and says nothing for a
task done or withdrawn meanwhile.
"""

from __future__ import annotations

from datetime import timedelta

from bot.datetime_input import local_today
from bot.features.tasks.texts import LIST, due_text, task_rows
from bot.keyboards import button
from bot.kit.notices import notice, readable
from bot.kit.screens import Screen, e
from bot.moments import day_text
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from storage import tasks as store
from storage.outbox import ClaimedMessage
from storage.tasks import TaskInfo, TaskStatus


async def _rendered_task(context: RenderContext, row: ClaimedMessage) -> TaskInfo | None:
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    task_id = (row.payload or {}).get("task_id")
    if not isinstance(task_id, int):
        return None
    task = await readable(context, lambda session: store.task_for(session, actor, task_id))
    return task if task is not None and task.status == TaskStatus.OPEN else None


@register(store.TASK_ASSIGNED, stale_after=timedelta(days=14))
async def render_assigned(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """A new task from the counsellor: title, details, due date, and the buttons."""
    task = await _rendered_task(context, row)
    if task is None:
        return None
    _ = context._
    lines = [_("📌 A new task from your counsellor: <b>{title}</b>").format(title=e(task.title))]
    if task.details:
        lines.append(e(task.details))
    lines.append(_("Due {day}.").format(day=day_text(task.due_on, context.locale)))
    rows = [[button(_("✅ Done"), f"t:d:{task.id}"), button(_("📋 My tasks"), LIST)]]
    return notice(Screen("\n".join(lines), rows))


@register(store.TASK_REMINDER, stale_after=timedelta(days=2))
async def render_reminder(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The evening-before (or snoozed) reminder; not sent for a task done meanwhile."""
    task = await _rendered_task(context, row)
    if task is None or (row.payload or {}).get("number") != task.reminder_number:
        return None
    _ = context._
    today = local_today(context.now, context.timezone)
    text = _("⏰ Reminder: <b>{title}</b> is {due}.").format(
        title=e(task.title), due=due_text(task, context.locale, today, _)
    )
    return notice(Screen(text, task_rows(_, task)))
