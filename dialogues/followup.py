"""The part of the follow-up check-in that no static file can hold: the person's own plan.

``dialogues/instruments/followup.toml`` asks the same questions of everyone.
Progress on each step of *their* action plan is asked by the bot before those
questions, one step at a time, and stored in the same run as answers with
the ids ``plan_step#<step id>``. This module is the pure contract of those
answers: their ids and value shape, where the person is in that small loop
(the run's ``current_step``), and how a typed target date is read.

Nothing here knows the database or Telegram; the engine never sees these ids
(they name no question of the instrument, so navigation and recap skip them).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from dialogues.engine.dates import parse_date, parse_month_year
from dialogues.engine.outcome import Accepted, ParseResult, Rejected
from dialogues.languages import for_locale

StepStatus = Literal["done", "ongoing", "not_started", "dropped"]
STEP_STATUSES: tuple[StepStatus, ...] = ("done", "ongoing", "not_started", "dropped")
ANSWER_PREFIX = "plan_step#"
POSITION_PREFIX = "plan|"
NOTE_SUFFIX = "|note"
NOTE_MAX = 500


@dataclass(frozen=True)
class StepAnswer:
    status: StepStatus
    note: str | None
    title: str
    target: str | None
    """The target date then, ``YYYY-MM-DD``."""


def answer_id(step_id: int) -> str:
    return f"{ANSWER_PREFIX}{step_id}"


def step_of_answer(answer: str) -> int | None:
    """The step id of a ``plan_step#<id>`` answer id, else None."""
    tail = answer.removeprefix(ANSWER_PREFIX)
    return int(tail) if tail != answer and tail.isdigit() else None


def make_answer(
    status: StepStatus, title: str, target: dt.date | None, note: str | None = None
) -> dict[str, Any]:
    if status not in STEP_STATUSES:
        raise ValueError("unknown step status")
    return {
        "status": status,
        "note": note,
        "title": title,
        "target": target.isoformat() if target else None,
    }


def with_note(value: Any, note: str | None) -> dict[str, Any] | None:
    """The stored answer with its optional word added (None if the answer is malformed)."""
    answer = read_answer(value)
    if answer is None:
        return None
    return {"status": answer.status, "note": note, "title": answer.title, "target": answer.target}


def read_answer(value: Any) -> StepAnswer | None:
    """A stored plan-step answer, or None if it does not have the expected shape."""
    if not isinstance(value, dict):
        return None
    status = next((s for s in STEP_STATUSES if s == value.get("status")), None)
    title, note, target = value.get("title"), value.get("note"), value.get("target")
    if status is None or not isinstance(title, str):
        return None
    return StepAnswer(
        status,
        note if isinstance(note, str) and note else None,
        title,
        target if isinstance(target, str) else None,
    )


def step_answers(answers: Mapping[str, Any]) -> list[tuple[int, StepAnswer]]:
    """Every readable plan-step answer of a run, by step id."""
    found = []
    for key, value in answers.items():
        step_id = step_of_answer(key)
        answer = read_answer(value) if step_id is not None else None
        if step_id is not None and answer is not None:
            found.append((step_id, answer))
    return sorted(found, key=lambda pair: (pair[1].target or "", pair[0]))


# --- where the person is in the loop --------------------------------------------------


def position(step_id: int, note: bool = False) -> str:
    """The run's ``current_step`` while a step's status (or its word) is asked."""
    return f"{POSITION_PREFIX}{step_id}{NOTE_SUFFIX if note else ''}"


def read_position(current: str | None) -> tuple[int, bool] | None:
    """``(step id, asking the word?)`` for a loop position, else None."""
    if not current or not current.startswith(POSITION_PREFIX):
        return None
    rest = current.removeprefix(POSITION_PREFIX)
    note = rest.endswith(NOTE_SUFFIX)
    rest = rest.removesuffix(NOTE_SUFFIX)
    return (int(rest), note) if rest.isdigit() else None


def next_step(step_ids: Sequence[int], answers: Mapping[str, Any]) -> int | None:
    """The first step of the plan not yet answered in this run."""
    return next((s for s in step_ids if read_answer(answers.get(answer_id(s))) is None), None)


def previous_step(step_ids: Sequence[int], current: int) -> int | None:
    if current not in step_ids:
        return None
    index = list(step_ids).index(current)
    return step_ids[index - 1] if index > 0 else None


# --- a typed target date --------------------------------------------------------------


def parse_target_date(text: str, locale: str | None) -> ParseResult:
    """A step's target date: a full date, or a month and year (meaning its last day).

    The engine's own readings (:mod:`dialogues.engine.dates`), in either
    language: "30/11/2026", "30 novembre 2026", "2026-11-30", "November 30,
    2026", and "11/2026" or "novembre 2026" for the end of November.
    """
    full = parse_date(text, for_locale(locale).code)
    if isinstance(full, Accepted) or full.code in ("ambiguous_date", "date_does_not_exist"):
        return full
    month = parse_month_year(text)
    if isinstance(month, Accepted) and isinstance(month.value, str):
        year, number = (int(part) for part in month.value.split("-"))
        last = calendar.monthrange(year, number)[1]
        return Accepted(dt.date(year, number, last).isoformat())
    return Rejected("bad_date")
