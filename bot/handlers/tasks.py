"""Tasks between sessions (*démarches*) in Telegram.

Counsellor: ``/tache`` → one of their consenting beneficiaries → the task's
title (typed) → optional details (typed, or "no details") → due date (typed
"vendredi", "21/03", "dans 2 semaines", or picked) → confirm. ``/taches``
lists their beneficiaries' tasks, overdue ones first, with the notes of the
done ones (reading a note is audited by :mod:`storage.tasks`).

Beneficiary: told when a task is given, reminded the evening before it is
due; ``/taches`` lists theirs; each can be marked done (with an optional
note typed afterwards) or its reminder pushed to tomorrow or in three days.

State lives in the database, in the same per-person dialogue row as the
sessions' (:mod:`storage.sessions`): ``/annuler`` clears it through
``/annuler`` (:mod:`storage.conversation`).

Callback grammar (all under ``t:``)::

    t:list                    tasks (either role)
    t:new  t:b:<beneficiary>  (counsellor) give a task: choose who / for this one
    t:nod                     (counsellor) no details
    t:due:<yyyymmdd>          (counsellor) due date chosen
    t:ok  t:x                 (counsellor) confirm / abandon
    t:v:<task>                a task's card
    t:w:<task>                (counsellor) withdraw it
    t:d:<task>  t:nn          (beneficiary) done / no note to add
    t:z:<task>:<days>         (beneficiary) remind me in 1 or 3 days
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.caseload import active_beneficiaries, beneficiary_rows
from bot.datetime_input import local_today, parse_when
from bot.handler_screens import answer_stale, edit_screen, number, send_screen
from bot.handlers.onboarding import known_caller
from bot.i18n import N_, Translate
from bot.keyboards import button
from bot.kit.door import Flow
from bot.kit.roles import as_beneficiary, as_counsellor
from bot.kit.screens import Screen, Stale, e
from bot.kit.typed import BENEFICIARY_TEXT_WAIT, DRAFT_TEXT_WAIT, typed_text
from bot.moments import day_text
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from bot.runtime import Caller, Context, setting, wake_dispatcher, work
from dialogues.typography import shorten
from storage import sessions as dialogue
from storage import tasks as store
from storage.actors import AccessDenied, BeneficiaryActor, CounsellorActor
from storage.models import BeneficiaryStatus, utcnow
from storage.outbox import ClaimedMessage
from storage.people import get_beneficiary
from storage.tasks import TaskInfo, TaskRefused, TaskStatus

log = logging.getLogger(__name__)

PREFIX = "t:"
CALLBACK_PATTERN = r"^t:"
LIST = "t:list"
NEW = "t:new"
BENEFICIARY_PREFIX = "t:b:"

BENEFICIARY_COMMANDS = [("taches", N_("Your tasks between sessions"))]
COUNSELLOR_COMMANDS = [
    ("tache", N_("Give a task to a beneficiary")),
    ("taches", N_("Your beneficiaries' tasks, overdue first")),
]

TASK_FLOW = "task"
NOTE_FLOW = "task_note"
DUE_CHOICES = (3, 7, 14, 21)
LISTED = 30


def reminder_hour(context: Context) -> int:
    """``TASK_REMINDER_HOUR`` (18): the local hour of the evening-before reminder."""
    raw = setting(context, "task_reminder_hour")
    if raw is not None and raw.isdigit() and 0 <= int(raw) <= 23:
        return int(raw)
    return store.DEFAULT_REMINDER_HOUR


def _due_text(task: TaskInfo, locale: str, today: date, _: Translate) -> str:
    text = _("due {day}").format(day=day_text(task.due_on, locale))
    if task.overdue(today):
        text = "⚠️ " + _("overdue since {day}").format(day=day_text(task.due_on, locale))
    return text


# ---------------------------------------------------------------------------
# The counsellor's dialogue
# ---------------------------------------------------------------------------


async def _draft(session: AsyncSession, actor: CounsellorActor, *steps: str) -> dialogue.Dialogue:
    draft = await dialogue.current_dialogue(session, actor, flows=[TASK_FLOW])
    if draft is None or draft.step not in steps:
        raise Stale("no task draft at this step")
    return draft


def _beneficiary_id(data: dict[str, Any]) -> int:
    value = data.get("beneficiary_id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise Stale("draft without beneficiary")
    return value


async def _heading(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, data: dict[str, Any]
) -> str:
    person = await get_beneficiary(session, actor, _beneficiary_id(data))
    return caller._("<b>New task for {name}.</b>").format(name=e(person.name))


def _due_screen(
    caller: Caller, actor: CounsellorActor, heading: str, hint: str | None = None
) -> Screen:
    _ = caller._
    today = local_today(utcnow(), actor.timezone)
    rows: list[list[InlineKeyboardButton]] = []
    labels = {
        3: _("In 3 days"),
        7: _("In a week"),
        14: _("In 2 weeks"),
        21: _("In 3 weeks"),
    }
    for pair in (DUE_CHOICES[:2], DUE_CHOICES[2:]):
        rows.append([button(labels[d], f"t:due:{today + timedelta(days=d):%Y%m%d}") for d in pair])
    rows.append([button(_("✖ Cancel"), "t:x")])
    lines = [heading, ""]
    if hint:
        lines += [hint, ""]
    lines.append(_("By when? Type a date (“Friday”, “03/21”, “in 2 weeks”) or choose:"))
    return Screen("\n".join(lines), rows)


async def _confirm_screen(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, data: dict[str, Any], hour: int
) -> Screen:
    _ = caller._
    person = await get_beneficiary(session, actor, _beneficiary_id(data))
    due = date.fromisoformat(str(data.get("due_on")))
    lines = [
        _("<b>Task for {name}</b>").format(name=e(person.name)),
        f"📌 {e(str(data.get('title', '')))}",
    ]
    details = data.get("details")
    if isinstance(details, str) and details:
        lines.append(e(details))
    lines += [
        _("Due: {day}").format(day=day_text(due, caller.locale)),
        "",
        _("They are told now and reminded the evening before, at {hour}:00.").format(hour=hour),
    ]
    rows = [[button(_("✅ Give this task"), "t:ok")], [button(_("✖ Cancel"), "t:x")]]
    return Screen("\n".join(lines), rows)


async def _counsellor_typed(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: dialogue.Dialogue,
    text: str,
    hour: int,
) -> Screen:
    _ = caller._
    heading = await _heading(session, caller, actor, draft.data)
    text = text.strip()
    if draft.step == "title":
        if len(text) > store.MAX_TITLE:
            return Screen(
                _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_TITLE)
            )
        await dialogue.save_dialogue(
            session, actor, TASK_FLOW, "details", {**draft.data, "title": text}
        )
        return Screen(
            "\n".join([heading, f"📌 {e(text)}", "", _("Add details if useful (type them), or:")]),
            [[button(_("No details"), "t:nod")], [button(_("✖ Cancel"), "t:x")]],
        )
    if draft.step == "details":
        if len(text) > store.MAX_DETAILS:
            return Screen(
                _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_DETAILS)
            )
        await dialogue.save_dialogue(
            session, actor, TASK_FLOW, "due", {**draft.data, "details": text}
        )
        return _due_screen(caller, actor, heading)
    if draft.step == "due":
        today = local_today(utcnow(), actor.timezone)
        when = parse_when(text, caller.locale, today)
        if when is None or when.day is None:
            hint = _("⚠️ I did not understand that date.")
            return _due_screen(caller, actor, heading, hint)
        if when.day < today:
            return _due_screen(caller, actor, heading, _("⚠️ That date has passed."))
        data = {**draft.data, "due_on": when.day.isoformat()}
        await dialogue.save_dialogue(session, actor, TASK_FLOW, "confirm", data)
        return await _confirm_screen(session, caller, actor, data, hour)
    return Screen(_("Please use the buttons above, or /annuler to stop."))


# ---------------------------------------------------------------------------
# Lists and cards
# ---------------------------------------------------------------------------


async def _counsellor_list(session: AsyncSession, caller: Caller, actor: CounsellorActor) -> Screen:
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
    lines = [_("<b>Tasks of your beneficiaries</b>")]
    if not every:
        lines.append(_("No task given yet. Give one with /tache."))
    if overdue:
        lines += ["", _("<b>⚠️ Overdue</b> ({count})").format(count=len(overdue))]
        for task in overdue:
            lines.append(
                "• "
                + _("{name}: {title} — due {day}").format(
                    name=e(task.beneficiary_name),
                    title=e(shorten(task.title, 80)),
                    day=day_text(task.due_on, caller.locale),
                )
            )
    if open_tasks:
        lines += ["", _("<b>Open</b> ({count})").format(count=len(open_tasks))]
        for task in open_tasks[:LISTED]:
            lines.append(
                "• "
                + _("{name}: {title} — due {day}").format(
                    name=e(task.beneficiary_name),
                    title=e(shorten(task.title, 80)),
                    day=day_text(task.due_on, caller.locale),
                )
            )
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
    return Screen("\n".join(lines), rows)


async def _beneficiary_list(
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
        lines.append(f"• {e(task.title)} — {_due_text(task, caller.locale, today, _)}")
    if done:
        lines += ["", _("<b>Done</b>")]
        lines += [f"• ✅ {e(t.title)}" for t in done]
    rows = [[button(f"📌 {shorten(t.title, 48)}", f"t:v:{t.id}")] for t in open_tasks[:12]]
    return Screen("\n".join(lines), rows)


def _task_rows(_: Translate, task: TaskInfo) -> list[list[InlineKeyboardButton]]:
    return [
        [button(_("✅ Done"), f"t:d:{task.id}")],
        [
            button(_("⏰ Remind me tomorrow"), f"t:z:{task.id}:1"),
            button(_("⏰ In 3 days"), f"t:z:{task.id}:3"),
        ],
    ]


async def _card(session: AsyncSession, caller: Caller, task_id: int) -> Screen:
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
        lines.append(_due_text(task, caller.locale, today, _).capitalize())
        if isinstance(actor, BeneficiaryActor):
            rows = _task_rows(_, task)
        else:
            rows = [[button(_("✖ Withdraw this task"), f"t:w:{task.id}")]]
    elif task.status == TaskStatus.DONE:
        lines.append(_("✅ Done."))
        if task.done_note:
            lines.append(_("Note: « {note} »").format(note=e(task.done_note)))
    else:
        lines.append(_("Withdrawn by the counsellor."))
    rows.append([button(_("◀ All tasks"), LIST)])
    return Screen("\n".join(lines), rows)


# ---------------------------------------------------------------------------
# Presses, commands and typed text
# ---------------------------------------------------------------------------


async def _press(caller: Caller, data: str, context: Context) -> tuple[Screen, bool, bool]:
    """The screen, whether to edit in place, and whether the outbox got a row."""
    parts = data.split(":")
    kind, args = parts[1], parts[2:]
    _ = caller._
    hour = reminder_hour(context)
    async with work(context) as session:
        actor = caller.actor
        assert actor is not None
        if kind == "list" and not args:
            if isinstance(actor, CounsellorActor):
                return await _counsellor_list(session, caller, actor), False, False
            return await _beneficiary_list(session, caller, as_beneficiary(caller)), False, False
        if kind == "v" and len(args) == 1:
            return await _card(session, caller, number(args[0])), False, False
        if kind == "d" and len(args) == 1:
            me = as_beneficiary(caller)
            try:
                task = await store.complete_task(session, me, number(args[0]))
            except TaskRefused:
                return Screen(_("This task is already done or was withdrawn.")), False, False
            await dialogue.save_dialogue(session, me, NOTE_FLOW, "note", {"task_id": task.id})
            text = _("✅ Well done! Add a note for your counsellor if you like (type it), or:")
            return Screen(text, [[button(_("No note"), "t:nn")]]), False, True
        if kind == "nn" and not args:
            await dialogue.end_dialogue(session, as_beneficiary(caller), flows=[NOTE_FLOW])
            return Screen(_("All right.")), True, False
        if kind == "z" and len(args) == 2:
            if number(args[1]) not in store.SNOOZE_DAYS:
                raise Stale("snooze")
            try:
                task = await store.snooze_task(
                    session,
                    as_beneficiary(caller),
                    number(args[0]),
                    number(args[1]),
                    reminder_hour=hour,
                )
            except TaskRefused:
                return Screen(_("This task is already done or was withdrawn.")), False, False
            assert task.remind_at is not None
            text = _("⏰ I will remind you on {day} at {hour}:00.").format(
                day=day_text(local_today(task.remind_at, task.beneficiary_timezone), caller.locale),
                hour=hour,
            )
            return Screen(text), False, True
        return await _counsellor_press(session, caller, as_counsellor(caller), kind, args, hour)


async def _counsellor_press(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    kind: str,
    args: list[str],
    hour: int,
) -> tuple[Screen, bool, bool]:
    _ = caller._
    if kind == "new" and not args:
        people = await active_beneficiaries(session, actor)
        if not people:
            return (
                Screen(_("None of your beneficiaries has accepted their invitation yet.")),
                False,
                False,
            )
        await dialogue.save_dialogue(session, actor, TASK_FLOW, "ben")
        rows = beneficiary_rows(people, BENEFICIARY_PREFIX)
        rows.append([button(_("✖ Cancel"), "t:x")])
        return Screen(_("<b>New task.</b> For whom?"), rows), False, False
    if kind == "b" and len(args) == 1:
        person = await get_beneficiary(session, actor, number(args[0]))
        if person.status != BeneficiaryStatus.ACTIVE:
            return Screen(_("This person has not accepted their invitation yet.")), True, False
        data: dict[str, Any] = {"beneficiary_id": person.id}
        await dialogue.save_dialogue(session, actor, TASK_FLOW, "title", data)
        text = "\n".join(
            [
                _("<b>New task for {name}.</b>").format(name=e(person.name)),
                "",
                _(
                    "Type the task, for example "
                    "« Enquête métier : rencontrer deux professionnels »."
                ),
            ]
        )
        return Screen(text, [[button(_("✖ Cancel"), "t:x")]]), True, False
    if kind == "x" and not args:
        await dialogue.end_dialogue(session, actor, flows=[TASK_FLOW])
        return Screen(_("Abandoned: nothing was changed.")), True, False
    if kind == "nod" and not args:
        draft = await _draft(session, actor, "details")
        await dialogue.save_dialogue(
            session, actor, TASK_FLOW, "due", {**draft.data, "details": None}
        )
        return (
            _due_screen(caller, actor, await _heading(session, caller, actor, draft.data)),
            True,
            False,
        )
    if kind == "due" and len(args) == 1:
        draft = await _draft(session, actor, "due")
        try:
            due = datetime.strptime(args[0], "%Y%m%d").date()
        except ValueError:
            raise Stale("due") from None
        data = {**draft.data, "due_on": due.isoformat()}
        await dialogue.save_dialogue(session, actor, TASK_FLOW, "confirm", data)
        return await _confirm_screen(session, caller, actor, data, hour), True, False
    if kind == "ok" and not args:
        draft = await _draft(session, actor, "confirm")
        details = draft.data.get("details")
        try:
            task = await store.assign_task(
                session,
                actor,
                _beneficiary_id(draft.data),
                str(draft.data.get("title", "")),
                details if isinstance(details, str) else None,
                date.fromisoformat(str(draft.data.get("due_on"))),
                reminder_hour=hour,
            )
        except TaskRefused as refused:
            texts = {
                "past": _("⚠️ That date has passed meanwhile: nothing was given."),
                "not_active": _(
                    "This person has not accepted their invitation, or withdrew their consent."
                ),
            }
            return (
                Screen(
                    texts.get(refused.reason, _("⚠️ That could not be done: nothing was changed."))
                ),
                True,
                False,
            )
        await dialogue.end_dialogue(session, actor)
        text = _("✅ Task given to {name}, due {day}. They are told now.").format(
            name=e(task.beneficiary_name), day=day_text(task.due_on, caller.locale)
        )
        return Screen(text, [[button(_("📌 Tasks"), LIST)]]), True, True
    if kind == "w" and len(args) == 1:
        try:
            task = await store.withdraw_task(session, actor, number(args[0]))
        except TaskRefused:
            return Screen(_("This task is already done or was withdrawn.")), False, False
        return Screen(_("Task withdrawn: {title}").format(title=e(task.title))), True, False
    raise Stale("unknown press")


async def on_button(update: Update, context: Context) -> None:
    """Every ``t:`` press."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    caller = await known_caller(update, context)
    if caller is None:
        return
    try:
        screen, edit, queued = await _press(caller, query.data, context)
    except (Stale, AccessDenied, IndexError, ValueError):
        await answer_stale(query, caller._)
        return
    await query.answer()
    if queued:
        wake_dispatcher(context)
    await (edit_screen(update, screen) if edit else send_screen(update, screen))


