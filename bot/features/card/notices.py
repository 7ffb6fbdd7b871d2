"""What the outbox sends when the counsellor moves a bilan on: the beneficiary is told.

Rendered when sent (:mod:`bot.outbox_kinds`), in the beneficiary's language.
Imported by the feature's ``__init__``, which registers the kind at start-up.
"""

from __future__ import annotations

from bot.features.card.labels import phase_label
from bot.i18n import N_
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from storage.cards import PHASE_CHANGED
from storage.models import Phase
from storage.outbox import ClaimedMessage

PHASE_NOTICE = N_(
    "Your counsellor has moved your bilan on: {phase}. Your menu shows what comes next."
)


@register(PHASE_CHANGED)
async def render_phase_changed(
    context: RenderContext, row: ClaimedMessage
) -> OutgoingMessage | None:
    """Told to the beneficiary in their language at send time."""
    try:
        phase = Phase(str((row.payload or {}).get("phase")))
    except ValueError:
        return None
    _ = context._
    return OutgoingMessage(_(PHASE_NOTICE).format(phase=phase_label(phase, _)))
