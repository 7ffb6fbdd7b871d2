"""Where a person is in a questionnaire, computed from the stored answers alone.

Every function here is pure: given the same instrument and the same answers
mapping it returns the same result, and nothing is remembered between calls.
That is what lets the bot restart at any moment and put the person back on the
same question: the resume point is simply :func:`next_step`.

A *step* is one thing to answer: a question (in a given occurrence of a
repeatable section) or the "Ajouter une autre … ?" prompt that closes an
occurrence. The visible steps are walked in file order:

- a question is shown when its ``show_if`` (and its section's) holds;
- a condition holds only when the question it depends on is itself shown and
  answered with a matching value — so hiding a question also hides everything
  that depended on it, and a stale answer of a hidden question is never read;
- answers of hidden questions stay in the mapping untouched: showing the
  question again brings the old answer back;
- a repeatable section shows occurrence 1, then the add-another prompt; only a
  stored ``true`` opens the next occurrence. The prompt is not asked after the
  last allowed occurrence, nor after an occurrence with no visible question.

Progress counts the add-another prompts as steps, so adding an experience
makes the total grow: the percentage is honest about what is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dialogues.engine.answers import (
    is_skipped,
    is_unknown,
    is_valid,
    more_id,
    multi_parts,
    question_id,
)
from dialogues.instruments import (
    OTHER,
    Condition,
    Instrument,
    LocalizedText,
    Question,
    QuestionType,
    Section,
)

Answers = Mapping[str, object]


@dataclass(frozen=True)
class Step:
    id: str
    """The answer id under which the reply is stored."""
    section: Section
    question: Question | None
    """None for the add-another prompt closing occurrence ``occurrence``."""
    occurrence: int | None
    """1-based occurrence inside a repeatable section, None elsewhere."""
    index: int
    """Position in :func:`visible_steps` for these answers."""

    @property
    def is_add_another(self) -> bool:
        return self.question is None

    @property
    def prompt(self) -> LocalizedText:
        """What to ask: the question text, or the section's add-another prompt."""
        if self.question is not None:
            return self.question.text
        assert self.section.repeat is not None  # only repeatable sections have prompts
        return self.section.repeat.add_prompt


@dataclass(frozen=True)
class Progress:
    answered: int
    total: int
    percent: int
    """0–100, rounded down: 100 only when everything visible is answered."""


@dataclass(frozen=True)
class Header:
    """The numbers the bot shows above a question; it does the wording.

    Numbers that could change under the person's eyes are not offered as such:
    ``part_number``/``part_count`` count the instrument's sections as written
    (a hidden part is skipped, the total never moves), and ``question_count``
    is None when answers in this part can still show or hide questions.
    """

    section_title: str
    section_number: int
    section_count: int
    occurrence: int | None
    question_number: int | None
    """1-based within the section (within the occurrence when repeatable);
    None for the add-another prompt. The recap numbers questions the same way."""
    question_count: int | None
    percent: int
    part_number: int = 0
    part_count: int = 0

    @property
    def starts_section(self) -> bool:
        """True on the first question of a section: the moment to show its ``intro``."""
        return self.question_number == 1 and self.occurrence in (None, 1)


def visible_steps(instrument: Instrument, answers: Answers) -> list[Step]:
    steps: list[Step] = []
    shown: set[str] = set()

    def add(step_id: str, section: Section, question: Question | None, n: int | None) -> None:
        steps.append(Step(step_id, section, question, n, len(steps)))
        shown.add(step_id)

    def show_questions(section: Section, n: int | None) -> None:
        for question in section.questions:
            cond = question.show_if
            if cond is None or _holds(cond, instrument, answers, n, shown):
                add(question_id(question.key, n), section, question, n)

    for section in instrument.sections:
        if section.show_if and not _holds(section.show_if, instrument, answers, None, shown):
            continue
        repeat = section.repeat
        if repeat is None:
            show_questions(section, None)
            continue
        for n in range(1, repeat.max + 1):
            before = len(steps)
            show_questions(section, n)
            if len(steps) == before or n == repeat.max:
                break
            more = more_id(section.key, n)
            add(more, section, None, n)
            if answers.get(more) is not True:
                break
    return steps


def is_answered(step: Step, answers: Answers) -> bool:
    value = answers.get(step.id)
    if step.question is None:
        return isinstance(value, bool)
    return is_valid(step.question, value)


