"""Work-values scoring: the paired comparison counted, ranked, tied and checked."""

from __future__ import annotations

import json
import tomllib
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dialogues
from dialogues.scoring import VALUES, ValuesResult, score_values

INSTRUMENT_PATH = Path(dialogues.__file__).parent / "instruments" / "work_values.toml"
with INSTRUMENT_PATH.open("rb") as _handle:
    INSTRUMENT: dict[str, Any] = tomllib.load(_handle)
PAIRS = [
    (q["key"], q["choices"][0]["key"], q["choices"][1]["key"])
    for s in INSTRUMENT["sections"]
    for q in s["questions"]
]


def by_preference(
    preference: list[str], flips: set[frozenset[str]] | frozenset[frozenset[str]] = frozenset()
) -> dict[str, str]:
    """Answer every pair by a strict preference order, except the flipped pairs."""
    answers = {}
    for key, a, b in PAIRS:
        winner = min(a, b, key=preference.index)
        if frozenset((a, b)) in flips:
            winner = b if winner == a else a
        answers[key] = winner
    return answers


PREFERENCE = [
    "independence",
    "achievement",
    "support",
    "relationships",
    "conditions",
    "recognition",
]


def test_a_consistent_ranking_is_read_back_exactly() -> None:
    result = score_values(INSTRUMENT, by_preference(PREFERENCE))
    assert result.order == PREFERENCE
    assert [result.scores[v] for v in PREFERENCE] == [5, 4, 3, 2, 1, 0]
    assert result.wins == {v: 5 - i for i, v in enumerate(PREFERENCE)}
    assert result.groups == [[v] for v in PREFERENCE]
    assert result.scale_max == 5
    assert result.complete and result.circular_triads == 0
    assert (result.answered_pairs, result.total_pairs) == (15, 15)
    assert result.display == " > ".join(PREFERENCE)


def test_a_three_way_tie_is_shown_and_ordered_by_the_documented_rule() -> None:
    # support beats independence: independence, achievement and support each score 4,
    # in a circle (independence > achievement > support > independence).
    answers = by_preference(PREFERENCE, {frozenset(("support", "independence"))})
    result = score_values(INSTRUMENT, answers)
    assert result.groups[0] == ["achievement", "support", "independence"]
    assert {result.scores[v] for v in result.groups[0]} == {4}
    assert result.circular_triads == 1


def test_a_two_way_tie_goes_to_the_head_to_head_winner() -> None:
    # support is preferred to achievement but loses to conditions: both score 3, and
    # support, which won their own comparison, comes first although "achievement"
    # comes first in the canonical order.
    preference = [
        "independence",
        "support",
        "achievement",
        "relationships",
        "conditions",
        "recognition",
    ]
    result = score_values(
        INSTRUMENT, by_preference(preference, {frozenset(("support", "conditions"))})
    )
    assert result.scores["achievement"] == result.scores["support"] == 3
    assert result.groups[1] == ["support", "achievement"]
    assert result.display.startswith("independence > support = achievement > ")


def test_missing_pairs_are_prorated_then_incomplete_below_eighty_percent() -> None:
    answers: dict[str, Any] = dict(by_preference(PREFERENCE))
    for key, _, _ in PAIRS[:3]:
        answers[key] = {"unknown": True}
    result = score_values(INSTRUMENT, answers)
    assert result.complete and result.answered_pairs == 12
    assert result.scores["independence"] == 5.0  # won every pair it was asked
    del answers[PAIRS[3][0]]
    result = score_values(INSTRUMENT, answers)
    assert not result.complete and result.answered_pairs == 11


def test_an_answer_that_is_not_one_of_the_pair_counts_as_unanswered() -> None:
    answers = by_preference(PREFERENCE)
    key, a, b = PAIRS[0]
    other = next(v for v in VALUES if v not in (a, b))
    answers[key] = other
    answers["not_a_pair"] = "support"
    result = score_values(INSTRUMENT, answers)
    assert result.answered_pairs == 14
    assert sum(result.wins.values()) == 14


def test_choice_dimensions_name_the_value_when_present() -> None:
    instrument = {
        "key": "v",
        "version": 2,
        "sections": [
            {
                "questions": [
                    {
                        "key": f"q{i}",
                        "type": "single_choice",
                        "choices": [
                            {"key": "left", "dimension": a},
                            {"key": "right", "dimension": b},
                        ],
                    }
                    for i, (a, b) in enumerate(combinations(VALUES, 2))
                ]
            }
        ],
    }
    answers = {f"q{i}": "left" for i in range(15)}
    result = score_values(instrument, answers)
    assert result.order == list(VALUES)  # the earlier value is always on the left


def test_engine_instrument_object_scores_like_the_raw_file() -> None:
    instruments = pytest.importorskip("dialogues.instruments")
    engine = instruments.load_instrument(INSTRUMENT_PATH)
    answers = by_preference(PREFERENCE, {frozenset(("support", "independence"))})
    assert score_values(engine, answers) == score_values(INSTRUMENT, answers)


def test_result_survives_json_storage() -> None:
    result = score_values(INSTRUMENT, by_preference(PREFERENCE))
    stored = json.loads(json.dumps(result.to_dict()))
    assert ValuesResult.from_dict(stored) == result


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([0, 1, None]), min_size=15, max_size=15))
def test_properties_of_any_answer_set(picks: list[int | None]) -> None:
    answers = {key: (a, b)[p] for (key, a, b), p in zip(PAIRS, picks, strict=True) if p is not None}
    result = score_values(INSTRUMENT, answers)
    assert sum(result.wins.values()) == result.answered_pairs == len(answers)
    assert all(0 <= result.scores[v] <= 5 for v in VALUES)
    ranked = [result.scores[v] for v in result.order]
    assert ranked == sorted(ranked, reverse=True)
    assert [v for g in result.groups for v in g] == result.order
    assert 0 <= result.circular_triads <= 8
    for group in result.groups:
        if len(group) == 2:
            first, second = group
            pair = next((k for k, a, b in PAIRS if {a, b} == {first, second}), None)
            if pair in answers:
                assert answers[pair] == first
    assert ValuesResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