async def assign_command(update: Update, context: Context) -> None:
    """``/tache``: a counsellor gives a task; a beneficiary sees theirs."""
    caller = await known_caller(update, context)
    if caller is None:
        return
    data = NEW if isinstance(caller.actor, CounsellorActor) else LIST
    screen, _edit, _queued = await _press(caller, data, context)
    await send_screen(update, screen)


async def list_command(update: Update, context: Context) -> None:
    """``/taches``."""
    caller = await known_caller(update, context)
    if caller is None:
        return
    screen, _edit, _queued = await _press(caller, LIST, context)
    await send_screen(update, screen)


async def handle_text(update: Update, context: Context) -> bool:
    """Typed text for the task dialogue (counsellor) or a note on a done task (beneficiary)."""
    typed = await typed_text(update, context)
    if typed is None:
        return False
    caller, actor, text = typed
    _ = caller._
    async with work(context) as session:
        if isinstance(actor, CounsellorActor):
            draft = await dialogue.current_dialogue(
                session, actor, flows=[TASK_FLOW], max_age=DRAFT_TEXT_WAIT
            )
            if draft is None:
                return False
            try:
                screen = await _counsellor_typed(
                    session, caller, actor, draft, text, reminder_hour(context)
                )
            except (Stale, AccessDenied, ValueError):
                await dialogue.end_dialogue(session, actor)
                screen = Screen(_("That dialogue is no longer current. Start again with /tache."))
        else:
            wait = await dialogue.current_dialogue(
                session, actor, flows=[NOTE_FLOW], max_age=BENEFICIARY_TEXT_WAIT
            )
            if wait is None:
                return False
            await dialogue.end_dialogue(session, actor, flows=[NOTE_FLOW])
            task_id = wait.data.get("task_id")
            try:
                if not isinstance(task_id, int):
                    raise Stale("no task")
                await store.add_done_note(session, actor, task_id, text)
                screen = Screen(_("Note saved: your counsellor will read it."))
            except TaskRefused as refused:
                screen = Screen(
                    _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_NOTE)
                    if refused.reason == "note"
                    else _("This task is already done or was withdrawn.")
                )
            except (Stale, AccessDenied):
                screen = Screen(_("This task is already done or was withdrawn."))
    await send_screen(update, screen)
    return True


