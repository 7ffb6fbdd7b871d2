"""Why the synthesis says no: one sentence per reason :class:`SynthesisRefused` gives.

Registered once with the kit (:func:`bot.kit.refusals.words_for`), so a
press, a typed comment, an uploaded file and the desk all read the same
words for the same reason.
"""

from __future__ import annotations

from bot.i18n import N_, Translate
from bot.kit.refusals import words_for
from storage import synthesis
from storage.synthesis import SynthesisRefused

NOT_POSSIBLE = N_("This change is not possible.")

REFUSALS = {
    "not_in_conclusion": N_("The synthesis is prepared in the conclusion phase."),
    "delivered": N_("This synthesis has been delivered: it can no longer change."),
    "no_version": N_("There is no version yet: generate a draft first."),
    "copy_erased_on_request": N_(
        "The organisation's copy of this synthesis was erased at the person's request: there "
        "are no files left to send. The person keeps their own copy."
    ),
    "copy_erased_retention": N_(
        "The organisation's copy of this synthesis was erased at the end of its retention "
        "period: there are no files left to send. The person keeps their own copy."
    ),
    "not_agreed": N_("The person has not agreed to the current version yet."),
    "already_agreed": N_("The person has already agreed to this version: you can deliver it."),
    "not_active": N_("This person's bilan has no consent any more."),
    "too_many_versions": N_(
        "This synthesis has too many versions; deliver or start from the last."
    ),
    "not_in_review": N_("This version is no longer the one to review."),
    "empty": N_("Your comment is empty."),
    "too_long": N_("Your comment is too long ({max} characters at most)."),
}


def refusal_text(reason: str, _: Translate) -> str:
    msgid = REFUSALS.get(reason, NOT_POSSIBLE)
    return _(msgid).format(max=synthesis.COMMENT_MAX)


@words_for(SynthesisRefused)
def _synthesis_refused(error: SynthesisRefused, _: Translate) -> str:
    return refusal_text(error.reason, _)
