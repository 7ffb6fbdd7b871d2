"""How a check-in's answers about the action plan read, for whoever reads the run.

The person reading their own summary at the end of the steps, and the
counsellor reading a sent check-in (:mod:`bot.features.questionnaire.reading`), see
the same lines.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, Translate
from bot.kit.screens import e
from dialogues import followup as loop

STATUS_LABELS = {
    "done": N_("✅ Completed"),
    "ongoing": N_("🔄 In progress"),
    "not_started": N_("⏸ Not started"),
    "dropped": N_("✖️ Dropped"),
}


def plan_progress_lines(
    answers: dict[str, Any], locale: str, _: Translate, heading: bool = True
) -> list[str]:
    """The plan-step answers of a check-in run, as HTML lines (empty if there are none).

    The steps' titles are those of the day the person answered, kept in the
    answers: the reading stays right if the plan changed since.
    """
    found = loop.step_answers(answers)
    if not found:
        return []
    lines = [_("<b>Action plan</b>")] if heading else []
    for _step_id, answer in found:
        line = f"• <i>{e(answer.title)}</i> — {_(STATUS_LABELS[answer.status])}"
        if answer.note:
            line += f"\n  {e(answer.note)}"
        lines.append(line)
    if heading:
        lines.append("")
    return lines
