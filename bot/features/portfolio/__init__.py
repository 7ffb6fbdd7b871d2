"""The skills portfolio (``/competences``) in Telegram.

The beneficiary sees their skills in two lists, savoir-faire and
savoir-être, as ROME keeps them apart: those gathered from their dossier
auto-bilan and from the ROME skills they ticked on their job (gathered again
each time the portfolio is opened, so a new dossier or new ticks show up),
and those they add by hand. On each skill they set a level, attach evidence
(an experience or a réussite of their dossier, or a sentence) and star it to
carry into their project; a gathered skill they do not recognise is hidden,
one of their own is deleted. Their counsellor reads it, from the card,
without changing it.

``commands`` (``/competences``), ``presses`` (the ``pf:`` buttons),
``typed`` (a skill's label or a sentence of evidence, typed), ``gathering``
(from the dossier and the job), ``screens`` (what the beneficiary reads),
``prompts`` (what they are asked to type), ``reading`` (the counsellor's
screen), ``layout`` (kinds, levels, pages shared by both).
"""

from __future__ import annotations

from bot.features.portfolio.commands import COMMANDS
from bot.features.portfolio.presses import PRESSES
from bot.features.portfolio.typed import TEXT_FLOWS
from bot.kit.feature import Feature

FEATURE = Feature(name="portfolio", commands=COMMANDS, presses=(PRESSES,), flows=TEXT_FLOWS)
