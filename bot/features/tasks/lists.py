"""The tasks of a beneficiary (their own) or of a counsellor's beneficiaries, and a task's card."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.datetime_input import local_today
from bot.features.tasks.texts import LIST, NEW, due_text, page, task_rows
from bot.keyboards import button
from bot.kit.roles import as_beneficiary
from bot.kit.screens import Screen, e
from bot.moments import day_text
from bot.runtime import Caller
from dialogues.typography import shorten
from storage import tasks as store
from storage.actors import BeneficiaryActor, CounsellorActor, PersonActor
from storage.models import utcnow
from storage.tasks import TaskStatus

LISTED = 30


async def counsellor_list(session: AsyncSession, caller: Caller, actor: CounsellorActor) -> Screen:
    _ = caller._
    now = utcnow()
    overdue = await store.overdue_for_counsellor(session, actor, now=now)
    every = await store.tasks_for_counsellor(session, actor, limit=200)
    late_ids = {t.id for t in overdue}
    open_tasks = [t for t in every if t.status == TaskStatus.OPEN and t.id not in late_ids]
    done = sorted(
        (t for t in every if t.status == TaskStatus.DONE),
        key=lambda t: t.done_at or now,
        reverse=True,
    )[:10]

    def due_line(task: store.TaskInfo) -> str:
        return "• " + _("{name}: {title} — due {day}").format(
            name=e(task.beneficiary_name),
            title=e(shorten(task.title, 80)),
            day=day_text(task.due_on, caller.locale),
        )

    lines = [_("<b>Tasks of your beneficiaries</b>")]
    if not every:
        lines.append(_("No task given yet. Give one with /tache."))
    if overdue:
        lines += ["", _("<b>⚠️ Overdue</b> ({count})").format(count=len(overdue))]
        lines += [due_line(task) for task in overdue]
    if open_tasks:
        lines += ["", _("<b>Open</b> ({count})").format(count=len(open_tasks))]
        lines += [due_line(task) for task in open_tasks[:LISTED]]
    if done:
        lines += ["", _("<b>Done recently</b>")]
        for task in done:
            line = "• ✅ " + _("{name}: {title}").format(
                name=e(task.beneficiary_name), title=e(shorten(task.title, 80))
            )
            if task.done_note:
                line += f"\n   « {e(shorten(task.done_note, 300))} »"
            lines.append(line)
    rows = [
        [button(f"📌 {shorten(t.beneficiary_name, 20)} · {shorten(t.title, 28)}", f"t:v:{t.id}")]
        for t in [*overdue, *open_tasks][:12]
    ]
    rows.append([button(_("➕ Give a task"), NEW)])
    return page("\n".join(lines), rows)


async def beneficiary_list(
    session: AsyncSession, caller: Caller, actor: BeneficiaryActor
) -> Screen:
    _ = caller._
    tasks = await store.own_tasks(session, actor, include_done=True)
    today = local_today(utcnow(), actor.timezone)
    open_tasks = [t for t in tasks if t.status == TaskStatus.OPEN]
    done = [t for t in tasks if t.status == TaskStatus.DONE][-5:]
    lines = [_("<b>Your tasks</b>")]
    if not open_tasks:
        lines.append(_("Nothing to do for now."))
    for task in open_tasks:
        lines.append(f"• {e(task.title)} — {due_text(task, caller.locale, today, _)}")
    if done:
        lines += ["", _("<b>Done</b>")]
        lines += [f"• ✅ {e(t.title)}" for t in done]
    rows = [[button(f"📌 {shorten(t.title, 48)}", f"t:v:{t.id}")] for t in open_tasks[:12]]
    return page("\n".join(lines), rows)


async def card_screen(session: AsyncSession, caller: Caller, task_id: int) -> Screen:
    _ = caller._
    actor = caller.actor
    assert actor is not None
    task = await store.task_for(session, actor, task_id)
    today = local_today(utcnow(), actor.timezone)
    lines = [f"📌 <b>{e(task.title)}</b>"]
    if isinstance(actor, CounsellorActor):
        lines.insert(0, _("Task for {name}").format(name=e(task.beneficiary_name)))
    if task.details:
        lines.append(e(task.details))
    rows: list[list[InlineKeyboardButton]] = []
    if task.status == TaskStatus.OPEN:
        lines.append(due_text(task, caller.locale, today, _).capitalize())
        if isinstance(actor, BeneficiaryActor):
            rows = task_rows(_, task)
        else:
            rows = [[button(_("✖ Withdraw this task"), f"t:w:{task.id}")]]
    elif task.status == TaskStatus.DONE:
        lines.append(_("✅ Done."))
        if task.done_note:
            lines.append(_("Note: « {note} »").format(note=e(task.done_note)))
    else:
        lines.append(_("Withdrawn by the counsellor."))
    rows.append([button(_("◀ All tasks"), LIST)])
    return page("\n".join(lines), rows)


async def coming_screen(session: AsyncSession, caller: Caller, actor: PersonActor) -> Screen:
    """``t:list`` and ``/taches``: the counsellor's list or the beneficiary's own."""
    if isinstance(actor, CounsellorActor):
        return await counsellor_list(session, caller, actor)
    return await beneficiary_list(session, caller, as_beneficiary(caller))
