"""What a typed answer is, for every flow that waits for one, and how long it waits.

A flow of the door (:mod:`bot.kit.door`) starts with :func:`typed_text`, so
that they all agree: a plain message from someone the bot knows, not a
command, a file or an edit.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.runtime import Caller, Context, identify
from storage.actors import PersonActor

DRAFT_TEXT_WAIT = timedelta(hours=6)
"""A counsellor's draft waits this long for typed text (a date, an address)."""
BENEFICIARY_TEXT_WAIT = timedelta(minutes=30)
"""A beneficiary's wait for typed text (a reason, a note, an entry)."""


async def typed_text(update: Update, context: Context) -> tuple[Caller, PersonActor, str] | None:
    """Who typed what (the caller and their actor), for a plain typed message from
    someone the bot knows.

    ``None`` for a command, a file, an edit or a stranger. Every flow that waits
    for typed text starts here, so that they all agree on what a typed answer is.
    """
    message = update.message
    text = message.text if message is not None else None
    if not text or text.startswith("/"):
        return None
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return None
    return caller, caller.actor, text
