"""Tasks between sessions (*démarches*).

Counsellor: ``/tache`` → one of their consenting beneficiaries → the task's
title (typed) → optional details (typed, or "no details") → due date (typed
"vendredi", "21/03", "dans 2 semaines", or picked) → confirm. ``/taches``
lists their beneficiaries' tasks, overdue ones first, with the notes of the
done ones (reading a note is audited by :mod:`storage.tasks`).

Beneficiary: told when a task is given, reminded the evening before it is
due; ``/taches`` lists theirs; each can be marked done (with an optional
note typed afterwards) or its reminder pushed to tomorrow or in three days.

State lives in the database, in the same per-person dialogue row as the
sessions' (:mod:`storage.sessions`); ``/annuler`` clears it
(:mod:`storage.conversation`).

``commands`` (``/tache``, ``/taches``), ``presses`` (the ``t:`` buttons and
their grammar), ``typed`` (the steps that wait for typed text), ``draft``
(the counsellor's draft and its screens), ``lists`` (lists and cards),
``texts`` (how a task reads, the reminder hour), ``notices`` (what the
outbox sends).
"""

from __future__ import annotations

from bot.features.tasks import notices as notices  # registers the outbox kinds
from bot.features.tasks.commands import COMMANDS
from bot.features.tasks.presses import PRESSES
from bot.features.tasks.typed import TEXT_FLOWS
from bot.kit.feature import Feature

FEATURE = Feature(name="tasks", commands=COMMANDS, presses=(PRESSES,), flows=TEXT_FLOWS)