def next_step(instrument: Instrument, answers: Answers) -> Step | None:
    """The first visible unanswered step — where to resume — or None when done."""
    return next(
        (s for s in visible_steps(instrument, answers) if not is_answered(s, answers)), None
    )


def step_by_id(instrument: Instrument, answers: Answers, step_id: str) -> Step | None:
    """The visible step with this id, or None (hidden, unknown, or forged)."""
    return next((s for s in visible_steps(instrument, answers) if s.id == step_id), None)


def previous_step(instrument: Instrument, answers: Answers, current_id: str | None) -> Step | None:
    """The visible step before ``current_id``; with None, the last visible step.

    None when ``current_id`` is the first step or is not visible.
    """
    steps = visible_steps(instrument, answers)
    if current_id is None:
        return steps[-1] if steps else None
    index = _index(steps, current_id)
    return steps[index - 1] if index is not None and index > 0 else None


def following_step(instrument: Instrument, answers: Answers, current_id: str) -> Step | None:
    """The visible step after ``current_id`` (answered or not), for walking forward
    through answers after going back; None at the end or if not visible."""
    steps = visible_steps(instrument, answers)
    index = _index(steps, current_id)
    return steps[index + 1] if index is not None and index + 1 < len(steps) else None


def progress(instrument: Instrument, answers: Answers) -> Progress:
    return _progress(visible_steps(instrument, answers), answers)


def _progress(steps: list[Step], answers: Answers) -> Progress:
    answered = sum(is_answered(s, answers) for s in steps)
    total = len(steps)
    percent = answered * 100 // total if total else 100
    return Progress(answered=answered, total=total, percent=percent)


def header(instrument: Instrument, step: Step, answers: Answers, locale: str | None) -> Header:
    steps = visible_steps(instrument, answers)
    sections = list(dict.fromkeys(s.section.key for s in steps))
    siblings = [
        s
        for s in steps
        if s.section.key == step.section.key and s.occurrence == step.occurrence and s.question
    ]
    number = next((i for i, s in enumerate(siblings, 1) if s.id == step.id), None)
    keys = [section.key for section in instrument.sections]
    return Header(
        section_title=step.section.title.get(locale),
        section_number=sections.index(step.section.key) + 1 if step.section.key in sections else 0,
        section_count=len(sections),
        occurrence=step.occurrence,
        question_number=number,
        question_count=None if _can_change(step.section) else len(siblings),
        percent=_progress(steps, answers).percent,
        part_number=keys.index(step.section.key) + 1,
        part_count=len(keys),
    )


def question_numbers(steps: list[Step]) -> dict[str, int]:
    """Each visible question's number within its part (and occurrence), as the screens show it."""
    numbers: dict[str, int] = {}
    counters: dict[tuple[str, int | None], int] = {}
    for step in steps:
        if step.question is None:
            continue
        where = (step.section.key, step.occurrence)
        counters[where] = counters.get(where, 0) + 1
        numbers[step.id] = counters[where]
    return numbers


def _can_change(section: Section) -> bool:
    """True when answers inside ``section`` may show or hide some of its questions."""
    return any(question.show_if is not None for question in section.questions)


def progress_bar(percent: int | float, width: int = 10) -> str:
    """``"▰▰▰▱▱▱▱▱▱▱"`` for 30 %: filled cells rounded half up, clamped to 0–100."""
    filled = int(max(0.0, min(100.0, float(percent))) * width / 100 + 0.5)
    return "▰" * filled + "▱" * (width - filled)


def _index(steps: list[Step], step_id: str) -> int | None:
    return next((i for i, s in enumerate(steps) if s.id == step_id), None)


def _holds(
    cond: Condition,
    instrument: Instrument,
    answers: Answers,
    occurrence: int | None,
    shown: set[str],
) -> bool:
    target = instrument.question(cond.question)
    in_repeat = instrument.section_of(cond.question).repeat is not None
    answer_id = question_id(target.key, occurrence if in_repeat else None)
    if answer_id not in shown:
        return False
    value = answers.get(answer_id)
    if not is_valid(target, value) or is_skipped(value) or is_unknown(value):
        return False
    if target.type is QuestionType.MULTI_CHOICE:
        keys, other = multi_parts(value) or ((), None)
        ticked = set(keys) | ({OTHER} if other is not None else set())
        return any(v in ticked for v in cond.values)
    if target.type is QuestionType.SINGLE_CHOICE and isinstance(value, dict):
        value = OTHER
    # exact type match: True must not equal the scale value 1
    return any(type(v) is type(value) and v == value for v in cond.values)
