"""Sessions: the counsellor schedules, moves, cancels and closes; the beneficiary is
told, reminded, confirms or asks to move.

Counsellor: ``/seance`` → one of *their* consenting beneficiaries (buttons) →
day and hour (typed "12/03 14h30", "mardi 14h", "demain 10h", or picked) →
duration → mode (in person with an address, video with a link, phone) →
confirm, with the bilan's hours budget shown and a second confirmation when
the session goes beyond it. ``/seances`` lists the coming sessions with
whether each beneficiary confirmed, and those to close; each opens a card
to move, cancel or mark done with the real duration.

Beneficiary: a notice with an .ics file when a session is scheduled, moved
or cancelled; reminders 24 h and 2 h before (the 2 h one repeats the
address or link) with "✅ Je confirme" and "🔁 Je dois décaler", the latter
alerting the counsellor at once and asking an optional reason;
``/seances`` lists their sessions in their zone and language.

Every multi-step dialogue keeps its state in the database
(:func:`storage.sessions.save_dialogue`), never in memory: a counsellor's
draft, a beneficiary's wait for typed text. Callback data carries short ids
only and every press is re-checked by the storage functions against the caller.

``commands`` (``/seance``, ``/seances``), ``presses`` (the ``s:`` buttons and
their grammar), ``typed`` (the steps that wait for typed text), ``draft`` and
``draft_screens`` (the counsellor's draft and its questions), ``confirm`` (the
summary and the scheduling), ``lists`` (lists and cards), ``texts`` (how a
session reads), ``ics`` (the calendar file), ``settings`` (hours budget,
reminders), ``notices`` (what the outbox sends).
"""

from __future__ import annotations

from bot.features.sessions import notices as notices  # registers the outbox kinds
from bot.features.sessions.commands import COMMANDS
from bot.features.sessions.presses import PRESSES
from bot.features.sessions.typed import TEXT_FLOWS
from bot.kit.feature import Feature

FEATURE = Feature(name="sessions", commands=COMMANDS, presses=(PRESSES,), flows=TEXT_FLOWS)
