"""Names of the questionnaires as the counsellor reads them.

The instrument files title each questionnaire for the person who answers it
("Votre dossier d'auto-bilan"); the desk speaks to the counsellor, so it
names them in its own voice.
"""

from __future__ import annotations

from bot.i18n import N_, Translate

LABELS = {
    "dossier_auto_bilan": N_("Self-assessment dossier"),
    "riasec": N_("Interests (RIASEC)"),
    "riasec_short": N_("Interests (RIASEC, short form)"),
    "work_values": N_("Work values"),
    "followup": N_("Follow-up check-in"),
}


def instrument_label(key: str, _: Translate) -> str:
    msgid = LABELS.get(key)
    return _(msgid) if msgid else key
