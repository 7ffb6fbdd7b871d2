"""The result of reading one reply: accepted with its value, or rejected with a reason.

A rejection carries a code and plain parameters, never text: the words are
chosen later, in the person's language, by :func:`dialogues.messages.error_message`.

Rejection codes (parameters in brackets):

=====================  ==========================================================
``empty_answer``       nothing but spaces was sent
``too_short``          text shorter than ``min_length`` [min]
``too_long``           text longer than ``max_length`` [max, length]
``not_a_number``       no number could be read
``out_of_bounds``      number outside min–max [min, max, unit]
``too_small``          number below min, no max [min, unit]
``too_large``          number above max, no min [max, unit]
``bad_month_year``     no month and 4-digit year could be read, or month 13…
``bad_date``           no full date with a 4-digit year could be read
``ambiguous_date``     English numeric date readable both ways (03/04/2024)
``date_does_not_exist``  e.g. 31/02/2024
``not_a_choice``       not a label nor a number of a choice [max]
``not_a_choice_or_other``  a number out of range where "Autre" is offered [max]
``not_choices``        a multi_choice reply naming something not listed [max]
``not_a_year``         no 4-digit year could be read (a ``year`` number question)
``future_year``        a year still to come [max: the latest year allowed]
``future_date``        a month or date still to come on a ``past`` question
``not_yes_no``         neither yes nor no
``not_on_scale``       not a whole number of the scale [min, max]
``choose_at_least_one``  a multi_choice validated with nothing ticked
``expected_text``      a photo, sticker… where a typed reply was needed
``cannot_skip``        "Passer" on a question that is not optional
``not_allowed``        a button that does not belong to this question
=====================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from dialogues.engine.answers import JSONValue
from dialogues.instruments import LocalizedText

RejectCode = Literal[
    "empty_answer",
    "too_short",
    "too_long",
    "not_a_number",
    "out_of_bounds",
    "too_small",
    "too_large",
    "bad_month_year",
    "bad_date",
    "ambiguous_date",
    "date_does_not_exist",
    "not_a_choice",
    "not_a_choice_or_other",
    "not_choices",
    "not_a_year",
    "future_year",
    "future_date",
    "not_yes_no",
    "not_on_scale",
    "choose_at_least_one",
    "expected_text",
    "cannot_skip",
    "not_allowed",
]
Param: TypeAlias = int | float | str | LocalizedText


@dataclass(frozen=True)
class Accepted:
    value: JSONValue


@dataclass(frozen=True)
class Rejected:
    code: RejectCode
    params: Mapping[str, Param] = field(default_factory=dict)


ParseResult: TypeAlias = Accepted | Rejected
