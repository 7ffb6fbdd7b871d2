"""What a beneficiary types for their journal: the flow ``journal`` of the door.

One message is one entry; a refused one (too long) keeps the wait open, so
the person may send another, or /annuler.
"""

from __future__ import annotations

from bot.features.journal.screens import JOURNAL_FLOW, WRITE_PROMPT, entry_screens, page
from bot.i18n import N_
from bot.kit.door import BENEFICIARIES, Typed, text_flow
from bot.kit.roles import as_beneficiary
from bot.kit.screens import send
from bot.kit.typed import BENEFICIARY_TEXT_WAIT
from bot.runtime import work
from storage import journal as store
from storage import sessions as dialogue
from storage.journal import EntryRefused


@text_flow(
    JOURNAL_FLOW, label=N_("your journal note"), who=BENEFICIARIES, max_age=BENEFICIARY_TEXT_WAIT
)
async def entry_text(typed: Typed) -> bool:
    """A typed journal entry, after the beneficiary asked to write one."""
    caller, me = typed.caller, as_beneficiary(typed.caller)
    _ = caller._
    async with work(typed.context) as session:
        try:
            entry = await store.add_entry(session, me, typed.text)
        except EntryRefused as refused:
            # Still waiting: the person may send another note, or /annuler.
            if refused.reason == "too_long":
                text = _("⚠️ That is too long ({max} characters at most).").format(
                    max=store.MAX_ENTRY
                )
            else:
                text = _(WRITE_PROMPT)
            await send(typed.update, page(text))
            return True
        await dialogue.end_dialogue(session, me, flows=[JOURNAL_FLOW])
        screens = entry_screens(caller, me, entry, _("📓 Saved in your journal."))
    for screen in screens:
        await send(typed.update, screen)
    return True


TEXT_FLOWS = (entry_text,)
