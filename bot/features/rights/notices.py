"""What the outbox tells the counsellor: their beneficiary erased their data, or withdrew consent.

Imported by the feature's ``__init__``, which registers these kinds at
start-up; rendered when sent (:mod:`bot.outbox_kinds`).
"""

from __future__ import annotations

from bot.i18n import N_
from bot.kit.notices import counsellors_beneficiary
from bot.kit.screens import e
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from storage import rights
from storage.outbox import ClaimedMessage

ERASED_NOTICE = N_(
    "{name} has erased their data from the bot. Nothing of their dossier remains here; "
    "only anonymous counts are kept."
)
WITHDRAWN_NOTICE = N_(
    "{name} has withdrawn their consent: I no longer write to them. Their data stays until "
    "they erase it or its retention period ends."
)


@register(rights.ERASED_KIND)
async def render_erased(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The name travels in the row: nothing else is left of the person to read it from."""
    name = (row.payload or {}).get("name")
    if not isinstance(name, str):
        return None
    return OutgoingMessage(context._(ERASED_NOTICE).format(name=e(name)))


@register(rights.WITHDRAWN_KIND)
async def render_withdrawn(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Names the person to their own counsellor, read through the access door when sent."""
    person = await counsellors_beneficiary(context, row)
    if person is None:
        return None
    return OutgoingMessage(context._(WITHDRAWN_NOTICE).format(name=e(person.name)))
