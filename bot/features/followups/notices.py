"""What the outbox sends for the follow-up: the conclusion, the invitations, the alert.

Rendered when sent (:mod:`bot.outbox_kinds`), in the recipient's language, so
an invitation to a check-in sent meanwhile (or to a bilan no longer in
follow-up) is not sent. Imported by the feature's ``__init__``, which
registers these kinds at start-up. Sending a check-in tells the counsellor at
once (the questionnaire's ``instrument_submitted``) and, through
:func:`storage.followups.on_checkin_submitted`, cancels the re-pings and
queues the "wants to talk" alert rendered here.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup

from bot.features.followups.screens import GO_PREFIX, answer_label, months_text
from bot.features.plan.screens import CARD_PREFIX
from bot.features.questionnaire.finish import READ_PREFIX
from bot.i18n import N_
from bot.keyboards import button
from bot.kit.notices import counsellors_beneficiary, notice
from bot.kit.screens import Screen, e
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from storage.actors import SystemActor
from storage.followups import (
    CONCLUDED_KIND,
    INVITE_KIND,
    TALK_KIND,
    CheckinState,
    checkin_for_message,
)
from storage.models import Phase
from storage.outbox import ClaimedMessage

CONCLUDED_NOTICE = N_(
    "Your counsellor has closed the conclusion phase of your bilan. Your project and "
    "your action plan stay in /plan, where you can tick the steps you complete. In a few "
    "months I will ask you, in a short check-in, where you stand."
)
INVITE_TEXT = N_(
    "Hello! {months} ago you concluded your skills assessment. Where do you stand today? "
    "This short check-in takes about five minutes; your counsellor will read it."
)
REPING_TEXT = N_(
    "A gentle reminder, no pressure: your {months} follow-up check-in is waiting for you. "
    "A few minutes are enough, and you can answer in several goes."
)
LAST_REPING_TEXT = N_(
    "One last reminder about your {months} follow-up check-in. Your answers help your "
    "counsellor; after this, I will not ask again."
)
TALK_TEXT = N_(
    "🙋 {name} would like to talk with you (follow-up check-in at {months}). "
    "Their answers are one tap away."
)


@register(CONCLUDED_KIND)
async def render_concluded(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Told to the person in their language at send time."""
    return OutgoingMessage(context._(CONCLUDED_NOTICE))


@register(INVITE_KIND, stale_after=timedelta(days=10))
async def render_invite(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Sent only while the bilan is in follow-up and the check-in is still unanswered."""
    payload = row.payload or {}
    checkin_id, ping = payload.get("checkin_id"), payload.get("ping", 0)
    if not isinstance(checkin_id, int) or not isinstance(ping, int):
        return None
    async with context.db.transaction() as session:
        found = await checkin_for_message(session, SystemActor("outbox"), checkin_id)
    if found is None:
        return None
    status, phase = found
    if phase != Phase.SUIVI or status.state == CheckinState.ANSWERED:
        return None
    _ = context._
    months = months_text(status.months, context.locale)
    text = (INVITE_TEXT, REPING_TEXT, LAST_REPING_TEXT)[min(max(ping, 0), 2)]
    keyboard = InlineKeyboardMarkup([[button(answer_label(status, _), f"{GO_PREFIX}{checkin_id}")]])
    return OutgoingMessage(_(text).format(months=months), keyboard=keyboard)


@register(TALK_KIND, urgent=False)
async def render_talk(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """To the beneficiary's own counsellor: who, and the buttons; never the answers."""
    payload = row.payload or {}
    run_id, months = payload.get("run_id"), payload.get("months")
    if not isinstance(run_id, int) or not isinstance(months, int):
        return None
    person = await counsellors_beneficiary(context, row)
    if person is None:
        return None
    _ = context._
    text = _(TALK_TEXT).format(name=e(person.name), months=months_text(months, context.locale))
    rows = [
        [button(_("📖 Read the answers"), f"{READ_PREFIX}{run_id}")],
        [button(_("🗂 Card"), f"{CARD_PREFIX}{person.id}")],
    ]
    return notice(Screen(text, rows))
