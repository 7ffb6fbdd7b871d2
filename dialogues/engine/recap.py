"""Answers written back for reading: the recap a person checks before sharing.

Only what is visible and answered appears, in the order it was asked, with
choice labels instead of keys, "mars 2019", "12 mars 2024", "12,5 ans",
"Passée", "Je ne sais pas" — in the language of the reader, whatever the
language the answers were typed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from dialogues.engine.answers import is_skipped, is_unknown, is_valid, multi_parts
from dialogues.engine.navigation import Answers, is_answered, question_numbers, visible_steps
from dialogues.formats import format_iso_date, format_month_year, format_number
from dialogues.instruments import Instrument, Question, QuestionType
from dialogues.messages import label

MISSING = "—"


class RecapItem(NamedTuple):
    step_id: str
    question: str
    answer: str
    number: int = 0
    """The question's number in its part, the one its screen showed."""


@dataclass(frozen=True)
class RecapSection:
    title: str
    occurrence: int | None
    """1-based for each occurrence of a repeatable section (one RecapSection each)."""
    items: tuple[RecapItem, ...]
    part_number: int = 0
    """The section's place in the instrument, as "Partie 3 sur 12" on the screens."""
    heading: str = ""
    """The title with the occurrence named, as the question screens show it."""


def recap(
    instrument: Instrument, answers: Answers, locale: str | None, *, about: bool = False
) -> list[RecapSection]:
    """The answered, visible questions by section; ``about`` names the sections for the
    counsellor who reads them ("Réussites"), not for the person who answered ("Vos réussites")."""
    sections: list[RecapSection] = []
    steps = visible_steps(instrument, answers)
    numbers = question_numbers(steps)
    parts = {section.key: n for n, section in enumerate(instrument.sections, 1)}
    for step in steps:
        if step.question is None or not is_answered(step, answers):
            continue
        item = RecapItem(
            step.id,
            step.question.text.get(locale),
            format_answer(step.question, answers[step.id], locale),
            numbers[step.id],
        )
        title = step.section.title_about(locale) if about else step.section.title.get(locale)
        last = sections[-1] if sections else None
        if last and (last.title, last.occurrence) == (title, step.occurrence):
            sections[-1] = RecapSection(
                last.title, last.occurrence, (*last.items, item), last.part_number, last.heading
            )
        else:
            sections.append(
                RecapSection(
                    title,
                    step.occurrence,
                    (item,),
                    parts[step.section.key],
                    step.section.heading(step.occurrence, locale, about=about),
                )
            )
    return sections


def format_answer(question: Question, value: object, locale: str | None) -> str:
    """One stored answer as a person reads it; ``"—"`` if it does not fit the question."""
    if not is_valid(question, value):
        return MISSING
    if is_skipped(value):
        return label("skipped_answer", locale)
    if is_unknown(value):
        return label("unknown", locale)
    kind = question.type
    if kind is QuestionType.SINGLE_CHOICE:
        return _choice_text(question, value, locale)
    if kind is QuestionType.MULTI_CHOICE:
        keys, other = multi_parts(value) or ((), None)
        texts = [_choice_text(question, key, locale) for key in keys]
        if other is not None:
            texts.append(label("other_answer", locale, text=other))
        return ", ".join(texts)
    if kind is QuestionType.YES_NO:
        return label("yes" if value else "no", locale)
    if kind is QuestionType.NUMBER and isinstance(value, int | float):
        return format_number(value, locale, question.unit)
    if kind is QuestionType.SCALE and isinstance(value, int):
        shown = f"{value + 1}/{question.points}"
        end = (
            question.low if value == 0 else question.high if value == question.points - 1 else None
        )
        return f"{shown} ({end.get(locale)})" if end else shown
    if kind is QuestionType.MONTH_YEAR and isinstance(value, str):
        return format_month_year(value, locale)
    if kind is QuestionType.DATE and isinstance(value, str):
        return format_iso_date(value, locale)
    return str(value)


def _choice_text(question: Question, value: object, locale: str | None) -> str:
    if isinstance(value, dict):
        return label("other_answer", locale, text=value.get("other", ""))
    choice = question.choice(str(value))
    return choice.label.get(locale) if choice else MISSING
