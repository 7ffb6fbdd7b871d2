"""Every shipped instrument loads, and the dossier auto-bilan keeps its promises."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from dialogues.instruments import (
    DEFAULT_DIRECTORY,
    Instrument,
    QuestionType,
    load_all,
    load_instrument,
)

SHIPPED = sorted(DEFAULT_DIRECTORY.glob("*.toml"))


def test_there_are_instruments_to_check() -> None:
    assert "dossier_auto_bilan.toml" in {p.name for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_instrument_loads(path: Path) -> None:
    instrument = load_instrument(path)
    assert instrument.key == path.stem
    assert instrument.source.fr and instrument.source.en


def test_load_all_returns_every_file_once_and_is_cached() -> None:
    instruments = load_all()
    assert set(instruments) == {p.stem for p in SHIPPED}
    assert load_all() is instruments
    with pytest.raises(TypeError):
        instruments["x"] = instruments["dossier_auto_bilan"]  # type: ignore[index]  # read-only on purpose


@pytest.fixture(scope="module")
def dossier() -> Instrument:
    return load_all()["dossier_auto_bilan"]


def test_dossier_size_and_variety(dossier: Instrument) -> None:
    questions = [q for _, q in dossier.questions()]
    assert 40 <= len(questions) <= 60
    assert set(Counter(q.type for q in questions)) == set(QuestionType)
    assert any(q.show_if for q in questions)
    assert any(q.optional for q in questions)
    assert any(q.allow_unknown for q in questions)
    assert any(q.help for q in questions)
    assert any(s.repeat for s in dossier.sections)


def test_dossier_has_the_preliminary_phase_headings(dossier: Instrument) -> None:
    assert [s.key for s in dossier.sections] == [
        "situation",
        "formation",
        "diplomes",
        "formation_continue",
        "experiences",
        "competences",
        "reussites",
        "interets",
        "motivations",
        "contraintes",
        "criteres",
        "pistes",
    ]
    experience = {q.key for q in dossier.sections[4].questions}
    assert {
        "exp_poste",
        "exp_structure",
        "exp_debut",
        "exp_missions",
        "exp_aime",
        "exp_moins_aime",
    } <= experience


def test_dossier_asks_nothing_the_bilan_does_not_use(dossier: Instrument) -> None:
    forbidden = re.compile(
        r"\b(naissance|âge|nationalité|enfants?|marié|conjoint|famille|familiale|religion|syndicat|syndical|politique)\b",
        re.IGNORECASE,
    )
    for _, q in dossier.questions():
        texts = [q.text.fr, q.help.fr if q.help else ""] + [c.label.fr for c in q.choices]
        assert not any(forbidden.search(t) for t in texts), q.key


def test_health_is_optional_and_announced_as_such(dossier: Instrument) -> None:
    health = [
        q for _, q in dossier.questions() if "santé" in q.text.fr or q.key.startswith("sante")
    ]
    assert health
    assert all(q.optional for q in health)
    assert dossier.question("sante").text.fr.startswith("Question facultative")
    help_text = dossier.question("sante").help
    assert help_text is not None and "diagnostic" in help_text.fr


def test_french_texts_use_no_break_spaces_before_double_punctuation(dossier: Instrument) -> None:
    for _, q in dossier.questions():
        assert not re.search(r" [?!;:]", q.text.fr), q.key
        assert q.text.fr != q.text.en, q.key


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_instrument_has_a_title_for_the_counsellor(path: Path) -> None:
    """The counsellor reads "Paul a terminé « Dossier d'auto-bilan »", not "« Votre dossier »"."""
    instrument = load_instrument(path)
    assert instrument.third_person_title is not None, path.name
    for locale in ("fr", "en"):
        about = instrument.title_about(locale)
        assert about and about != instrument.title.get(locale)
        assert not re.search(r"\b(vos|votre|vous|your|you)\b", about, re.IGNORECASE), about


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_section_has_a_title_for_the_counsellor(path: Path) -> None:
    """The counsellor's reading of the answers names the parts "Réussites", not "Vos réussites"."""
    instrument = load_instrument(path)
    for section in instrument.sections:
        assert section.third_person_title is not None, (path.name, section.key)
        for locale in ("fr", "en"):
            about = section.title_about(locale)
            assert about == section.third_person_title.get(locale)
            assert not re.search(r"\b(vos|votre|vous|your|you)\b", about, re.IGNORECASE), about


def test_a_repeated_section_is_named_about_the_person(dossier: Instrument) -> None:
    experiences = next(s for s in dossier.sections if s.key == "experiences")
    assert experiences.heading(2, "fr") == "Vos expériences professionnelles · expérience 2"
    assert experiences.heading(2, "fr", about=True) == "Expériences professionnelles · expérience 2"
    assert experiences.heading(2, "en", about=True) == "Work experience · experience 2"
