"""The resource file in Telegram, on the counsellor's side: keep it, and share from it.

``/contacts`` lists the organisation's file; a counsellor adds a contact in
typed steps (kind, name, how to reach them, the métiers they speak about,
how they agreed: no contact without it), opens one to edit a field, or erases
it on the contact's request. From a beneficiary's card ("🤝 Enquêtes
métiers"), the counsellor reads that person's reports, and sees the contacts
matching the métiers the person explores (same ROME code first, then the same
domain); sharing one queues the contact's card for the person through the
outbox. The beneficiary never browses the file.

``commands`` (``/contacts``), ``presses`` (the ``ct:`` buttons and their
grammar), ``typed`` (the steps that wait for typed text), ``draft`` (the
contact being typed, in the counsellor's dialogue row, and its saving),
``screens`` (what the counsellor reads), ``notices`` (what the outbox sends).
"""

from __future__ import annotations

from bot.features.contacts import notices as notices  # registers the outbox kind
from bot.features.contacts.commands import COMMANDS
from bot.features.contacts.presses import PRESSES
from bot.features.contacts.typed import TEXT_FLOWS
from bot.kit.feature import Feature

FEATURE = Feature(name="contacts", commands=COMMANDS, presses=(PRESSES,), flows=TEXT_FLOWS)
