"""RIASEC scoring: hand-computed profiles, ties, flat profiles, and properties."""

from __future__ import annotations

import json
import random
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dialogues
from dialogues.scoring import RiasecResult, score_riasec
from dialogues.scoring.riasec import FLAT_SPREAD

INSTRUMENTS = Path(dialogues.__file__).parent / "instruments"
TYPES = "RIASEC"


def load(key: str) -> dict[str, Any]:
    with (INSTRUMENTS / f"{key}.toml").open("rb") as handle:
        return tomllib.load(handle)


FULL = load("riasec")
SHORT = load("riasec_short")


def items(instrument: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, type) of every item, in order."""
    return [(q["key"], q["dimension"]) for s in instrument["sections"] for q in s["questions"]]


def keys_of(instrument: dict[str, Any], letter: str) -> list[str]:
    return [k for k, t in items(instrument) if t == letter]


def uniform(instrument: dict[str, Any], per_type: dict[str, int]) -> dict[str, Any]:
    """The same answer to every item of a type."""
    return {k: per_type[t] for k, t in items(instrument)}


def with_type(
    answers: dict[str, Any], instrument: dict[str, Any], letter: str, values: list[int]
) -> dict[str, Any]:
    """Answers where the items of one type take the given values, in item order."""
    result = dict(answers)
    for key, value in zip(keys_of(instrument, letter), values, strict=True):
        result[key] = value
    return result


# --- hand-computed profiles ---------------------------------------------------------


def test_clear_profile_gives_its_three_highest_types() -> None:
    answers = uniform(FULL, {"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1})
    answers = with_type(answers, FULL, "C", [2, 2, 2, 2, 2, 1, 1, 1, 1, 1])
    result = score_riasec(FULL, answers)
    assert result.scores == {"R": 0, "I": 10, "A": 20, "S": 40, "E": 30, "C": 15}
    assert result.raw == {"R": 0, "I": 10, "A": 20, "S": 40, "E": 30, "C": 15}
    assert result.code == "SEA"
    assert result.order == ["S", "E", "A", "C", "I", "R"]
    assert result.groups == [["S"], ["E"], ["A"], ["C"], ["I"], ["R"]]
    assert result.display == "S > E > A"
    assert result.complete and not result.flat and not result.tied_in_code
    assert (result.instrument, result.version) == ("riasec", 1)


def test_short_form_is_scaled_to_forty() -> None:
    answers = uniform(SHORT, {"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1})
    result = score_riasec(SHORT, answers)
    assert result.raw == {"R": 0, "I": 5, "A": 10, "S": 20, "E": 15, "C": 5}
    assert result.scores == {"R": 0, "I": 10, "A": 20, "S": 40, "E": 30, "C": 10}
    assert result.code == "SEA"


def test_same_answers_give_the_same_code_on_both_forms() -> None:
    full_answers = uniform(FULL, {"R": 1, "I": 4, "A": 3, "S": 0, "E": 1, "C": 2})
    short_keys = {k for k, _ in items(SHORT)}
    short_answers = {k: v for k, v in full_answers.items() if k in short_keys}
    assert score_riasec(FULL, full_answers).code == score_riasec(SHORT, short_answers).code == "IAC"


def test_tie_is_reported_and_broken_by_canonical_order_when_nothing_else_differs() -> None:
    answers = uniform(FULL, {"R": 0, "I": 1, "A": 3, "S": 0, "E": 0, "C": 1})
    answers = with_type(answers, FULL, "S", [4] * 5 + [3] * 5)
    answers = with_type(answers, FULL, "E", [3] * 5 + [4] * 5)
    result = score_riasec(FULL, answers)
    assert result.scores["S"] == result.scores["E"] == 35
    assert result.groups[:2] == [["S", "E"], ["A"]]
    assert result.display == "S = E > A"
    assert result.code == "SEA"
    assert result.tied_in_code


def test_tie_goes_to_the_type_with_more_strong_likes() -> None:
    answers = uniform(FULL, {"R": 0, "I": 1, "A": 2, "S": 0, "E": 0, "C": 0})
    answers = with_type(answers, FULL, "S", [3] * 8 + [4] * 2)  # 32, two "J'aime beaucoup"
    answers = with_type(answers, FULL, "E", [4] * 8 + [0] * 2)  # 32, eight
    result = score_riasec(FULL, answers)
    assert result.scores["S"] == result.scores["E"] == 32
    assert result.code == "ESA"
    assert result.display == "E = S > A"


def test_tie_for_a_later_letter_goes_to_the_neighbour_on_the_hexagon() -> None:
    # R and A tie behind S; A is next to S on the hexagon, R is opposite it.
    answers = uniform(FULL, {"R": 3, "I": 1, "A": 3, "S": 4, "E": 1, "C": 1})
    result = score_riasec(FULL, answers)
    assert result.groups[:2] == [["S"], ["A", "R"]]
    assert result.code == "SAR"
    assert result.display == "S > A = R"


@pytest.mark.parametrize(
    ("per_type", "reason"),
    [
        ({"R": 2, "I": 2, "A": 2, "S": 2, "E": 2, "C": 2}, "undifferentiated"),
        ({"R": 0, "I": 0, "A": 0, "S": 0, "E": 0, "C": 0}, "mostly_low"),
        ({"R": 4, "I": 4, "A": 4, "S": 4, "E": 4, "C": 4}, "mostly_high"),
        ({"R": 0, "I": 0, "A": 0, "S": 1, "E": 0, "C": 0}, "mostly_low"),  # best is 10/40
        ({"R": 3, "I": 3, "A": 3, "S": 4, "E": 3, "C": 3}, "mostly_high"),  # worst is 30/40
    ],
)
def test_flat_profiles_get_no_code(per_type: dict[str, int], reason: str) -> None:
    result = score_riasec(FULL, uniform(FULL, per_type))
    assert result.flat and result.flat_reason == reason
    assert result.code is None
    assert result.complete


def test_small_spread_is_flat_but_a_spread_of_eight_is_not() -> None:
    base = uniform(FULL, {"R": 2, "I": 2, "A": 2, "S": 2, "E": 2, "C": 2})
    narrow = with_type(base, FULL, "S", [3] * 7 + [2] * 3)  # 27 vs 20
    assert score_riasec(FULL, narrow).flat_reason == "undifferentiated"
    wide = with_type(base, FULL, "S", [3] * 8 + [2] * 2)  # 28 vs 20
    result = score_riasec(FULL, wide)
    assert not result.flat and result.code is not None and result.code[0] == "S"


def test_missing_answers_are_prorated_down_to_eighty_percent() -> None:
    answers = uniform(FULL, {"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1})
    for key in keys_of(FULL, "S")[:2]:
        del answers[key]
    answers[keys_of(FULL, "E")[0]] = {"unknown": True}
    answers[keys_of(FULL, "E")[1]] = {"skipped": True}
    result = score_riasec(FULL, answers)
    assert result.answered["S"] == 8 and result.answered["E"] == 8
    assert result.raw["S"] == 32 and result.scores["S"] == 40
    assert result.scores["E"] == 30
    assert result.complete and result.code == "SEA"


def test_prorated_score_is_rounded_to_one_decimal() -> None:
    answers = uniform(FULL, {"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1})
    answers = with_type(answers, FULL, "A", [3, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    del answers[keys_of(FULL, "A")[9]]
    result = score_riasec(FULL, answers)
    assert result.scores["A"] == round(19 * 40 / 36, 1) == 21.1


def test_too_many_missing_answers_make_the_result_incomplete() -> None:
    answers = uniform(FULL, {"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1})
    for key in keys_of(FULL, "R")[:3]:
        del answers[key]
    result = score_riasec(FULL, answers)
    assert not result.complete
    assert result.code is None and not result.flat
    assert result.answered["R"] == 7


def test_invalid_values_count_as_unanswered_and_unknown_keys_are_ignored() -> None:
    answers = uniform(FULL, {"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1})
    r_keys = keys_of(FULL, "R")
    for key, bad in zip(r_keys, [5, -1, True, "4", 2.0, None], strict=False):
        answers[key] = bad
    answers["not_an_item"] = 4
    result = score_riasec(FULL, answers)
    assert result.answered["R"] == 4
    assert not result.complete


def test_empty_answers_are_incomplete_with_zero_scores() -> None:
    result = score_riasec(FULL, {})
    assert not result.complete and result.code is None
    assert set(result.scores.values()) == {0.0}


def test_instrument_without_a_type_is_refused() -> None:
    broken = {
        "key": "x",
        "version": 1,
        "sections": [{"questions": [{"key": "a", "type": "scale", "dimension": "R"}]}],
    }
    with pytest.raises(ValueError):
        score_riasec(broken, {"a": 4})


def test_engine_instrument_object_scores_like_the_raw_file() -> None:
    instruments = pytest.importorskip("dialogues.instruments")
    engine = instruments.load_instrument(INSTRUMENTS / "riasec.toml")
    answers = uniform(FULL, {"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1})
    assert score_riasec(engine, answers) == score_riasec(FULL, answers)


def test_result_survives_json_storage() -> None:
    answers = uniform(FULL, {"R": 0, "I": 1, "A": 3, "S": 3, "E": 0, "C": 1})
    result = score_riasec(FULL, answers)
    stored = json.loads(json.dumps(result.to_dict()))
    assert RiasecResult.from_dict(stored) == result
    with pytest.raises(ValueError):
        RiasecResult.from_dict({**stored, "kind": "values"})


# --- properties ---------------------------------------------------------------------

ANSWER = st.one_of(
    st.integers(0, 4),
    st.integers(0, 4),
    st.integers(0, 4),
    st.just({"unknown": True}),
    st.none(),
)


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    instrument = draw(st.sampled_from([FULL, SHORT]))
    answers = {}
    for key, _ in items(instrument):
        value = draw(ANSWER)
        if value is not None:
            answers[key] = value
    return instrument, answers


@settings(max_examples=300, deadline=None)
@given(answer_sets())
def test_scores_stay_within_bounds(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    instrument, answers = case
    result = score_riasec(instrument, answers)
    for letter in TYPES:
        assert 0 <= result.scores[letter] <= 40
        assert 0 <= result.raw[letter] <= 4 * result.answered[letter]
        assert result.answered[letter] <= result.items[letter]
    assert sorted(result.order) == sorted(TYPES)
    assert [t for g in result.groups for t in g] == result.order
    ranked = [result.scores[t] for t in result.order]
    assert ranked == sorted(ranked, reverse=True)


@settings(max_examples=200, deadline=None)
@given(answer_sets(), st.randoms(use_true_random=False))
def test_order_of_answering_does_not_matter(
    case: tuple[dict[str, Any], dict[str, Any]], rnd: random.Random
) -> None:
    instrument, answers = case
    pairs = list(answers.items())
    rnd.shuffle(pairs)
    assert score_riasec(instrument, dict(pairs)) == score_riasec(instrument, answers)


@settings(max_examples=300, deadline=None)
@given(answer_sets())
def test_code_is_made_of_the_highest_types(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    instrument, answers = case
    result = score_riasec(instrument, answers)
    assert (result.code is None) == (result.flat or not result.complete)
    if result.code is None:
        return
    assert len(set(result.code)) == 3
    lowest_in_code = min(result.scores[t] for t in result.code)
    assert all(result.scores[t] <= lowest_in_code for t in TYPES if t not in result.code)
    spread = max(result.scores.values()) - min(result.scores.values())
    assert spread >= FLAT_SPREAD


@settings(max_examples=100, deadline=None)
@given(answer_sets())
def test_every_result_round_trips_through_json(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    result = score_riasec(*case)
    assert RiasecResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
