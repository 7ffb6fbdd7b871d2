"""What the outbox sends for the synthesis, rendered from the database when it is sent.

To the person: the version to review (not sent if another replaced it), the
final document, the question on keeping a copy (not sent once answered or
erased). To the counsellor: a comment (read for them when sent, an audited
reading), an agreement, an answer on keeping. Imported by the feature's
``__init__``, which registers these kinds at start-up.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup

from bot.features.synthesis.delivery import retention_question
from bot.features.synthesis.presses import counsellor_data
from bot.features.synthesis.review import review_caption, review_keyboard
from bot.i18n import Translate, format_date_long
from bot.keyboards import button
from bot.kit.screens import e
from bot.outbox_kinds import OutgoingFile, OutgoingMessage, RenderContext, register
from dialogues.typography import shorten
from storage import synthesis
from storage.actors import AccessDenied
from storage.outbox import ClaimedMessage
from storage.people import get_beneficiary
from storage.synthesis import SynthesisState

REVIEW_KIND = synthesis.REVIEW_KIND
FINAL_KIND = synthesis.FINAL_KIND
RETENTION_KIND = synthesis.RETENTION_KIND
COMMENT_KIND = synthesis.COMMENT_KIND
AGREED_KIND = synthesis.AGREED_KIND
RETENTION_ANSWERED_KIND = synthesis.RETENTION_ANSWERED_KIND


def _version_of(row: ClaimedMessage) -> int | None:
    value = (row.payload or {}).get("version")
    return value if isinstance(value, int) else None


@register(REVIEW_KIND, stale_after=timedelta(days=30))
async def render_review(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The version to review, unless another version replaced it in the meantime."""
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    async with context.db.transaction() as session:
        copy = await synthesis.person_copy(session, actor, "review")
    if copy is None or copy[0] != _version_of(row):
        return None
    number, pdf = copy
    _ = context._
    return OutgoingMessage(
        review_caption(number, _),
        keyboard=review_keyboard(number, _),
        document=OutgoingFile(pdf, f"{_('My synthesis')} - v{number}.pdf"),
    )


@register(FINAL_KIND, stale_after=timedelta(days=365))
async def render_final(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    async with context.db.transaction() as session:
        copy = await synthesis.person_copy(session, actor, "final")
    if copy is None:
        return None
    _ = context._
    return OutgoingMessage(
        _(
            "📄 Here is your synthesis document, final version. It belongs to you: you alone "
            "decide whom to show it to. Keep it safe."
        ),
        document=OutgoingFile(copy[1], f"{_('My synthesis')}.pdf"),
    )


@register(RETENTION_KIND, stale_after=synthesis.ANSWER_WINDOW)
async def render_retention(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    async with context.db.transaction() as session:
        state = await synthesis.status(session, actor, actor.beneficiary_id)
    if (
        state is None
        or state.state != SynthesisState.DELIVERED
        or state.delivered_at is None
        or state.retention_answered_at is not None
        or state.copy_deleted_at is not None
    ):
        return None
    text, keyboard = retention_question(
        state.delivered_at + synthesis.ANSWER_WINDOW, context._, context.locale, context.timezone
    )
    return OutgoingMessage(text, keyboard=keyboard)


def _synthesis_button(bid: int, name: str, _: Translate) -> InlineKeyboardMarkup:
    label = shorten(_("📝 Synthesis of {name}").format(name=name))
    return InlineKeyboardMarkup([[button(label, counsellor_data(bid))]])


@register(COMMENT_KIND)
async def render_comment(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The comment itself, read for the counsellor when sent (an audited reading)."""
    actor = context.counsellor_actor()
    comment_id = (row.payload or {}).get("comment")
    if actor is None or not isinstance(comment_id, int):
        return None
    try:
        async with context.db.transaction() as session:
            comment = await synthesis.read_comment(session, actor, comment_id)
            person = await get_beneficiary(session, actor, row.beneficiary_id or 0)
    except AccessDenied:
        return None
    _ = context._
    text = (
        "💬 "
        + _("{name} commented on version {number} of their synthesis:").format(
            name=e(person.name), number=comment.version
        )
        + "\n\n<i>"
        + e(comment.text)
        + "</i>"
    )
    return OutgoingMessage(text, keyboard=_synthesis_button(person.id, person.name, _))


@register(AGREED_KIND)
async def render_agreed(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    actor = context.counsellor_actor()
    if actor is None:
        return None
    try:
        async with context.db.transaction() as session:
            person = await get_beneficiary(session, actor, row.beneficiary_id or 0)
    except AccessDenied:
        return None
    _ = context._
    return OutgoingMessage(
        "✅ "
        + _("{name} agrees to version {number} of their synthesis. You can deliver it.").format(
            name=e(person.name), number=_version_of(row)
        ),
        keyboard=_synthesis_button(person.id, person.name, _),
    )


@register(RETENTION_ANSWERED_KIND)
async def render_retention_answered(
    context: RenderContext, row: ClaimedMessage
) -> OutgoingMessage | None:
    actor = context.counsellor_actor()
    if actor is None:
        return None
    try:
        async with context.db.transaction() as session:
            person = await get_beneficiary(session, actor, row.beneficiary_id or 0)
            state = await synthesis.status(session, actor, person.id)
    except AccessDenied:
        return None
    _ = context._
    if (row.payload or {}).get("agreed") and state is not None and state.keep_until is not None:
        text = _(
            "{name} agrees that the organisation keep a copy of their synthesis until {date}."
        ).format(
            name=e(person.name),
            date=format_date_long(state.keep_until, context.locale, context.timezone),
        )
    else:
        text = _(
            "{name} does not agree that the organisation keep their synthesis: its copy has "
            "been erased. They keep their own."
        ).format(name=e(person.name))
    return OutgoingMessage(text)