TEXT_FLOWS = (
    Flow(
        (TASK_FLOW, NOTE_FLOW),
        handle_text,
        lambda wait, _: (
            _("the task you were giving") if wait.flow == TASK_FLOW else _("your note on a task")
        ),
    ),
)


# ---------------------------------------------------------------------------
# What the outbox sends
# ---------------------------------------------------------------------------


async def _rendered_task(context: RenderContext, row: ClaimedMessage) -> TaskInfo | None:
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    task_id = (row.payload or {}).get("task_id")
    if not isinstance(task_id, int):
        return None
    async with context.db.transaction() as session:
        try:
            task = await store.task_for(session, actor, task_id)
        except AccessDenied:
            return None
    return task if task.status == TaskStatus.OPEN else None


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
    return OutgoingMessage(
        "\n".join(lines), parse_mode=ParseMode.HTML, keyboard=InlineKeyboardMarkup(rows)
    )


@register(store.TASK_REMINDER, stale_after=timedelta(days=2))
async def render_reminder(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The evening-before (or snoozed) reminder; not sent for a task done meanwhile."""
    task = await _rendered_task(context, row)
    if task is None or (row.payload or {}).get("number") != task.reminder_number:
        return None
    _ = context._
    today = local_today(context.now, context.timezone)
    text = _("⏰ Reminder: <b>{title}</b> is {due}.").format(
        title=e(task.title), due=_due_text(task, context.locale, today, _)
    )
    return OutgoingMessage(
        text, parse_mode=ParseMode.HTML, keyboard=InlineKeyboardMarkup(_task_rows(_, task))
    )
