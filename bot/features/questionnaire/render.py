"""What a question looks like in Telegram: header, text, buttons.

Callback data is ``q:<run id>:<step tag>:<action>[:<arg>]``. The step tag is a
short hash of the step the message shows: a press on a message that no longer
shows the current step is recognised as stale without remembering message ids.
"""

from __future__ import annotations

import html
import zlib
from typing import Any

from telegram import InlineKeyboardButton

from bot.i18n import Translate
from bot.keyboards import button
from dialogues.engine import (
    Answers,
    Step,
    format_answer,
    header,
    is_answered,
    multi_parts,
    progress_bar,
)
from dialogues.instruments import OTHER, Instrument, Question, QuestionType
from dialogues.messages import label
from dialogues.typography import shorten

PREFIX = "q:"
OPEN_PREFIX = f"{PREFIX}open:"
MINE_PREFIX = f"{PREFIX}mine:"
RECAP = "#recap"
OTHER_PREFIX = "other|"
DRAFT_SUFFIX = "#draft"
TICK = "✅ "


def step_tag(step_id: str) -> str:
    """Four hex characters identifying a step (or the recap) in callback data."""
    return f"{zlib.crc32(step_id.encode('utf-8')) & 0xFFFF:04x}"


def data(run_id: int, tag: str, action: str, arg: str = "") -> str:
    return f"{PREFIX}{run_id}:{tag}:{action}" + (f":{arg}" if arg else "")


def draft_id(step_id: str) -> str:
    return step_id + DRAFT_SUFFIX


def ticked_so_far(answers: Answers, step_id: str) -> Any:
    """A multiple choice as it stands: the ticks not yet validated, else the stored answer."""
    return answers.get(draft_id(step_id), answers.get(step_id))


def question_text(
    instrument: Instrument,
    step: Step,
    answers: Answers,
    locale: str,
    _: Translate,
    notice: str | None = None,
) -> str:
    """The header (where the person is) and the question, in HTML."""
    head = header(instrument, step, answers, locale)
    title = html.escape(instrument.title.get(locale))
    section = html.escape(step.section.heading(head.occurrence, locale))
    if head.part_count > 1:
        part = label("part_counter", locale, number=head.part_number, count=head.part_count)
        section = f"{part} · {section}"
    lines = [f"<b>{title}</b> · {section}"]
    counter = ""
    if head.question_number is not None and head.question_count is not None:
        counter = label(
            "question_counter", locale, number=head.question_number, count=head.question_count
        )
    elif head.question_number is not None:
        counter = label("question_number", locale, number=head.question_number)
    if counter:
        counter = f"{counter} · "
    lines.append(f"{counter}{progress_bar(head.percent)} {head.percent} %")
    if head.starts_section and step.section.intro is not None:
        lines.append("")
        lines.append(f"<i>{html.escape(step.section.intro.get(locale))}</i>")
    lines.append("")
    lines.append(f"<b>{html.escape(step.prompt.get(locale))}</b>")
    question = step.question
    if question is not None and question.help is not None:
        lines.append(f"<i>{html.escape(question.help.get(locale))}</i>")
    if question is not None:
        hint = _type_hint(question, locale, _)
        if hint:
            lines.append(hint)
        if question.type is QuestionType.SCALE and question.low and question.high:
            lines.append(
                f"1 = {html.escape(question.low.get(locale))} · "
                f"{question.points} = {html.escape(question.high.get(locale))}"
            )
    if is_answered(step, answers) and question is not None:
        current = format_answer(question, answers[step.id], locale)
        lines.append("")
        lines.append(_("Your current answer: {answer}").format(answer=html.escape(current)))
    if notice:
        lines.insert(0, f"⚠️ {html.escape(notice)}\n")
    return "\n".join(lines)


def _type_hint(question: Question, locale: str, _: Translate) -> str:
    kind = question.type
    if kind is QuestionType.NUMBER and question.year:
        return _("✍️ Type a year, e.g. 2015.")
    if kind is QuestionType.MONTH_YEAR and question.approximate:
        return _(
            "✍️ Type a month and year, e.g. 03/2019 or March 2019. "
            "An approximate date is enough: “around 2015”, “summer 2015”."
        )
    hints = {
        QuestionType.TEXT: _("✍️ Write your answer in a message."),
        QuestionType.NUMBER: _("✍️ Type a number."),
        QuestionType.MONTH_YEAR: _("✍️ Type a month and year, e.g. 03/2019 or March 2019."),
        QuestionType.DATE: _("✍️ Type a date, e.g. 12 March 2024 or 2024-03-12."),
        QuestionType.MULTI_CHOICE: label("multi_hint", locale),
    }
    return hints.get(kind, "")


def question_rows(
    instrument: Instrument,
    run_id: int,
    step: Step,
    answers: Answers,
    locale: str,
    has_previous: bool,
) -> list[list[InlineKeyboardButton]]:
    tag = step_tag(step.id)
    rows: list[list[InlineKeyboardButton]] = []
    question = step.question
    if question is None:  # "add another?"
        rows.append(
            [
                button(label("add_another_yes", locale), data(run_id, tag, "a", "yes")),
                button(label("add_another_no", locale), data(run_id, tag, "a", "no")),
            ]
        )
    elif question.type is QuestionType.YES_NO:
        rows.append(
            [
                button(label("yes", locale), data(run_id, tag, "a", "yes")),
                button(label("no", locale), data(run_id, tag, "a", "no")),
            ]
        )
    elif question.type is QuestionType.SINGLE_CHOICE:
        for choice in question.choices:
            rows.append([button(choice.label.get(locale), data(run_id, tag, "a", choice.key))])
        if question.other:
            rows.append([button(label("other", locale), data(run_id, tag, "o"))])
    elif question.type is QuestionType.MULTI_CHOICE:
        ticked, other_text = multi_parts(ticked_so_far(answers, step.id)) or ((), None)
        for choice in question.choices:
            mark = TICK if choice.key in ticked else ""
            rows.append(
                [button(mark + choice.label.get(locale), data(run_id, tag, "t", choice.key))]
            )
        if question.other:
            if other_text:
                other_label = TICK + shorten(label("other_answer", locale, text=other_text), 40)
                rows.append([button(other_label, data(run_id, tag, "t", OTHER))])
            else:
                rows.append([button(label("other", locale), data(run_id, tag, "o"))])
        rows.append([button(label("validate", locale), data(run_id, tag, "v"))])
    elif question.type is QuestionType.SCALE:
        points = [
            button(str(value + 1), data(run_id, tag, "a", str(value)))
            for value in range(question.points)
        ]
        rows.append(points)
    extra: list[InlineKeyboardButton] = []
    if question is not None and question.allow_unknown:
        extra.append(button(label("unknown", locale), data(run_id, tag, "a", "unknown")))
    if question is not None and question.optional:
        extra.append(button(label("skip", locale), data(run_id, tag, "a", "skip")))
    if extra:
        rows.append(extra)
    if has_previous:
        rows.append([button(label("previous", locale), data(run_id, tag, "b"))])
    return rows
