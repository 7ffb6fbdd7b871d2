"""``/contacts``: the organisation's resource-person file, for counsellors.

Listed for counsellors only; a beneficiary who types it is told it is theirs
(they never browse the file: a contact reaches them shared, from their card).
"""

from __future__ import annotations

from telegram import Update

from bot.features.contacts.screens import file_screen
from bot.handlers.onboarding import stranger_text
from bot.i18n import N_
from bot.kit.commands import COUNSELLOR, Command
from bot.kit.screens import send
from bot.runtime import Context, identify, work
from storage import contacts as store
from storage.actors import CounsellorActor


async def contacts_command(update: Update, context: Context) -> None:
    """``/contacts``: the file."""
    caller = await identify(update, context)
    message = update.effective_message
    if caller is None or message is None:
        return
    if caller.actor is None:
        await message.reply_text(stranger_text(caller._, caller.retired))
        return
    if not isinstance(caller.actor, CounsellorActor):
        await message.reply_text(
            caller._("This command is for counsellors. /aide shows what you can do.")
        )
        return
    async with work(context) as session:
        contacts = await store.list_contacts(session, caller.actor)
    await send(update, file_screen(contacts, caller))


COMMANDS = (
    Command(
        ("contacts",),
        N_("The resource-person file: add, edit, erase"),
        contacts_command,
        roles=(COUNSELLOR,),
    ),
)
