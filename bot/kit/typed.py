"""How long a flow of the door (:mod:`bot.kit.door`) waits for typed text.

A flow declares its maximum age (``Flow.max_age``) with one of these, and the
door checks it before the flow sees the message: a wait older than that takes
nothing, and the text gets the menu.
"""

from __future__ import annotations

from datetime import timedelta

DRAFT_TEXT_WAIT = timedelta(hours=6)
"""A counsellor's draft waits this long for typed text (a date, an address)."""
BENEFICIARY_TEXT_WAIT = timedelta(minutes=30)
"""A beneficiary's wait for typed text (a reason, a note, an entry)."""
