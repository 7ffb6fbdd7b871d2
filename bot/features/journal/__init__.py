"""The journal: free notes between sessions, private unless shared.

Beneficiary: ``/journal`` lists their entries by date (🔒 private, 👁 shared),
"✍️ New entry" waits for one typed message (state in the database), and each
entry can be opened, shared with the counsellor or made private again, or
deleted. A new entry is private; the reply offers to share it.

Counsellor: ``/journal`` → one of their beneficiaries → the entries that
person shared, newest first. Each reading is audited by
:func:`storage.journal.shared_entries`.

``commands`` (``/journal``), ``presses`` (the ``j:`` buttons and their
grammar), ``typed`` (the entry being written), ``screens`` (what both roles
read).
"""

from __future__ import annotations

from bot.features.journal.commands import COMMANDS
from bot.features.journal.presses import PRESSES
from bot.features.journal.typed import TEXT_FLOWS
from bot.kit.feature import Feature

FEATURE = Feature(name="journal", commands=COMMANDS, presses=(PRESSES,), flows=TEXT_FLOWS)
