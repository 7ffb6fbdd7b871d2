"""The professional project and the action plan, in Telegram.

The counsellor opens it from a beneficiary's card ("📝 Project and action
plan") and writes the main, alternative and training project and the steps,
each with a target date; the beneficiary sees it with ``/plan``, ticks steps
done (or not done again) and may propose a step, which the counsellor agrees
to with one button (the outbox tells them of the proposal).

``commands`` (``/plan``), ``presses`` (the ``pl:`` buttons and their
grammar), ``typed`` (the flow ``plan``: a project, a step's title then its
date), ``screens`` (what each side reads), ``notices`` (what the outbox
sends).
"""

from __future__ import annotations

from bot.features.plan import notices as notices  # registers the outbox kind
from bot.features.plan.commands import COMMANDS
from bot.features.plan.presses import PRESSES
from bot.features.plan.typed import TEXT_FLOWS
from bot.kit.feature import Feature

FEATURE = Feature(name="plan", commands=COMMANDS, presses=(PRESSES,), flows=TEXT_FLOWS)
