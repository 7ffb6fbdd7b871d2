"""Enquêtes métiers of the beneficiary: prepare a meeting with someone who does the job, report it.

Prepare: with a contact their counsellor shared (the card came through the
outbox) or someone of their own, for one métier; the guide shows our
questions and the ROME sheet's skills and work contexts for that job; the
person may note the questions they will ask and the agreed meeting date (a
reminder comes the day before). Report, after the meeting: when, what they
learned, whether it confirms the project (yes / partly / no), what next,
then, if they want, that next step goes into their action plan as a
proposal. Their counsellor is told when the report comes in.

``commands`` (``/enquetes``), ``presses`` (the ``en:`` buttons), ``typed``
(the steps that wait for typed text), ``steps`` (where the person is, in
their conversation row), ``screens`` (what they read), ``notices`` (what the
outbox sends), ``views`` (how contacts, guides and reports read, shared with
the counsellor's contacts).
"""

from __future__ import annotations

from bot.features.enquetes import notices as notices  # registers the outbox kinds
from bot.features.enquetes.commands import COMMANDS
from bot.features.enquetes.presses import PRESSES
from bot.features.enquetes.typed import TEXT_FLOWS
from bot.kit.feature import Feature

FEATURE = Feature(name="enquetes", commands=COMMANDS, presses=(PRESSES,), flows=TEXT_FLOWS)
