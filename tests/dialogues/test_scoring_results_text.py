"""The result messages: both languages complete, the right content, safe for HTML."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path
from typing import Any

import pytest

import dialogues
from dialogues.results import describe_riasec, describe_values, texts
from dialogues.scoring import TYPES, VALUES, score_riasec, score_values

INSTRUMENTS = Path(dialogues.__file__).parent / "instruments"


def load(key: str) -> dict[str, Any]:
    with (INSTRUMENTS / f"{key}.toml").open("rb") as handle:
        return tomllib.load(handle)


RIASEC = load("riasec")
WORK_VALUES = load("work_values")
RIASEC_ITEMS = [(q["key"], q["dimension"]) for s in RIASEC["sections"] for q in s["questions"]]
PAIRS = [
    (q["key"], q["choices"][0]["key"], q["choices"][1]["key"])
    for s in WORK_VALUES["sections"]
    for q in s["questions"]
]


def riasec_answers(per_type: dict[str, int]) -> dict[str, int]:
    return {key: per_type[letter] for key, letter in RIASEC_ITEMS}


def values_answers(preference: list[str]) -> dict[str, str]:
    return {key: min(a, b, key=preference.index) for key, a, b in PAIRS}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_type_value_and_message_exists_in_both_languages() -> None:
    data = texts()
    assert set(data["riasec"]) == set(TYPES)
    assert set(data["values"]) == set(VALUES)
    entries = [*data["riasec"].values(), *data["values"].values()]
    localized = [t for e in entries for t in e.values()]
    localized += [*data["messages"].values(), *data["charts"].values()]
    for text in localized:
        assert set(text) == {"fr", "en"}
        assert text["fr"].strip() and text["en"].strip()
        assert placeholders(text["fr"]) == placeholders(text["en"])
        assert not any(c in text[lang] for lang in ("fr", "en") for c in "<>&")


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_clear_profile_message(locale: str) -> None:
    result = score_riasec(RIASEC, riasec_answers({"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1}))
    message = describe_riasec(result, locale)
    data = texts()
    assert "SEA" in message
    for letter in "SEA":
        assert data["riasec"][letter]["enjoys"][locale] in message
        assert data["riasec"][letter]["name"][locale] in message
    assert data["riasec"]["R"]["enjoys"][locale] not in message
    assert data["messages"]["starting_point"][locale] in message
    assert "40" in message
    assert not re.search("[<>&]", message)


def test_messages_differ_by_language_and_fall_back_to_french() -> None:
    result = score_riasec(RIASEC, riasec_answers({"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1}))
    french = describe_riasec(result, "fr")
    assert "Votre code Holland : SEA" in french
    assert "Your Holland code: SEA" in describe_riasec(result, "en-GB")
    assert describe_riasec(result, "de") == french == describe_riasec(result, "fr_FR")


def test_tied_code_says_which_letters_are_tied() -> None:
    result = score_riasec(RIASEC, riasec_answers({"R": 3, "I": 1, "A": 3, "S": 4, "E": 1, "C": 1}))
    assert result.code == "SAR"
    assert "À égalité : A et R." in describe_riasec(result, "fr")
    assert "Tied: A and R." in describe_riasec(result, "en")


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_flat_profile_message_has_no_code_and_suggests_talking(locale: str) -> None:
    result = score_riasec(RIASEC, riasec_answers(dict.fromkeys(TYPES, 2)))
    message = describe_riasec(result, locale)
    assert texts()["messages"]["riasec_flat_undifferentiated"][locale] in message
    assert "Holland" not in message
    assert ("conseiller" in message) if locale == "fr" else ("counsellor" in message)
    assert texts()["messages"]["starting_point"][locale] in message


def test_each_flat_reason_has_its_own_message() -> None:
    low = describe_riasec(score_riasec(RIASEC, riasec_answers(dict.fromkeys(TYPES, 0))), "fr")
    high = describe_riasec(score_riasec(RIASEC, riasec_answers(dict.fromkeys(TYPES, 4))), "fr")
    assert texts()["messages"]["riasec_flat_mostly_low"]["fr"] in low
    assert texts()["messages"]["riasec_flat_mostly_high"]["fr"] in high


def test_incomplete_riasec_message_counts_the_answers() -> None:
    answers = dict(list(riasec_answers(dict.fromkeys(TYPES, 3)).items())[:30])
    message = describe_riasec(score_riasec(RIASEC, answers), "fr")
    assert "30 activités sur 60" in message
    assert "Holland" not in message


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_values_message_ranks_the_top_three(locale: str) -> None:
    preference = [
        "independence",
        "achievement",
        "support",
        "relationships",
        "conditions",
        "recognition",
    ]
    message = describe_values(score_values(WORK_VALUES, values_answers(preference)), locale)
    data = texts()["values"]
    positions = [message.index(data[v]["name"][locale]) for v in preference[:3]]
    assert positions == sorted(positions)
    assert data["independence"]["means"][locale] in message
    assert data["recognition"]["means"][locale] not in message
    assert data["recognition"]["name"][locale] in message  # listed among the rest
    assert ("5 sur 5" if locale == "fr" else "5 out of 5") in message
    assert texts()["messages"]["starting_point"][locale] in message
    assert not re.search("[<>&]", message)


def test_incomplete_values_message() -> None:
    answers = dict(list(values_answers(list(VALUES)).items())[:10])
    message = describe_values(score_values(WORK_VALUES, answers), "en")
    assert "10 pairs out of 15" in message


def test_counsellor_texts_are_complete_and_speak_of_the_person() -> None:
    data = texts()
    for table, base in (("counsellor_messages", "messages"), ("counsellor_charts", "charts")):
        for name, text in data[table].items():
            assert name in data[base], name  # an override, never a new message
            assert set(text) == {"fr", "en"}
            assert placeholders(text["fr"]) - {"person"} == placeholders(text["en"]) - {"person"}
            for lang in ("fr", "en"):
                assert not re.search(r"\b(vos|votre|vous|your|you)\b", text[lang], re.I), text


@pytest.mark.parametrize(
    ("locale", "code_line"),
    [("fr", "Son code Holland : SEA"), ("en", "Paul Durand's Holland code: SEA")],
)
def test_the_counsellor_reads_the_result_about_the_person(locale: str, code_line: str) -> None:
    result = score_riasec(RIASEC, riasec_answers({"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1}))
    message = describe_riasec(result, locale, about="Paul Durand")
    assert code_line in message
    assert not re.search(r"\b(vos|votre|vous|your|you)\b", message, re.I), message
    assert texts()["riasec"]["S"]["name"][locale] in message
    values = describe_values(
        score_values(WORK_VALUES, values_answers(list(VALUES))), locale, "Paul"
    )
    assert "Paul" in values
    assert not re.search(r"\b(vos|votre|vous|your|you)\b", values, re.I), values
