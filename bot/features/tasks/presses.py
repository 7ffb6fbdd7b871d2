"""Every ``t:`` press, as one table: the list, a card, the beneficiary's "done" and
"remind me later", the counsellor's draft and withdrawal.
Each press is read strictly (:meth:`~bot.kit.presses.Presses.strict`); what no
longer fits (a task done or withdrawn meanwhile) reads "This button is no longer active.".

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

from datetime import date, datetime

from bot.caseload import NOT_ACCEPTED, begin_for
from bot.datetime_input import local_today
from bot.features.tasks.draft import (
    beneficiary_id,
    confirm_screen,
    current_draft,
    due_screen,
    heading_of,
    picker_screen,
)
from bot.features.tasks.lists import card_screen, coming_screen
from bot.features.tasks.texts import (
    LIST,
    NOTE_FLOW,
    TASK_FLOW,
    page,
    reminder_hour,
)
from bot.i18n import N_
from bot.keyboards import button
from bot.kit.presses import Press, Presses, Reply, new_message
from bot.kit.refusals import STALE
from bot.kit.screens import Screen, Stale, count, e
from bot.kit.stops import ABANDONED, stop_press
from bot.moments import day_text
from bot.runtime import wake_dispatcher, work
from storage import sessions as dialogue
from storage import tasks as store
from storage.actors import BeneficiaryActor, CounsellorActor
from storage.tasks import TaskRefused

PRESSES = Presses("t", denied=STALE)
stop_press(PRESSES, "nn", who=BeneficiaryActor, flows=[NOTE_FLOW], words=N_("All right."))
stop_press(PRESSES, "x", who=CounsellorActor, flows=[TASK_FLOW], words=ABANDONED)


def _gone(press: Press) -> Reply:
    return new_message(page(press._("This task is already done or was withdrawn.")))


# --- either role ---------------------------------------------------------------


@PRESSES.strict("list", 0)
async def tasks(press: Press) -> Reply:
    async with work(press.context) as session:
        return new_message(await coming_screen(session, press.caller, press.actor))


@PRESSES.strict("v", 1)
async def card(press: Press) -> Reply:
    async with work(press.context) as session:
        return new_message(await card_screen(session, press.caller, count(press.arg(0))))


# --- the beneficiary -----------------------------------------------------------


@PRESSES.strict("d", 1, who=BeneficiaryActor)
async def done(press: Press) -> Reply:
    _ = press._
    me = press.beneficiary
    async with work(press.context) as session:
        try:
            task = await store.complete_task(session, me, count(press.arg(0)))
        except TaskRefused:
            return _gone(press)
        await dialogue.save_dialogue(session, me, NOTE_FLOW, "note", {"task_id": task.id})
    wake_dispatcher(press.context)
    text = _("✅ Well done! Add a note for your counsellor if you like (type it), or:")
    return new_message(page(text, [[button(_("No note"), "t:nn")]]))


@PRESSES.strict("z", 2, who=BeneficiaryActor)
async def remind_later(press: Press) -> Reply:
    _ = press._
    days = count(press.arg(1))
    if days not in store.SNOOZE_DAYS:
        raise Stale("snooze")
    hour = reminder_hour(press.context)
    async with work(press.context) as session:
        try:
            task = await store.snooze_task(
                session, press.beneficiary, count(press.arg(0)), days, reminder_hour=hour
            )
        except TaskRefused:
            return _gone(press)
    wake_dispatcher(press.context)
    assert task.remind_at is not None
    text = _("⏰ I will remind you on {day} at {hour}:00.").format(
        day=day_text(local_today(task.remind_at, task.beneficiary_timezone), press.caller.locale),
        hour=hour,
    )
    return new_message(page(text))


# --- the counsellor ------------------------------------------------------------


@PRESSES.strict("new", 0, who=CounsellorActor)
async def new(press: Press) -> Reply:
    async with work(press.context) as session:
        return new_message(await picker_screen(session, press.caller, press.counsellor))


@PRESSES.strict("b", 1, who=CounsellorActor)
async def for_beneficiary(press: Press) -> Screen:
    _ = press._
    async with work(press.context) as session:
        person = await begin_for(session, press.counsellor, count(press.arg(0)), TASK_FLOW, "title")
    if person is None:
        return page(_(NOT_ACCEPTED))
    text = "\n".join(
        [
            _("<b>New task for {name}.</b>").format(name=e(person.name)),
            "",
            _("Type the task, for example « Enquête métier : rencontrer deux professionnels »."),
        ]
    )
    return page(text, [[button(_("✖ Cancel"), "t:x")]])


@PRESSES.strict("nod", 0, who=CounsellorActor)
async def no_details(press: Press) -> Screen:
    actor = press.counsellor
    async with work(press.context) as session:
        draft = await current_draft(session, actor, "details")
        await dialogue.save_dialogue(
            session, actor, TASK_FLOW, "due", {**draft.data, "details": None}
        )
        heading = await heading_of(session, press.caller, actor, draft.data)
    return due_screen(press.caller, actor, heading)


@PRESSES.strict("due", 1, who=CounsellorActor)
async def due_chosen(press: Press) -> Screen:
    actor = press.counsellor
    async with work(press.context) as session:
        draft = await current_draft(session, actor, "due")
        due = datetime.strptime(press.arg(0), "%Y%m%d").date()
        data = {**draft.data, "due_on": due.isoformat()}
        await dialogue.save_dialogue(session, actor, TASK_FLOW, "confirm", data)
        return await confirm_screen(
            session, press.caller, actor, data, reminder_hour(press.context)
        )


@PRESSES.strict("ok", 0, who=CounsellorActor)
async def give(press: Press) -> Screen:
    _ = press._
    actor = press.counsellor
    async with work(press.context) as session:
        draft = await current_draft(session, actor, "confirm")
        details = draft.data.get("details")
        try:
            task = await store.assign_task(
                session,
                actor,
                beneficiary_id(draft.data),
                str(draft.data.get("title", "")),
                details if isinstance(details, str) else None,
                date.fromisoformat(str(draft.data.get("due_on"))),
                reminder_hour=reminder_hour(press.context),
            )
        except TaskRefused as refused:
            texts = {
                "past": _("⚠️ That date has passed meanwhile: nothing was given."),
                "not_active": _(
                    "This person has not accepted their invitation, or withdrew their consent."
                ),
            }
            return page(
                texts.get(refused.reason, _("⚠️ That could not be done: nothing was changed."))
            )
        await dialogue.end_dialogue(session, actor)
    wake_dispatcher(press.context)
    text = _("✅ Task given to {name}, due {day}. They are told now.").format(
        name=e(task.beneficiary_name), day=day_text(task.due_on, press.caller.locale)
    )
    return page(text, [[button(_("📌 Tasks"), LIST)]])


@PRESSES.strict("w", 1, who=CounsellorActor)
async def withdraw(press: Press) -> Screen | Reply:
    async with work(press.context) as session:
        try:
            task = await store.withdraw_task(session, press.counsellor, count(press.arg(0)))
        except TaskRefused:
            return _gone(press)
    return page(press._("Task withdrawn: {title}").format(title=e(task.title)))
