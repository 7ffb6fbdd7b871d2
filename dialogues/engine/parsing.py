"""Reading what a person types or taps into a stored answer value (pure).

Typed replies go through :func:`parse_text_answer` (or :func:`parse_step_text`,
which also reads the add-another prompt). Button presses go through
:func:`parse_button`, because callback data comes from strangers and must be
checked against the question again. Multi-choice questions are answered in two
moves: the bot keeps a *draft* (same shape as the stored value, possibly empty)
outside the answers mapping, updates it with :func:`toggle_multi` and
:func:`parse_other_text`, and stores what :func:`finish_multi` accepts.

Button payloads understood by :func:`parse_button`:
``"skip"`` (Passer), ``"unknown"`` (Je ne sais pas), ``"yes"``/``"no"``
(yes_no and the add-another prompt), a choice key (single_choice), the stored
value ``"0"``…``"points-1"`` (scale). Choice keys can never collide with these
words: the loader reserves them. ``"other"`` ("Autre : précisez") is not an
answer by itself: the bot asks for the text (``label("other_prompt")``) and
passes it to :func:`parse_other_text`.

Typed forms accepted, in either language whatever the person's locale:

- text: stripped; ``min_length``–``max_length`` characters;
- number: "12", "12,5", "12.5", "1 500", "-3", "3 ans", "2 000 €"; in English
  "1,500" is fifteen hundred (a comma followed by exactly three digits),
  elsewhere a comma is a decimal mark;
- month_year and date: see :mod:`dialogues.engine.dates`;
- yes_no: oui/non/yes/no (and o/n/y, ouais, vrai/faux…);
- single_choice: a choice label typed exactly (capitals and accents optional)
  or its number in the list (1-based); multi_choice: several, separated by
  commas, "et"/"and", or spaces between numbers ("1, 3 et 4", "1 3 4");
- scale: the number shown on the button, 1…points ("4" or "4/5").
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from dialogues.engine.answers import (
    JSONValue,
    make_multi,
    multi_parts,
    skipped_value,
    unknown_value,
)
from dialogues.engine.dates import fold, parse_date, parse_month_year
from dialogues.engine.navigation import Step
from dialogues.engine.outcome import Accepted, Param, ParseResult, RejectCode, Rejected
from dialogues.instruments import OTHER, LocalizedText, Question, QuestionType
from dialogues.languages import for_locale

OTHER_MAX_LENGTH = 500
_YES = frozenset({"oui", "o", "ouais", "vrai", "yes", "y", "yep", "yeah", "true"})
_NO = frozenset({"non", "n", "faux", "no", "nope", "false"})
_NUMBER = re.compile(
    r"(?P<sign>[-+\u2212]?)\s*(?P<int>\d+(?:[ \u00a0\u202f]\d{3})*)"
    r"(?:[.,](?P<frac>\d+))?(?:\s*(?P<tail>\D.*))?"
)


def parse_text_answer(
    question: Question, text: str, locale: str | None, today: dt.date | None = None
) -> ParseResult:
    """``today`` (the person's local date) lets years, months and dates marked as past
    be refused when still to come; the engine itself never reads the clock."""
    kind = question.type
    stripped = text.strip()
    if not stripped:
        return Rejected("empty_answer")
    if kind is QuestionType.TEXT:
        if len(stripped) < question.min_length:
            return Rejected("too_short", {"min": question.min_length})
        if len(stripped) > question.max_length:
            return Rejected("too_long", {"max": question.max_length, "length": len(stripped)})
        return Accepted(stripped)
    if kind is QuestionType.NUMBER:
        if question.year:
            return _parse_year(question, stripped, today)
        return _parse_number(question, stripped, locale)
    if kind is QuestionType.MONTH_YEAR:
        return parse_month_year(stripped, question.approximate, today if question.past else None)
    if kind is QuestionType.DATE:
        return parse_date(stripped, for_locale(locale).code, today if question.past else None)
    if kind is QuestionType.YES_NO:
        return parse_yes_no(stripped)
    if kind is QuestionType.SINGLE_CHOICE:
        key = _match_choice(question, stripped)
        if key:
            return Accepted(key)
        code: RejectCode = "not_a_choice_or_other" if question.other else "not_a_choice"
        return Rejected(code, {"max": len(question.choices)})
    if kind is QuestionType.MULTI_CHOICE:
        return _parse_multi(question, stripped)
    return _parse_scale(question, stripped)


def parse_step_text(
    step: Step, text: str, locale: str | None, today: dt.date | None = None
) -> ParseResult:
    """:func:`parse_text_answer`, or a yes/no for the add-another prompt."""
    if step.question is None:
        return parse_yes_no(text)
    return parse_text_answer(step.question, text, locale, today)


def parse_yes_no(text: str) -> ParseResult:
    word = fold(text).strip(" .!")
    if word in _YES:
        return Accepted(True)
    if word in _NO:
        return Accepted(False)
    return Rejected("not_yes_no")


def parse_button(step: Step, payload: str) -> ParseResult:
    """The value of a button press on ``step``, checked against what the step offers."""
    question = step.question
    if payload == "skip":
        if question is not None and question.optional:
            return Accepted(skipped_value())
        return Rejected("cannot_skip")
    if payload == "unknown":
        allowed = question is not None and question.allow_unknown
        return Accepted(unknown_value()) if allowed else Rejected("not_allowed")
    if question is None or question.type is QuestionType.YES_NO:
        if payload in ("yes", "no"):
            return Accepted(payload == "yes")
    elif question.type is QuestionType.SINGLE_CHOICE and question.choice(payload) is not None:
        return Accepted(payload)
    elif question.type is QuestionType.SCALE and payload in map(str, range(question.points)):
        return Accepted(int(payload))
    return Rejected("not_allowed")


def toggle_multi(question: Question, current: JSONValue, choice_key: str) -> ParseResult:
    """The draft with ``choice_key`` ticked or unticked.

    ``"other"`` only unticks an existing "Autre" text: ticking it means asking
    for the text, then :func:`parse_other_text`.
    """
    keys, other = multi_parts(current) or ((), None)
    if choice_key == OTHER and question.other:
        return Accepted(make_multi(keys, None))
    if question.type is not QuestionType.MULTI_CHOICE or question.choice(choice_key) is None:
        return Rejected("not_allowed")
    if choice_key in keys:
        return Accepted(make_multi(tuple(k for k in keys if k != choice_key), other))
    return Accepted(make_multi((*keys, choice_key), other))


def finish_multi(question: Question, draft: JSONValue) -> ParseResult:
    """The value to store when "Valider" is pressed, in the order of the choices."""
    keys, other = multi_parts(draft) or ((), None)
    ticked = tuple(c.key for c in question.choices if c.key in keys)
    if not ticked and other is None:
        return Rejected("choose_at_least_one")
    return Accepted(make_multi(ticked, other))


def parse_other_text(question: Question, text: str, current: JSONValue = None) -> ParseResult:
    """The value once the "Autre : précisez" text is typed.

    single_choice → ``{"other": text}`` (final); multi_choice → the draft
    ``current`` with that text added (still to validate).
    """
    if not question.other:
        return Rejected("not_allowed")
    stripped = text.strip()
    if not stripped:
        return Rejected("empty_answer")
    if len(stripped) > OTHER_MAX_LENGTH:
        return Rejected("too_long", {"max": OTHER_MAX_LENGTH, "length": len(stripped)})
    if question.type is QuestionType.SINGLE_CHOICE:
        return Accepted({OTHER: stripped})
    keys, _ = multi_parts(current) or ((), None)
    return Accepted(make_multi(keys, stripped))


def _parse_number(question: Question, text: str, locale: str | None) -> ParseResult:
    if not for_locale(locale).decimal_comma:
        text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    match = _NUMBER.fullmatch(text)
    if match is None or not _tolerated_tail(match["tail"], question.unit):
        return Rejected("not_a_number")
    digits = re.sub(r"\D", "", match["int"])
    number = Decimal(f"{digits}.{match['frac'] or 0}")
    if match["sign"] in ("-", "\u2212"):
        number = -number
    value: int | float = int(number) if number == number.to_integral_value() else float(number)
    low, high = question.min, question.max
    below = low is not None and value < low
    above = high is not None and value > high
    if not (below or above):
        return Accepted(value)
    params: dict[str, Param] = {"unit": question.unit} if question.unit else {}
    if low is not None:
        params["min"] = low
    if high is not None:
        params["max"] = high
    code: RejectCode = "too_small" if below else "too_large"
    return Rejected("out_of_bounds" if low is not None and high is not None else code, params)


def _tolerated_tail(tail: str | None, unit: LocalizedText | None) -> bool:
    """ "3 ans", "35 h", "2 000 €" — one word after the number, or the question's unit."""
    if tail is None:
        return True
    folded = fold(tail)
    if unit is not None and folded in {fold(variant) for variant in unit.variants}:
        return True
    return re.fullmatch(r"(?:[^\W\d_]|[€$£%°])[^\d\s]{0,15}", folded) is not None


def _parse_year(question: Question, text: str, today: dt.date | None) -> ParseResult:
    match = re.fullmatch(r"(?:en |in )?(\d{4})", fold(text).strip(" ."))
    if match is None:
        return Rejected("not_a_year")
    year = int(match[1])
    latest = today.year if today is not None else None
    if question.max is not None:
        latest = min(latest, int(question.max)) if latest is not None else int(question.max)
    if latest is not None and year > latest:
        return Rejected("future_year", {"max": str(latest)})
    if question.min is not None and year < question.min:
        return Rejected("too_small", {"min": str(int(question.min))})
    return Accepted(year)


def _words_of(text: str) -> set[str]:
    return {w for w in re.split(r"[^\w+]+", fold(text)) if w}


def _match_choice(question: Question, text: str) -> str | None:
    """The choice typed: its number, its label, or words found in one label only.

    "BTS" picks "Bac +2 (BTS, DUT…)" and "plein" picks "Temps plein": every typed
    word must be a word of the label (accents and capitals optional, inside the
    parentheses too), and no other label may contain them all.
    """
    wanted = fold(text).strip(" .")
    if wanted.isdigit():
        number = int(wanted)
        return question.choices[number - 1].key if 1 <= number <= len(question.choices) else None
    for choice in question.choices:
        if wanted in {fold(variant) for variant in choice.label.variants}:
            return choice.key
    typed = _words_of(wanted)
    if not typed:
        return None
    found = [
        c.key
        for c in question.choices
        if any(typed <= _words_of(variant) for variant in c.label.variants)
    ]
    return found[0] if len(found) == 1 else None


def _parse_multi(question: Question, text: str) -> ParseResult:
    whole = _match_choice(question, text)
    if whole is not None:
        return Accepted(make_multi((whole,), None))
    parts = [p for p in re.split(r"[,;/]|\s+(?:et|and)\s+", fold(text)) if p.strip()]
    keys: list[str] = []
    for part in parts:
        found = _match_choice(question, part)
        pieces = [found] if found else [_match_choice(question, n) for n in part.split()]
        if not pieces or any(p is None for p in pieces):
            return Rejected("not_choices", {"max": len(question.choices)})
        keys += [p for p in pieces if p is not None and p not in keys]
    ordered = tuple(c.key for c in question.choices if c.key in keys)
    return Accepted(make_multi(ordered, None))


def _parse_scale(question: Question, text: str) -> ParseResult:
    """The number of a button, or words of one end's label ("beaucoup": "J'aime beaucoup")."""
    typed = _words_of(text)
    ends = [(0, question.low), (question.points - 1, question.high)]
    named = [
        value
        for value, end in ends
        if end is not None
        and typed
        and any(typed <= _words_of(variant) for variant in end.variants)
    ]
    if len(named) == 1:
        return Accepted(named[0])
    match = re.fullmatch(r"(\d{1,2})(?:\s*/\s*\d{1,2})?", text.strip())
    if match is None or not 1 <= int(match[1]) <= question.points:
        return Rejected("not_on_scale", {"min": 1, "max": question.points})
    return Accepted(int(match[1]) - 1)
