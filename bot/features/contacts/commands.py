"""``/contacts``: the organisation's resource-person file, for counsellors.

Listed for counsellors only; a beneficiary who types it is told it is theirs
(they never browse the file: a contact reaches them shared, from their card).
"""

from __future__ import annotations

from telegram import Update

from bot.features.contacts.screens import file_screen
from bot.features.onboarding.start import stranger_text
from bot.i18n import N_
from bot.kit.commands import Command
from bot.kit.screens import send
from bot.runtime import Caller, Context, identify, work
from storage import contacts as store
from storage.actors import CounsellorActor


async def only_counsellors(update: Update, caller: Caller) -> CounsellorActor | None:
    """The counsellor who typed or pressed; anyone else is told the file is not theirs."""
    if isinstance(caller.actor, CounsellorActor):
        return caller.actor
    message = update.effective_message
    if message is not None:
        await message.reply_text(
            stranger_text(caller._, caller.retired)
            if caller.actor is None
            else caller._("This command is for counsellors. /aide shows what you can do.")
        )
    return None


async def contacts_command(update: Update, context: Context) -> None:
    """``/contacts``: the file."""
    caller = await identify(update, context)
    if caller is None:
        return
    me = await only_counsellors(update, caller)
    if me is None:
        return
    async with work(context) as session:
        contacts = await store.list_contacts(session, me)
    await send(update, file_screen(contacts, caller))


COMMANDS = (
    Command.for_counsellors(
        "contacts", N_("The resource-person file: add, edit, erase"), contacts_command
    ),
)
