"""What people type for a task: the flows ``task`` (the counsellor's draft) and ``task_note``.

A counsellor types the title, the details and the due date; a beneficiary who
marked a task done may add a note for their counsellor.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.datetime_input import local_today, parse_when
from bot.features.tasks.draft import confirm_screen, due_screen, heading_of
from bot.features.tasks.texts import NOTE_FLOW, TASK_FLOW, page, reminder_hour
from bot.i18n import N_
from bot.keyboards import button
from bot.kit.door import BENEFICIARIES, COUNSELLORS, Typed, text_flow
from bot.kit.roles import as_beneficiary, as_counsellor
from bot.kit.screens import Screen, Stale, e, send
from bot.kit.stops import draft_step
from bot.kit.typed import BENEFICIARY_TEXT_WAIT, DRAFT_TEXT_WAIT
from bot.runtime import Caller, work
from storage import sessions as dialogue
from storage import tasks as store
from storage.actors import AccessDenied, CounsellorActor
from storage.conversation import Wait
from storage.models import utcnow
from storage.tasks import TaskRefused


async def _counsellor_typed(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: Wait,
    text: str,
    hour: int,
) -> Screen:
    _ = caller._
    heading = await heading_of(session, caller, actor, draft.payload)
    text = text.strip()
    if draft.step == "title":
        if len(text) > store.MAX_TITLE:
            return page(
                _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_TITLE)
            )
        await dialogue.save_dialogue(
            session, actor, TASK_FLOW, "details", {**draft.payload, "title": text}
        )
        return page(
            "\n".join([heading, f"📌 {e(text)}", "", _("Add details if useful (type them), or:")]),
            [[button(_("No details"), "t:nod")], [button(_("✖ Cancel"), "t:x")]],
        )
    if draft.step == "details":
        if len(text) > store.MAX_DETAILS:
            return page(
                _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_DETAILS)
            )
        await dialogue.save_dialogue(
            session, actor, TASK_FLOW, "due", {**draft.payload, "details": text}
        )
        return due_screen(caller, actor, heading)
    if draft.step == "due":
        today = local_today(utcnow(), actor.timezone)
        when = parse_when(text, caller.locale, today)
        if when is None or when.day is None:
            hint = _("⚠️ I did not understand that date.")
            return due_screen(caller, actor, heading, hint)
        if when.day < today:
            return due_screen(caller, actor, heading, _("⚠️ That date has passed."))
        data = {**draft.payload, "due_on": when.day.isoformat()}
        await dialogue.save_dialogue(session, actor, TASK_FLOW, "confirm", data)
        return await confirm_screen(session, caller, actor, data, hour)
    return page(_("Please use the buttons above, or /annuler to stop."))


@text_flow(
    TASK_FLOW, label=N_("the task you were giving"), who=COUNSELLORS, max_age=DRAFT_TEXT_WAIT
)
async def counsellor_text(typed: Typed) -> bool:
    """A counsellor's typed title, details or due date, for their task draft."""
    caller, actor = typed.caller, as_counsellor(typed.caller)
    hour = reminder_hour(typed.context)
    async with work(typed.context) as session:
        step = _counsellor_typed(session, caller, actor, typed.wait, typed.text, hour)
        screen = await draft_step(session, caller, actor, "/tache", step)
    await send(typed.update, screen)
    return True


@text_flow(
    NOTE_FLOW, label=N_("your note on a task"), who=BENEFICIARIES, max_age=BENEFICIARY_TEXT_WAIT
)
async def note_text(typed: Typed) -> bool:
    """A beneficiary's note on the task they marked done, for their counsellor."""
    _, actor = typed._, as_beneficiary(typed.caller)
    async with work(typed.context) as session:
        await dialogue.end_dialogue(session, actor, flows=[NOTE_FLOW])
        task_id = typed.wait.payload.get("task_id")
        try:
            if not isinstance(task_id, int):
                raise Stale("no task")
            await store.add_done_note(session, actor, task_id, typed.text)
            screen = page(_("Note saved: your counsellor will read it."))
        except TaskRefused as refused:
            screen = page(
                _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_NOTE)
                if refused.reason == "note"
                else _("This task is already done or was withdrawn.")
            )
        except (Stale, AccessDenied):
            screen = page(_("This task is already done or was withdrawn."))
    await send(typed.update, screen)
    return True


TEXT_FLOWS = (counsellor_text, note_text)
