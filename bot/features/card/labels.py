"""How a bilan's state reads: the invitation or consent, the phase, and a move of the phase.

Shared by the card, the list of beneficiaries and the counsellor's desk
(:mod:`bot.desk.pages`), so that a phase reads the same wherever it is shown.
"""

from __future__ import annotations

from bot.i18n import Translate
from storage.cards import PHASE_ORDER
from storage.models import BeneficiaryStatus, Phase
from storage.people import BeneficiarySummary


def status_label(summary: BeneficiarySummary, _: Translate) -> str:
    if summary.status == BeneficiaryStatus.INVITED:
        return _("invited")
    if summary.status == BeneficiaryStatus.WITHDRAWN:
        return _("consent withdrawn")
    return _("consent given")


def phase_label(phase: Phase, _: Translate) -> str:
    labels = {
        Phase.PRELIMINAIRE: _("preliminary phase"),
        Phase.INVESTIGATION: _("investigation phase"),
        Phase.CONCLUSION: _("conclusion phase"),
        Phase.SUIVI: _("follow-up"),
        Phase.CLOS: _("closed"),
    }
    return labels[phase]


def phase_move_label(current: Phase, target: Phase, _: Translate) -> str:
    """The button that moves a bilan from ``current`` to ``target``, as a French speaker says it.

    One sentence per move rather than "Move to {phase}", which read "Passer en clos"."""
    if PHASE_ORDER.index(target) > PHASE_ORDER.index(current):
        forward = {
            Phase.INVESTIGATION: _("➡️ Start the investigation phase"),
            Phase.CONCLUSION: _("➡️ Start the conclusion phase"),
            Phase.SUIVI: _("➡️ Start the follow-up"),
            Phase.CLOS: _("➡️ Close the bilan"),
        }
        return forward[target]
    back = {
        Phase.PRELIMINAIRE: _("⬅️ Back to the preliminary phase"),
        Phase.INVESTIGATION: _("⬅️ Back to the investigation phase"),
        Phase.CONCLUSION: _("⬅️ Back to the conclusion phase"),
        Phase.SUIVI: _("⬅️ Reopen the bilan (follow-up)"),
    }
    return back[target]
