"""The counsellor's beneficiaries: the list, the search by name, one card each, the phase of
each bilan, and the invitation of someone new.

``/beneficiaires`` lists the counsellor's people, those who wait on them first
(:mod:`storage.waiting`); ``/beneficiaires léa`` or "🔎 Search by name" finds
them by a typed name. A card shows where the person stands and leads to every
other screen about them; its buttons move the phase, after a confirmation, and
the beneficiary is told. ``/invite First Last`` makes an invitation link.

``commands`` (``/beneficiaires``, ``/invite``), ``presses`` (the ``ben:``,
``c:`` and ``ph:`` buttons and their grammar), ``typed`` (the name typed for a
search), ``lists`` (the list and the search's finds), ``screens`` (the card and
the question before a phase moves), ``labels`` (how a status, a phase and a
move read, shared with the desk), ``notices`` (what the outbox sends).
"""

from __future__ import annotations

from bot.features.card import notices as notices  # registers the outbox kind
from bot.features.card.commands import COMMANDS
from bot.features.card.presses import PRESSES
from bot.features.card.typed import TEXT_FLOWS
from bot.kit.feature import Feature

FEATURE = Feature(name="card", commands=COMMANDS, presses=PRESSES, flows=TEXT_FLOWS)
