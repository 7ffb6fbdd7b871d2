"""What the outbox sends for the file: a contact's card, to the beneficiary it was shared with.

Rendered when sent (:mod:`bot.outbox_kinds`), so a contact erased meanwhile
is not sent. Imported by the feature's ``__init__``, which registers the kind
at start-up.
"""

from __future__ import annotations

from bot.features.enquetes import views
from bot.kit.notices import readable
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from storage import contacts as store
from storage import outbox
from storage.outbox import ClaimedMessage

SHARED_KIND = store.SHARED_KIND


@register(SHARED_KIND, stale_after=outbox.DEFAULT_STALE_AFTER)
async def render_shared(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The contact's card, for the beneficiary it was shared with; nothing once erased."""
    actor = context.beneficiary_actor()
    share_id = (row.payload or {}).get("share_id")
    if actor is None or not isinstance(share_id, int):
        return None
    share = await readable(context, lambda session: store.shared_contact(session, actor, share_id))
    if share is None or share.contact is None:
        return None
    return views.shared_message(share, context.locale)
