"""What the outbox sends for the plan: the counsellor's notice of a proposed step.

Rendered when sent (:mod:`bot.outbox_kinds`), in the counsellor's language;
imported by the feature's ``__init__``, which registers the kind at start-up.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.features.plan.screens import CARD_BUTTON, COUNSELLOR_PREFIX
from bot.i18n import N_
from bot.keyboards import button
from bot.kit.screens import e
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from storage.actors import AccessDenied, load_beneficiary_for
from storage.outbox import ClaimedMessage
from storage.plans import PROPOSED_KIND

PROPOSED_TEXT = N_("{name} proposes a new step for their action plan. It waits for your agreement.")


@register(PROPOSED_KIND)
async def render_proposed(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Names the beneficiary to their own counsellor; the step's text stays behind the button."""
    actor = context.counsellor_actor()
    if actor is None or row.beneficiary_id is None:
        return None
    async with context.db.transaction() as session:
        try:
            beneficiary = await load_beneficiary_for(session, actor, row.beneficiary_id)
        except AccessDenied:
            return None
        name = beneficiary.name
    _ = context._
    keyboard = InlineKeyboardMarkup(
        [[button(_(CARD_BUTTON), f"{COUNSELLOR_PREFIX}{row.beneficiary_id}")]]
    )
    return OutgoingMessage(_(PROPOSED_TEXT).format(name=e(name)), keyboard=keyboard)
