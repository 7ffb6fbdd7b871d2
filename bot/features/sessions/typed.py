"""What people type in a session dialogue.

The flows ``session``, ``move``, ``cancel`` and ``move_reason`` of the door.

A counsellor's draft takes a date, an address or a reason to cancel; a
beneficiary who has to move a session may say why.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.sessions.confirm import confirm_screen, typed_time
from bot.features.sessions.draft import MOVE_REASON_FLOW, SESSION_FLOWS, data_int
from bot.features.sessions.settings import SessionSettings, session_settings
from bot.features.sessions.texts import page
from bot.i18n import N_, Translate
from bot.keyboards import button
from bot.kit.door import BENEFICIARIES, COUNSELLORS, Typed, text_flow
from bot.kit.roles import as_beneficiary, as_counsellor
from bot.kit.screens import Screen, Stale, e, send
from bot.kit.stops import draft_step
from bot.kit.typed import BENEFICIARY_TEXT_WAIT, DRAFT_TEXT_WAIT
from bot.moments import when_text
from bot.runtime import Caller, wake_dispatcher, work
from storage import sessions as store
from storage.actors import AccessDenied, CounsellorActor
from storage.conversation import Wait
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


def _draft_label(wait: Wait, _: Translate) -> str:
    return {
        "session": _("the session you were scheduling"),
        "move": _("the session you were moving"),
        "cancel": _("the session you were cancelling"),
    }[wait.flow]


@text_flow(*SESSION_FLOWS, label=_draft_label, who=COUNSELLORS, max_age=DRAFT_TEXT_WAIT)
async def counsellor_text(typed: Typed) -> bool:
    """A counsellor's typed date, address or reason to cancel, for their session draft."""
    caller, actor = typed.caller, as_counsellor(typed.caller)
    config = session_settings(typed.context)
    async with work(typed.context) as session:
        draft = store.dialogue_of(typed.wait)
        step = _counsellor_typed(session, caller, actor, draft, typed.text, config)
        screen = await draft_step(session, caller, actor, "/seance", step)
    await send(typed.update, screen)
    return True


@text_flow(
    MOVE_REASON_FLOW,
    label=N_("the reason for moving your session"),
    who=BENEFICIARIES,
    max_age=BENEFICIARY_TEXT_WAIT,
)
async def move_reason_text(typed: Typed) -> bool:
    """A beneficiary's reason to move a session, for their counsellor."""
    _, actor = typed._, as_beneficiary(typed.caller)
    queued = False
    async with work(typed.context) as session:
        await store.end_dialogue(session, actor, flows=[MOVE_REASON_FLOW])
        try:
            session_id = data_int(typed.wait.payload, "session_id")
            await store.add_move_reason(session, actor, session_id, typed.text)
            screen = page(_("Thank you: your counsellor receives your reason now."))
            queued = True
        except (SessionRefused, AccessDenied, Stale):
            screen = page(_("This session is over or was cancelled."))
    if queued:
        wake_dispatcher(typed.context)
    await send(typed.update, screen)
    return True


TEXT_FLOWS = (counsellor_text, move_reason_text)
