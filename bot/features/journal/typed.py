"""What a beneficiary types for their journal: the flow ``journal`` of the door.

One message is one entry; a refused one (too long) keeps the wait open, so
the person may send another, or /annuler.
"""

from __future__ import annotations

from telegram import Update

from bot.features.journal.screens import JOURNAL_FLOW, WRITE_PROMPT, entry_screens, page
from bot.kit.door import Flow
from bot.kit.screens import send
from bot.kit.typed import BENEFICIARY_TEXT_WAIT, typed_text
from bot.runtime import Context, work
from storage import journal as store
from storage import sessions as dialogue
from storage.actors import BeneficiaryActor
from storage.journal import EntryRefused


async def handle_text(update: Update, context: Context) -> bool:
    """A typed journal entry, if this beneficiary asked to write one; True when consumed."""
    typed = await typed_text(update, context)
    if typed is None:
        return False
    caller, me, text = typed
    if not isinstance(me, BeneficiaryActor):
        return False
    _ = caller._
    async with work(context) as session:
        wait = await dialogue.current_dialogue(
            session, me, flows=[JOURNAL_FLOW], max_age=BENEFICIARY_TEXT_WAIT
        )
        if wait is None:
            return False
        try:
            entry = await store.add_entry(session, me, text)
        except EntryRefused as refused:
            # Still waiting: the person may send another note, or /annuler.
            if refused.reason == "too_long":
                text = _("⚠️ That is too long ({max} characters at most).").format(
                    max=store.MAX_ENTRY
                )
            else:
                text = _(WRITE_PROMPT)
            await send(update, page(text))
            return True
        await dialogue.end_dialogue(session, me, flows=[JOURNAL_FLOW])
        screens = entry_screens(caller, me, entry, _("📓 Saved in your journal."))
    for screen in screens:
        await send(update, screen)
    return True


TEXT_FLOWS = (Flow((JOURNAL_FLOW,), handle_text, lambda _wait, _: _("your journal note")),)
