"""The questionnaires: the dossier auto-bilan and the self-assessments, one question at a time.

``presses`` (every ``q:`` button: open, answer, go back, the recap, send),
``flow`` (where the person stands, and a typed answer, which reaches it
through the follow-ups' door flow, since a check-in is a questionnaire run
too), ``screens`` and ``render`` (a question and its buttons), ``finish``
(the recap, the result of a scored instrument, what comes next), ``pick``
(a menu entry's screen), ``reading`` (a counsellor reads what was sent).
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler

from bot.features.questionnaire.finish import READ_PREFIX
from bot.features.questionnaire.presses import PRESSES
from bot.features.questionnaire.reading import read_submitted
from bot.kit.feature import Feature

FEATURE = Feature(
    name="questionnaire",
    presses=(PRESSES,),
    handlers=(CallbackQueryHandler(read_submitted, pattern=f"^{READ_PREFIX}"),),
)

__all__ = ["FEATURE"]
