"""What the outbox sends about sessions: notices with the .ics, reminders, move requests.

Each renderer reads the session again, as the recipient, and says nothing if
it changed or is no longer theirs to see.
"""

from __future__ import annotations

from datetime import timedelta

from bot.features.sessions.ics import ics_for, ics_name
from bot.features.sessions.texts import answer_row, mode_label, move_pending_line, place_line
from bot.i18n import moment_text
from bot.keyboards import button
from bot.kit.notices import notice, readable
from bot.kit.screens import Screen, e
from bot.moments import duration_text, when_text
from bot.outbox_kinds import OutgoingFile, OutgoingMessage, RenderContext, register
from dialogues.typography import shorten
from storage import sessions as store
from storage.actors import PersonActor
from storage.outbox import ClaimedMessage
from storage.sessions import SessionInfo, SessionStatus

CAPTION_PART = 300


async def _rendered_session(
    context: RenderContext, row: ClaimedMessage, actor: PersonActor
) -> SessionInfo | None:
    """The session a row is about, if the recipient may still see it and it is the same version."""
    payload = row.payload or {}
    session_id, sequence = payload.get("session_id"), payload.get("sequence")
    if not isinstance(session_id, int) or not isinstance(sequence, int):
        return None
    info = await readable(context, lambda session: store.session_for(session, actor, session_id))
    return info if info is not None and info.sequence == sequence else None


@register(store.SESSION_NOTICE)
async def render_notice(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Scheduled, moved or cancelled: the text and the .ics file, in the reader's zone."""
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    info = await _rendered_session(context, row, actor)
    if info is None:
        return None
    _ = context._
    event = str((row.payload or {}).get("event"))
    when = when_text(info.starts_at, context.locale, context.timezone)
    counsellor = e(info.counsellor_name)
    cancelled = event == store.NoticeEvent.CANCELLED
    if cancelled:
        if info.status != SessionStatus.CANCELLED:
            return None
        lines = [
            _("❌ Your session of {when} with {counsellor} is cancelled.").format(
                when=when, counsellor=counsellor
            )
        ]
        if info.cancel_reason:
            lines.append(
                _("Reason: {reason}").format(reason=e(shorten(info.cancel_reason, CAPTION_PART)))
            )
        lines.append(_("The attached file removes it from your calendar."))
    else:
        if info.status != SessionStatus.PLANNED or info.starts_at <= context.now:
            return None
        if event == store.NoticeEvent.MOVED:
            first = _("📅 Your session with {counsellor} is moved to <b>{when}</b> ({duration}).")
        else:
            first = _("📅 New session with {counsellor}: <b>{when}</b> ({duration}).")
        lines = [
            first.format(
                counsellor=counsellor, when=when, duration=duration_text(info.duration_minutes, _)
            ),
            place_line(info, _, CAPTION_PART),
            _("Open the attached file to put it in your calendar. I will remind you before it."),
        ]
    data = ics_for(info, context.locale, context.timezone, cancelled=cancelled)
    return OutgoingMessage("\n".join(lines), document=OutgoingFile(data, ics_name(_)))


register(store.SESSION_NOTICE_SOON, urgent=True)(render_notice)


async def _render_reminder(
    context: RenderContext, row: ClaimedMessage, soon: bool
) -> OutgoingMessage | None:
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    info = await _rendered_session(context, row, actor)
    if info is None or info.status != SessionStatus.PLANNED or info.starts_at <= context.now:
        return None
    _ = context._
    lines = [
        _("⏰ Reminder: your session with {counsellor} is <b>{when}</b> ({duration}).").format(
            counsellor=e(info.counsellor_name),
            when=moment_text(
                info.starts_at, context.locale, context.timezone, context.now, on=True
            ),
            duration=duration_text(info.duration_minutes, _),
        )
    ]
    if soon:
        lines.append(place_line(info, _))
    else:
        lines.append(_("Mode: {mode}").format(mode=mode_label(info.mode, _)))
    if info.move_requested_at is not None:
        # Asked to move and not moved yet: no "will you be there?" as if nothing was said.
        lines.append(move_pending_line(info, _))
        keyboard = [[button(_("✅ I can come after all"), f"s:y:{info.id}:{info.sequence}")]]
    else:
        lines.append(_("Will you be there?"))
        keyboard = [answer_row(_, info)]
    return notice(Screen("\n".join(lines), keyboard))


@register(store.SESSION_REMINDER, stale_after=timedelta(hours=12))
async def render_reminder(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The day-before reminder (quiet hours may hold it: the session is still far)."""
    return await _render_reminder(context, row, soon=False)


@register(store.SESSION_REMINDER_SOON, urgent=True, stale_after=timedelta(hours=1))
async def render_reminder_soon(
    context: RenderContext, row: ClaimedMessage
) -> OutgoingMessage | None:
    """The reminder shortly before, with the address or link; never held by quiet hours."""
    return await _render_reminder(context, row, soon=True)


@register(store.MOVE_REQUEST, stale_after=timedelta(days=2))
async def render_move_request(
    context: RenderContext, row: ClaimedMessage
) -> OutgoingMessage | None:
    """Tells the counsellor their beneficiary has to move a session (and why, if they said)."""
    actor = context.counsellor_actor()
    if actor is None:
        return None
    info = await _rendered_session(context, row, actor)
    if info is None or info.status != SessionStatus.PLANNED or info.move_requested_at is None:
        return None
    _ = context._
    lines = [
        _("🔁 {name} has to move the session of {when}.").format(
            name=e(info.beneficiary_name),
            when=when_text(info.starts_at, context.locale, context.timezone),
        )
    ]
    if (row.payload or {}).get("reason"):
        if not info.move_reason:
            return None
        lines.append(_("Their reason: « {reason} »").format(reason=e(info.move_reason)))
    rows = [[button(_("📅 Move it"), f"s:mv:{info.id}"), button(_("👁 See it"), f"s:v:{info.id}")]]
    return notice(Screen("\n".join(lines), rows))


register(store.MOVE_REQUEST_SOON, urgent=True, stale_after=timedelta(hours=6))(render_move_request)
