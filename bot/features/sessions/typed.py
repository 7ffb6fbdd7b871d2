"""What people type in a session dialogue.

The flows ``session``, ``move``, ``cancel`` and ``move_reason`` of the door.

A counsellor's draft takes a date, an address or a reason to cancel; a
beneficiary who has to move a session may say why.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.features.sessions.confirm import confirm_screen, typed_time
from bot.features.sessions.draft import MOVE_REASON_FLOW, SESSION_FLOWS, data_int
from bot.features.sessions.settings import SessionSettings, session_settings
from bot.features.sessions.texts import page
from bot.keyboards import button
from bot.kit.door import Flow
from bot.kit.screens import Screen, Stale, e, send
from bot.kit.typed import BENEFICIARY_TEXT_WAIT, DRAFT_TEXT_WAIT, typed_text
from bot.moments import when_text
from bot.runtime import Caller, Context, wake_dispatcher, work
from storage import sessions as store
from storage.actors import AccessDenied, CounsellorActor
from storage.sessions import SessionRefused


async def _counsellor_typed(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: store.Dialogue,
    text: str,
    config: SessionSettings,
) -> Screen:
    _ = caller._
    if draft.step in ("day", "hour"):
        return await typed_time(session, caller, actor, draft, text, config.budget_hours)
    if draft.flow == "session" and draft.step == "place":
        place = text.strip()
        if len(place) > store.MAX_PLACE:
            return page(
                _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_PLACE)
            )
        data = {**draft.data, "place": place}
        await store.save_dialogue(session, actor, "session", "confirm", data)
        return await confirm_screen(session, caller, actor, "session", data, config.budget_hours)
    if draft.flow == "cancel" and draft.step in ("reason", "confirm"):
        reason = text.strip()
        if len(reason) > store.MAX_REASON:
            return page(
                _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_REASON)
            )
        data = {**draft.data, "reason": reason}
        await store.save_dialogue(session, actor, "cancel", "confirm", data)
        info = await store.session_for(session, actor, data_int(data, "session_id"))
        text_ = _(
            "Cancel the session with {name} of {when}, with this reason for them:\n« {reason} »?"
        ).format(
            name=e(info.beneficiary_name),
            when=when_text(info.starts_at, caller.locale, actor.timezone),
            reason=e(reason),
        )
        rows = [[button(_("✖ Yes, cancel it"), "s:ok")], [button(_("◀ Keep it"), "s:x")]]
        return page(text_, rows)
    return page(_("Please use the buttons above, or /annuler to stop."))


async def handle_text(update: Update, context: Context) -> bool:
    """Typed text for a session dialogue waiting for it; True when consumed.

    A counsellor's draft (a date, an address, a reason to cancel) or a
    beneficiary's reason to move, read from the database.
    """
    typed = await typed_text(update, context)
    if typed is None:
        return False
    caller, actor, text = typed
    config = session_settings(context)
    _ = caller._
    queued = False
    async with work(context) as session:
        if isinstance(actor, CounsellorActor):
            draft = await store.current_dialogue(
                session, actor, flows=SESSION_FLOWS, max_age=DRAFT_TEXT_WAIT
            )
            if draft is None:
                return False
            try:
                screen = await _counsellor_typed(session, caller, actor, draft, text, config)
            except (Stale, AccessDenied, ValueError):
                await store.end_dialogue(session, actor)
                screen = page(_("That dialogue is no longer current. Start again with /seance."))
        else:
            wait = await store.current_dialogue(
                session, actor, flows=[MOVE_REASON_FLOW], max_age=BENEFICIARY_TEXT_WAIT
            )
            if wait is None:
                return False
            await store.end_dialogue(session, actor, flows=[MOVE_REASON_FLOW])
            try:
                await store.add_move_reason(session, actor, data_int(wait.data, "session_id"), text)
                screen = page(_("Thank you: your counsellor receives your reason now."))
                queued = True
            except (SessionRefused, AccessDenied, Stale):
                screen = page(_("This session is over or was cancelled."))
    if queued:
        wake_dispatcher(context)
    await send(update, screen)
    return True


TEXT_FLOWS = (
    Flow(
        (*SESSION_FLOWS, MOVE_REASON_FLOW),
        handle_text,
        lambda wait, _: {
            "session": _("the session you were scheduling"),
            "move": _("the session you were moving"),
            "cancel": _("the session you were cancelling"),
        }.get(wait.flow, _("the reason for moving your session")),
    ),
)
