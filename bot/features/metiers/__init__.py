"""*Métiers à explorer*: job sheets from the Holland code, and what a job carries elsewhere.

Two screens of the investigation phase, both built on France Travail's ROME
4.0 (:mod:`dialogues.rome`):

* **Pistes** (``/metiers``): from the beneficiary's latest interests
  inventory, ROME job sheets grouped by professional domain, a few at a time,
  each openable on its definition and *accès au métier*. A flat profile gets
  no forced code: the person may pick one to three letters themself.
* **My job** (``/competences_metier``): the person types their current or
  last job, picks the closest ROME title, ticks the skills of its sheet they
  use, and sees the moves France Travail lists from that job with the ticked
  skills each target also asks for (*compétences transférables*).

Every screen after the first is the same message edited in place, so
browsing never piles up a wall of text. The position travels in callback
data; everything personal (the job, the ticks, whether a job title is
expected) is in the database through :mod:`storage.skills`.

``commands`` (the two commands), ``presses`` (the ``m:`` buttons), ``typed``
(the typed job title), ``entries`` (where a command or the menu lands),
``pistes`` and ``job`` (the screens), ``summary`` (the counsellor's
reading), ``riasec`` (the latest inventory), ``codes`` (what a button
carries), ``layout`` (sizes, attribution, Telegram's limit).
"""

from __future__ import annotations

from bot.features.metiers.commands import COMMANDS
from bot.features.metiers.presses import PRESSES
from bot.features.metiers.typed import TEXT_FLOWS
from bot.kit.feature import Feature

FEATURE = Feature(name="metiers", commands=COMMANDS, presses=(PRESSES,), flows=TEXT_FLOWS)
