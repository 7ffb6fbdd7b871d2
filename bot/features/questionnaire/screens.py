"""What a questionnaire shows: a question, the "other" prompt, and the recap's choices.

Each is a :class:`~bot.kit.screens.Screen`; the flow and the presses decide
whether it replaces the pressed message or comes as a new one.
"""

from __future__ import annotations

from bot.features.questionnaire import render
from bot.i18n import Translate
from bot.keyboards import button
from bot.kit.screens import Screen, e
from dialogues.engine import Step, question_numbers
from dialogues.instruments import Instrument
from dialogues.messages import label
from dialogues.typography import shorten
from storage.responses import RunState


def question_screen(
    instrument: Instrument,
    run: RunState,
    step: Step,
    locale: str,
    _: Translate,
    notice: str | None = None,
) -> Screen:
    # ``step`` comes from the visible steps of these answers (or of the same answers
    # but a draft, which shows and hides nothing): its index says if one comes before.
    has_previous = step.index > 0
    return Screen(
        render.question_text(instrument, step, run.answers, locale, _, notice),
        render.question_rows(instrument, run.id, step, run.answers, locale, has_previous),
    )


def other_prompt_screen(run: RunState, step: Step, locale: str) -> Screen:
    """The person's own words for "Other": the question again, and the way back to it."""
    question = step.prompt.get(locale)
    text = f"<b>{e(question)}</b>\n\n{e(label('other_prompt', locale))}"
    tag = render.step_tag(render.OTHER_PREFIX + step.id)
    return Screen(text, [[button(label("previous", locale), render.data(run.id, tag, "b"))]])


def parts_screen(run: RunState, steps: list[Step], locale: str, _: Translate) -> Screen:
    """From the recap, "change an answer": one button per part of the questionnaire."""
    tag = render.step_tag(render.RECAP)
    rows = []
    seen: list[str] = []
    for step in steps:
        title = step.section.heading(step.occurrence, locale)
        if title not in seen:
            seen.append(title)
            rows.append([button(title, render.data(run.id, tag, "p", str(step.index)))])
    return Screen(_("Which part do you want to change?"), rows)


def questions_screen(
    run: RunState, steps: list[Step], chosen: Step, locale: str, _: Translate
) -> Screen:
    """A part's questions, numbered as their screens number them."""
    tag = render.step_tag(render.RECAP)
    numbers = question_numbers(steps)
    rows = [
        [
            button(
                shorten(f"{numbers[s.id]}. {s.prompt.get(locale)}")
                if s.id in numbers
                else shorten(s.prompt.get(locale)),
                render.data(run.id, tag, "g", str(s.index)),
            )
        ]
        for s in steps
        if s.section.key == chosen.section.key and s.occurrence == chosen.occurrence
    ]
    return Screen(_("Which question?"), rows)
