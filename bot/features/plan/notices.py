"""What the outbox sends for the plan: the counsellor's notice of a proposed step.

Rendered when sent (:mod:`bot.outbox_kinds`), in the counsellor's language;
imported by the feature's ``__init__``, which registers the kind at start-up.
"""

from __future__ import annotations

from bot.features.plan.screens import CARD_BUTTON, COUNSELLOR_PREFIX
from bot.i18n import N_
from bot.keyboards import button
from bot.kit.notices import counsellors_beneficiary, notice
from bot.kit.screens import Screen, e
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from storage.outbox import ClaimedMessage
from storage.plans import PROPOSED_KIND

PROPOSED_TEXT = N_("{name} proposes a new step for their action plan. It waits for your agreement.")


@register(PROPOSED_KIND)
async def render_proposed(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Names the beneficiary to their own counsellor; the step's text stays behind the button."""
    person = await counsellors_beneficiary(context, row)
    if person is None:
        return None
    _ = context._
    rows = [[button(_(CARD_BUTTON), f"{COUNSELLOR_PREFIX}{person.id}")]]
    return notice(Screen(_(PROPOSED_TEXT).format(name=e(person.name)), rows))
