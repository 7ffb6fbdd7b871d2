"""The name a counsellor types after "🔎 Search by name": the flow ``ben_find`` of the door.

The search waits half an hour; text typed later goes where it always went.
"""

from __future__ import annotations

from datetime import timedelta

from bot.features.card.lists import found_screen, people_of
from bot.i18n import N_
from bot.kit.door import COUNSELLORS, Typed, text_flow
from bot.kit.roles import as_counsellor
from bot.kit.screens import send
from bot.runtime import work
from storage.sessions import end_dialogue

FIND_FLOW = "ben_find"
FIND_WAIT = timedelta(minutes=30)
"""A search asked and not typed is forgotten after this: later text goes elsewhere."""
MAX_TYPED = 60


@text_flow(FIND_FLOW, label=N_("the search for a beneficiary"), who=COUNSELLORS, max_age=FIND_WAIT)
async def find_text(typed: Typed) -> bool:
    """The typed name after "🔎 Search by name"."""
    actor = as_counsellor(typed.caller)
    async with work(typed.context) as session:
        await end_dialogue(session, actor, flows=[FIND_FLOW])
        people = await people_of(session, actor)
    name = typed.text.strip()[:MAX_TYPED]
    await send(typed.update, found_screen(people, name, typed.caller.locale, typed._))
    return True


TEXT_FLOWS = (find_text,)
