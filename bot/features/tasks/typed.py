"""What people type for a task: the flows ``task`` (the counsellor's draft) and ``task_note``.

A counsellor types the title, the details and the due date; a beneficiary who
marked a task done may add a note for their counsellor.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.datetime_input import local_today, parse_when
from bot.features.tasks.draft import confirm_screen, due_screen, heading_of
from bot.features.tasks.texts import NOTE_FLOW, TASK_FLOW, page, reminder_hour
from bot.keyboards import button
from bot.kit.door import Flow
from bot.kit.screens import Screen, Stale, e, send
from bot.kit.typed import BENEFICIARY_TEXT_WAIT, DRAFT_TEXT_WAIT, typed_text
from bot.runtime import Caller, Context, work
from storage import sessions as dialogue
from storage import tasks as store
from storage.actors import AccessDenied, CounsellorActor
from storage.models import utcnow
from storage.tasks import TaskRefused


async def _counsellor_typed(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: dialogue.Dialogue,
    text: str,
    hour: int,
) -> Screen:
    _ = caller._
    heading = await heading_of(session, caller, actor, draft.data)
    text = text.strip()
    if draft.step == "title":
        if len(text) > store.MAX_TITLE:
            return page(
                _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_TITLE)
            )
        await dialogue.save_dialogue(
            session, actor, TASK_FLOW, "details", {**draft.data, "title": text}
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
            session, actor, TASK_FLOW, "due", {**draft.data, "details": text}
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
        data = {**draft.data, "due_on": when.day.isoformat()}
        await dialogue.save_dialogue(session, actor, TASK_FLOW, "confirm", data)
        return await confirm_screen(session, caller, actor, data, hour)
    return page(_("Please use the buttons above, or /annuler to stop."))


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
                screen = page(_("That dialogue is no longer current. Start again with /tache."))
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
                screen = page(_("Note saved: your counsellor will read it."))
            except TaskRefused as refused:
                screen = page(
                    _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_NOTE)
                    if refused.reason == "note"
                    else _("This task is already done or was withdrawn.")
                )
            except (Stale, AccessDenied):
                screen = page(_("This task is already done or was withdrawn."))
    await send(update, screen)
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
