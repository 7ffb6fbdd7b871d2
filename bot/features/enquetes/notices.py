"""What the outbox sends for enquêtes: the meeting's reminder, and the report to the counsellor.

Rendered when sent (:mod:`bot.outbox_kinds`), so a reminder for a meeting
moved, reported or deleted since is not sent. Imported by the feature's
``__init__``, which registers these kinds at start-up. The dispatcher sends
with the parse mode the message names (not the application's default), so
each says HTML.
"""

from __future__ import annotations

from datetime import timedelta

from bot.features.enquetes import views
from bot.i18n import gettext_for
from bot.keyboards import button
from bot.kit.notices import notice, readable
from bot.kit.screens import Screen, e
from bot.moments import when_text
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from storage import enquetes as store
from storage.actors import AccessDenied
from storage.outbox import ClaimedMessage
from storage.people import get_beneficiary


@register(store.REMINDER_KIND, stale_after=timedelta(hours=12))
async def render_reminder(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The day before the meeting; nothing if it was reported, moved or deleted since."""
    actor = context.beneficiary_actor()
    payload = row.payload or {}
    inquiry_id = payload.get("inquiry_id")
    if actor is None or not isinstance(inquiry_id, int):
        return None
    inquiry = await readable(context, lambda session: store.own_inquiry(session, actor, inquiry_id))
    if inquiry is None or inquiry.reported or inquiry.meeting_at is None:
        return None
    if (
        inquiry.meeting_at.isoformat() != payload.get("meeting_at")
        or inquiry.meeting_at <= context.now
    ):
        return None
    _ = context._
    when = when_text(inquiry.meeting_at, context.locale, context.timezone)
    text = _(
        "⏰ Your enquête métier about {title} is on {when}. Read your guide again before you go."
    ).format(title=e(inquiry.title), when=when)
    rows = [[button(_("🔎 My guide"), f"en:g:{inquiry.id}")]]
    return notice(Screen(text, rows))


@register(store.REPORTED_KIND)
async def render_reported(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Tells the counsellor a report came in: who, which métier, whether it confirms."""
    actor = context.counsellor_actor()
    inquiry_id = (row.payload or {}).get("inquiry_id")
    if actor is None or not isinstance(inquiry_id, int):
        return None
    async with context.db.transaction() as session:
        try:
            inquiry = await store.report_for(session, actor, inquiry_id)
            person = await get_beneficiary(session, actor, inquiry.beneficiary_id)
        except AccessDenied:
            return None
    _ = gettext_for(context.locale)
    text = _(
        "📝 {name} reported an enquête métier about {title}. Confirms the project: {answer}."
    ).format(
        name=e(person.name),
        title=e(inquiry.title),
        answer=views.confirms_label(inquiry.confirms, _),
    )
    rows = [[button(_("🔎 Read the report"), f"ct:b:{inquiry.beneficiary_id}")]]
    return notice(Screen(text, rows))
