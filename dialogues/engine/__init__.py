"""The questionnaire engine: pure functions of (instrument, answers mapping).

The bot stores, per instrument run, ``{answer_id: JSON value}`` and asks this
package what to show next; nothing is kept here between calls, so a restart
resumes at :func:`next_step`. Answer ids and value shapes:
:mod:`dialogues.engine.answers`; navigation rules:
:mod:`dialogues.engine.navigation`; typed and tapped input:
:mod:`dialogues.engine.parsing`; rejection codes: :mod:`dialogues.engine.outcome`.

A typical turn::

    step = next_step(instrument, answers)          # None → finished: show recap()
    result = parse_step_text(step, text, locale)    # or parse_button(step, payload)
    if isinstance(result, Rejected):
        reply(error_message(result, locale))
    else:
        store(step.id, result.value)
"""

from dialogues.engine.answers import (
    JSONValue,
    is_skipped,
    is_unknown,
    is_valid,
    make_multi,
    more_id,
    multi_parts,
    question_id,
    skipped_value,
    unknown_value,
)
from dialogues.engine.navigation import (
    Answers,
    Header,
    Progress,
    Step,
    following_step,
    header,
    is_answered,
    next_step,
    previous_step,
    progress,
    progress_bar,
    question_numbers,
    step_by_id,
    visible_steps,
)
from dialogues.engine.outcome import Accepted, ParseResult, RejectCode, Rejected
from dialogues.engine.parsing import (
    finish_multi,
    parse_button,
    parse_other_text,
    parse_step_text,
    parse_text_answer,
    parse_yes_no,
    toggle_multi,
)
from dialogues.engine.recap import RecapItem, RecapSection, format_answer, recap
from dialogues.instruments import answers_compatible

__all__ = [
    "Accepted",
    "Answers",
    "Header",
    "JSONValue",
    "ParseResult",
    "Progress",
    "RecapItem",
    "RecapSection",
    "RejectCode",
    "Rejected",
    "Step",
    "answers_compatible",
    "finish_multi",
    "following_step",
    "format_answer",
    "header",
    "is_answered",
    "is_skipped",
    "is_unknown",
    "is_valid",
    "make_multi",
    "more_id",
    "multi_parts",
    "next_step",
    "parse_button",
    "parse_other_text",
    "parse_step_text",
    "parse_text_answer",
    "parse_yes_no",
    "previous_step",
    "progress",
    "progress_bar",
    "question_id",
    "question_numbers",
    "recap",
    "skipped_value",
    "step_by_id",
    "toggle_multi",
    "unknown_value",
    "visible_steps",
]
