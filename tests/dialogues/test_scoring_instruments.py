"""The RIASEC and work-values TOML files: counts, balance, interleaving, both languages.

These parse the files with tomllib directly, so they hold whatever the engine's loader
does; the engine's own tests load every instrument through it as well.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import pytest

import dialogues

INSTRUMENTS = Path(dialogues.__file__).parent / "instruments"
TYPES = "RIASEC"
VALUES = {"achievement", "conditions", "recognition", "relationships", "support", "independence"}


def load(key: str) -> dict[str, Any]:
    with (INSTRUMENTS / f"{key}.toml").open("rb") as handle:
        return tomllib.load(handle)


def questions(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [q for section in data["sections"] for q in section["questions"]]


def bilingual(text: object) -> bool:
    return (
        isinstance(text, dict)
        and set(text) == {"fr", "en"}
        and all(isinstance(v, str) and v.strip() for v in text.values())
    )


@pytest.mark.parametrize(("key", "per_type"), [("riasec", 10), ("riasec_short", 5)])
def test_riasec_forms_have_balanced_items(key: str, per_type: int) -> None:
    data = load(key)
    assert data["key"] == key
    assert data["kind"] == "riasec"
    items = questions(data)
    assert len(items) == 6 * per_type
    assert Counter(q["dimension"] for q in items) == dict.fromkeys(TYPES, per_type)
    assert all(q["type"] == "scale" for q in items)
    assert len({q["key"] for q in items}) == len(items)
    assert data["scale"]["points"] == 5
    assert data["scale"]["low"]["fr"] == "Je n'aime pas du tout"
    assert data["scale"]["high"]["fr"] == "J'aime beaucoup"


@pytest.mark.parametrize("key", ["riasec", "riasec_short"])
def test_riasec_items_are_interleaved(key: str) -> None:
    sequence = [q["dimension"] for q in questions(load(key))]
    assert all(a != b for a, b in pairwise(sequence)), "two in a row"
    # every run of six consecutive items draws on at least five different types
    for start in range(len(sequence) - 5):
        assert len(set(sequence[start : start + 6])) >= 5, sequence[start : start + 6]


@pytest.mark.parametrize("key", ["riasec", "riasec_short", "work_values"])
def test_every_text_exists_in_both_languages(key: str) -> None:
    data = load(key)
    for field in ("title", "intro", "source"):
        assert bilingual(data[field]), field
    for section in data["sections"]:
        assert bilingual(section["title"])
    for q in questions(data):
        assert bilingual(q["text"]), q["key"]
        for choice in q.get("choices", []):
            assert choice["fr"].strip() and choice["en"].strip(), q["key"]


def test_riasec_source_cites_holland_and_onet_and_our_own_items() -> None:
    for key in ("riasec", "riasec_short"):
        source = load(key)["source"]
        assert "Holland" in source["fr"] and "Holland" in source["en"]
        assert "O*NET Interest Profiler" in source["fr"]
        assert "O*NET Interest Profiler" in source["en"]
        assert "rédigées pour ce projet" in source["fr"]
        assert "written for this project" in source["en"]


def test_short_form_is_a_subset_of_the_full_form_with_the_same_texts() -> None:
    full = {q["key"]: q for q in questions(load("riasec"))}
    for q in questions(load("riasec_short")):
        assert q["key"] in full
        assert q["text"] == full[q["key"]]["text"]
        assert q["dimension"] == full[q["key"]]["dimension"]


def test_riasec_items_are_distinct_and_free_of_html_specials() -> None:
    items = questions(load("riasec"))
    for lang in ("fr", "en"):
        texts = [q["text"][lang] for q in items]
        assert len(set(texts)) == len(texts)
        assert not any(c in t for t in texts for c in "<>&")


def test_work_values_is_a_complete_paired_comparison() -> None:
    data = load("work_values")
    assert data["kind"] == "values"
    pairs = questions(data)
    assert len(pairs) == 15
    seen = []
    for q in pairs:
        assert q["type"] == "single_choice"
        keys = [c["key"] for c in q["choices"]]
        assert len(keys) == 2 and set(keys) <= VALUES
        seen.append(frozenset(keys))
    assert set(seen) == {frozenset(p) for p in combinations(VALUES, 2)}
    assert len(set(seen)) == 15  # each pair exactly once
    for before, after in pairwise(pairs):
        shared = {c["key"] for c in before["choices"]} & {c["key"] for c in after["choices"]}
        assert not shared, "a value appears in two consecutive questions"
    sides = Counter(q["choices"][0]["key"] for q in pairs)
    assert all(2 <= sides[v] <= 3 for v in VALUES), sides


def test_work_values_statements_fit_buttons_and_do_not_repeat() -> None:
    choices = [c for q in questions(load("work_values")) for c in q["choices"]]
    for lang in ("fr", "en"):
        labels = [c[lang] for c in choices]
        assert len(set(labels)) == 30
        assert max(len(label) for label in labels) <= 40
        assert not any(ch in label for label in labels for ch in "<>&")


def test_work_values_file_argues_its_design() -> None:
    head = (INSTRUMENTS / "work_values.toml").read_text(encoding="utf-8").split("key =")[0]
    assert "paired comparison" in head and "everything is important" in head
