"""Counsellors' digests: the periodic build, ``/point`` at once, and ``/reglages``.

``rounds`` (the repeating task that queues the digests that are due),
``message`` (what a digest says, cut into messages, and the outbox's
rendering), ``point`` (``/point``: the same changes now, moving the same
mark), ``preferences`` (``/reglages`` and its ``dg:`` buttons). No digest
when nothing changed; never an answer, only that it exists.
"""

from __future__ import annotations

from bot.features.digest.point import point_command
from bot.features.digest.preferences import PRESSES, settings_command
from bot.features.digest.rounds import digest_loop, run_due_digests
from bot.i18n import N_
from bot.kit.commands import Command
from bot.kit.feature import Feature

COMMANDS = (
    Command.for_counsellors("point", N_("What changed since your last digest"), point_command),
    Command.for_counsellors(
        ("reglages", "settings"), N_("Digest and language settings"), settings_command
    ),
)
"""Listed for counsellors; a beneficiary's ``/reglages`` is their language."""

FEATURE = Feature(name="digest", commands=COMMANDS, presses=(PRESSES,))

__all__ = ["COMMANDS", "FEATURE", "digest_loop", "run_due_digests"]
