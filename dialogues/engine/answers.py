"""Answer ids and the exact shape of every stored answer value.

The bot keeps, per instrument run, a mapping ``{answer_id: JSON value}``. The
engine only ever reads that mapping, so everything below is the contract
between what is stored and what is asked next.

Answer ids
    - an ordinary question: its key, e.g. ``"statut"``;
    - a question inside a repeatable section: ``"<question_key>#<n>"`` with
      ``n`` the 1-based occurrence, e.g. ``"exp_poste#2"`` for the second
      experience;
    - after occurrence ``n`` of a repeatable section, the bookkeeping answer
      ``"<section_key>#more#<n>"``: a bool, the reply to "Ajouter une autre … ?".

Values
    - text → ``str``
    - single_choice → the choice key ``str``, or ``{"other": "free text"}``
    - multi_choice → a list of choice keys ``["a", "b"]``; when "Autre" was
      filled in, ``{"choices": ["a"], "other": "free text"}`` (``choices`` may
      then be empty). :func:`multi_parts` reads both shapes.
    - scale → ``int`` from 0 to points-1 (buttons show it as 1..points)
    - number → ``int`` when whole, else ``float``
    - month_year → ``"YYYY-MM"``; date → ``"YYYY-MM-DD"``
    - yes_no and the add-another prompt → ``bool``
    - "Je ne sais pas" → ``{"unknown": true}`` (only where ``allow_unknown``)
    - a skipped optional question → ``{"skipped": true}``

A value that does not fit its question (a choice removed by a later edit, a
wrong type) counts as *not answered*: the engine asks the question again rather
than guess. Nothing is ever deleted from the mapping by the engine.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TypeAlias

from dialogues.instruments import OTHER, Question, QuestionType

JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"

_MORE = "#more#"
_MONTH_YEAR = re.compile(r"(\d{4})-(\d{2})")


def question_id(question_key: str, occurrence: int | None = None) -> str:
    return question_key if occurrence is None else f"{question_key}#{occurrence}"


def more_id(section_key: str, occurrence: int) -> str:
    return f"{section_key}{_MORE}{occurrence}"


def skipped_value() -> dict[str, JSONValue]:
    return {"skipped": True}


def unknown_value() -> dict[str, JSONValue]:
    return {"unknown": True}


def is_skipped(value: object) -> bool:
    return value == {"skipped": True}


def is_unknown(value: object) -> bool:
    return value == {"unknown": True}


def multi_parts(value: object) -> tuple[tuple[str, ...], str | None] | None:
    """``(ticked keys, other text or None)`` of a multi_choice value, None if malformed."""
    if isinstance(value, list):
        keys, other = value, None
    elif isinstance(value, dict) and set(value) == {"choices", "other"}:
        keys, other = value["choices"], value["other"]
        if not isinstance(keys, list) or not isinstance(other, str) or not other:
            return None
    else:
        return None
    if not all(isinstance(k, str) for k in keys) or len(set(keys)) != len(keys):
        return None
    return tuple(keys), other


def make_multi(keys: tuple[str, ...] | list[str], other: str | None) -> JSONValue:
    """The stored multi_choice shape for these keys (kept in the given order)."""
    ordered: list[JSONValue] = list(keys)
    return ordered if other is None else {"choices": ordered, "other": other}


def is_valid(question: Question, value: object) -> bool:
    """Whether ``value`` is a well-formed answer to ``question`` as it stands now."""
    if is_skipped(value):
        return question.optional
    if is_unknown(value):
        return question.allow_unknown
    kind = question.type
    if kind is QuestionType.TEXT:
        return isinstance(value, str) and bool(value.strip())
    if kind is QuestionType.YES_NO:
        return isinstance(value, bool)
    if kind is QuestionType.SINGLE_CHOICE:
        if isinstance(value, dict):
            return question.other and _is_other(value)
        return isinstance(value, str) and question.choice(value) is not None
    if kind is QuestionType.MULTI_CHOICE:
        parts = multi_parts(value)
        if parts is None:
            return False
        keys, other = parts
        if other is not None and not question.other:
            return False
        return (bool(keys) or other is not None) and all(question.choice(k) for k in keys)
    if kind is QuestionType.SCALE:
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        return 0 <= value < question.points
    if kind is QuestionType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            return False
        low_ok = question.min is None or value >= question.min
        return low_ok and (question.max is None or value <= question.max)
    if kind is QuestionType.MONTH_YEAR:
        if question.approximate and isinstance(value, str) and re.fullmatch(r"\d{4}", value):
            return True
        match = _MONTH_YEAR.fullmatch(value) if isinstance(value, str) else None
        return match is not None and 1 <= int(match[2]) <= 12
    if kind is QuestionType.DATE:
        return isinstance(value, str) and _is_iso_date(value)
    return False


def _is_other(value: dict[object, object]) -> bool:
    text = value.get(OTHER)
    return set(value) == {OTHER} and isinstance(text, str) and bool(text.strip())


def _is_iso_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True
