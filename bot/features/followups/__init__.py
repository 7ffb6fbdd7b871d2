"""After the bilan: concluding it, and the follow-up check-ins that come 3 and 6 months later.

The counsellor closes the conclusion phase from the card; the check-ins are
scheduled in the outbox, and each invitation's button opens one: the steps of
the person's own action plan first, then the questions of the ``followup``
questionnaire, ending on its recap and "Send to my counsellor".

``commands`` (``/suivi``, and ``/reprendre``, which resumes a check-in with
its plan steps), ``presses`` (the ``fu:`` buttons and their grammar),
``steps`` (where the person is in a check-in), ``typed`` (the word on a plan
step, through the questionnaire's flow), ``screens`` (what each side reads),
``answers`` (how the plan-step answers read, also for the counsellor's
reading of a sent check-in), ``card`` (what the card shows of the plan and the
follow-up), ``notices`` (what the outbox sends).
"""

from __future__ import annotations

from bot.features.followups import notices as notices  # registers the outbox kinds
from bot.features.followups.commands import COMMANDS
from bot.features.followups.commands import FOLLOWUP as FOLLOWUP
from bot.features.followups.commands import RESUME as RESUME
from bot.features.followups.presses import PRESSES
from bot.features.followups.typed import TEXT_FLOWS
from bot.kit.feature import Feature

FEATURE = Feature(name="followups", commands=COMMANDS, presses=(PRESSES,), flows=TEXT_FLOWS)
