"""``/contacts``: the organisation's resource-person file, for counsellors.

Listed for counsellors only; a beneficiary who types it is told it is theirs
(they never browse the file: a contact reaches them shared, from their card).
"""

from __future__ import annotations

from bot.features.contacts.screens import file_screen
from bot.i18n import N_
from bot.kit.commands import Asked, Command, counsellors, screen_command
from bot.kit.screens import Screen
from storage import contacts as store


@screen_command(who=counsellors)
async def contacts_command(asked: Asked) -> Screen:
    """``/contacts``: the file."""
    contacts = await store.list_contacts(asked.session, asked.counsellor)
    return file_screen(contacts, asked.caller)


COMMANDS = (
    Command.for_counsellors(
        "contacts", N_("The resource-person file: add, edit, erase"), contacts_command
    ),
)
