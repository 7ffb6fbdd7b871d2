"""The name a counsellor types after "🔎 Search by name": the flow ``ben_find`` of the door.

The search waits half an hour; text typed later goes where it always went.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.features.card.lists import found_screen, people_of
from bot.kit.door import Flow
from bot.kit.screens import send
from bot.kit.typed import typed_text
from bot.runtime import Context, work
from storage.actors import CounsellorActor
from storage.sessions import current_dialogue, end_dialogue

FIND_FLOW = "ben_find"
FIND_WAIT = timedelta(minutes=30)
"""A search asked and not typed is forgotten after this: later text goes elsewhere."""
MAX_TYPED = 60


async def handle_text(update: Update, context: Context) -> bool:
    """The typed name after "🔎 Search by name"; False when no search waits."""
    typed = await typed_text(update, context)
    if typed is None:
        return False
    caller, actor, text = typed
    if not isinstance(actor, CounsellorActor):
        return False
    async with work(context) as session:
        if await current_dialogue(session, actor, flows=[FIND_FLOW], max_age=FIND_WAIT) is None:
            return False
        await end_dialogue(session, actor, flows=[FIND_FLOW])
        people = await people_of(session, actor)
    await send(update, found_screen(people, text.strip()[:MAX_TYPED], caller.locale, caller._))
    return True


TEXT_FLOWS = (Flow((FIND_FLOW,), handle_text, lambda _wait, _: _("the search for a beneficiary")),)
