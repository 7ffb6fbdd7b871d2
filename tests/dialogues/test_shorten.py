"""Labels shortened on a word, with "…": never "— 2 décembr"."""

from __future__ import annotations

import pytest

from dialogues.typography import shorten


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        (
            "📖 Vos centres d'intérêt (RIASEC) — 2 décembre 2026",
            45,
            "📖 Vos centres d'intérêt (RIASEC) — 2…",
        ),
        (
            "Relire le dossier même sans y avoir travaillé",
            40,
            "Relire le dossier même sans y avoir…",
        ),
        ("Court", 60, "Court"),
        ("  deux   mots  ", 60, "deux mots"),
        ("Exactement dix", 14, "Exactement dix"),
        ("Anticonstitutionnellement", 10, "Anticonst…"),
        ("Léa Roux — phase d'investigation", 12, "Léa Roux…"),
    ],
)
def test_shorten_cuts_after_a_whole_word(text: str, limit: int, expected: str) -> None:
    shortened = shorten(text, limit)
    assert shortened == expected
    assert len(shortened) <= limit


def test_every_cut_ends_on_a_word_of_the_original() -> None:
    text = "Prendre contact avec trois entreprises du secteur médico-social avant la séance"
    words = text.split()
    for limit in range(12, len(text)):
        shortened = shorten(text, limit)
        assert len(shortened) <= limit
        assert shortened.endswith("…")
        assert shortened[:-1].split()[-1] in words, (limit, shortened)
