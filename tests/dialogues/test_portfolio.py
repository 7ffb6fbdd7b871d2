"""Gathering skills from a dossier the way people really write it."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dialogues.instruments import load_all
from dialogues.portfolio import (
    LABEL_MAX,
    EvidenceChoice,
    GatheredSkill,
    evidence_choices,
    fold,
    gather,
    split_items,
)
from dialogues.rome import load_rome

DOSSIER = load_all()["dossier_auto_bilan"]

SAVOIR_FAIRE = """- Accueillir le public et orienter les patients
- Tenir un planning de rendez-vous ; gérer les urgences
• Rédiger des comptes rendus, saisir les dossiers patients
1. Former les nouvelles collègues.
2) former les nouvelles collègues
Gestion des stocks - commandes fournisseurs
Prise de rendez-vous, etc.
"""

ANSWERS: dict[str, Any] = {
    "savoir_faire": SAVOIR_FAIRE,
    "qualites": {"choices": ["rigueur", "ecoute", "calme"], "other": "Ponctualité, patience"},
    "exp_poste#1": "Secrétaire médicale",
    "experiences#more#1": True,
    "exp_poste#2": "Agent d'accueil en mairie (remplacements d'été)",
    "experiences#more#2": False,
    # Typed before the person went back and said "no more": not part of the dossier.
    "exp_poste#3": "Caissière",
    "reussite_1": "J'ai réorganisé le planning du cabinet : plus aucun double rendez-vous.",
    "reussite_2": "J'ai formé deux remplaçantes en une semaine.",
    "reussite_3": {"skipped": True},
}


def labels(skills: list[GatheredSkill], kind: str) -> list[str]:
    return [s.label for s in skills if s.kind == kind]


def test_typed_savoir_faire_become_one_skill_per_item() -> None:
    skills = gather(ANSWERS, DOSSIER, "fr", [])
    assert labels(skills, "savoir_faire") == [
        "Accueillir le public et orienter les patients",
        "Tenir un planning de rendez-vous",
        "Gérer les urgences",
        "Rédiger des comptes rendus",
        "Saisir les dossiers patients",
        "Former les nouvelles collègues",
        "Gestion des stocks",
        "Commandes fournisseurs",
        "Prise de rendez-vous",
    ]
    assert all(s.source == "dossier" for s in skills if s.kind == "savoir_faire")


def test_hyphenated_words_and_inclusive_writing_stay_whole() -> None:
    assert split_items("Savoir-faire en prise de rendez-vous, accueil des client·es") == [
        "Savoir-faire en prise de rendez-vous",
        "Accueil des client·es",
    ]


def test_qualities_are_savoir_etre_in_the_person_language_with_their_own_words() -> None:
    french = gather(ANSWERS, DOSSIER, "fr", [])
    english = gather(ANSWERS, DOSSIER, "en", [])
    assert labels(french, "savoir_etre") == [
        "Rigueur",
        "Écoute",
        "Calme sous pression",
        "Ponctualité",
        "Patience",
    ]
    assert labels(english, "savoir_etre")[:3] == [
        "Thoroughness",
        "Listening",
        "Calm under pressure",
    ]
    # The same quality keeps its reference whatever the language: a level set on it survives.
    assert [s.source_ref for s in french if s.kind == "savoir_etre"][:3] == [
        "dossier:qualites:rigueur",
        "dossier:qualites:ecoute",
        "dossier:qualites:calme",
    ]
    assert [s.source_ref for s in english if s.kind == "savoir_etre"] == [
        s.source_ref for s in french if s.kind == "savoir_etre"
    ]


def test_rome_skills_come_after_the_dossier_with_their_kind_and_repeats_are_dropped() -> None:
    rome = load_rome()
    ticked = [rome.skill("400718"), rome.skill("300412")]
    answers = {**ANSWERS, "savoir_faire": "appliquer un protocole de soin\nAccueil"}
    skills = gather(answers, DOSSIER, "fr", ticked)
    assert [(s.kind, s.source, s.label) for s in skills if s.source == "rome"] == [
        ("savoir_etre", "rome", "Etre à l'écoute, faire preuve d'empathie")
    ]
    assert skills[0] == GatheredSkill(
        "savoir_faire",
        "dossier",
        "dossier:savoir_faire:appliquer un protocole de soin",
        "Appliquer un protocole de soin",
    )


def test_references_are_stable_across_case_and_accents() -> None:
    first = gather({"savoir_faire": "Gérer un budget"}, DOSSIER, "fr", [])
    again = gather({"savoir_faire": "- GERER UN BUDGET."}, DOSSIER, "fr", [])
    assert [s.source_ref for s in first] == [s.source_ref for s in again]
    assert fold("Écoute  Active") == "ecoute active"


def test_no_dossier_no_malformed_answer_gives_nothing_but_rome() -> None:
    rome = load_rome()
    assert gather(None, DOSSIER, "fr", []) == []
    assert (
        gather({"savoir_faire": {"skipped": True}, "qualites": "rigueur"}, DOSSIER, "fr", []) == []
    )
    only_rome = gather(None, DOSSIER, "fr", [rome.skill("400718")])
    assert [s.source_ref for s in only_rome] == ["rome:400718"]
    # A choice removed from the instrument since is left out rather than guessed.
    assert labels(gather({"qualites": ["rigueur", "gone"]}, DOSSIER, "fr", []), "savoir_etre") == [
        "Rigueur"
    ]


def test_items_are_two_to_150_characters() -> None:
    long_item = "x" * (LABEL_MAX + 1)
    assert split_items(f"a\n{long_item}\nok\n---\n; ;") == ["Ok"]


def test_evidence_choices_are_the_dossier_experiences_and_achievements() -> None:
    choices = evidence_choices(ANSWERS)
    assert [(c.source, c.ref) for c in choices] == [
        ("experience", "exp_poste#1"),
        ("experience", "exp_poste#2"),
        ("achievement", "reussite_1"),
        ("achievement", "reussite_2"),
    ]
    assert choices[1].title == "Agent d'accueil en mairie…"  # never "(remplacement…"
    assert len(choices[1].title) <= 40
    assert choices[1].text == ANSWERS["exp_poste#2"]
    assert choices[2].text == ANSWERS["reussite_1"]
    assert [c.number for c in choices] == [1, 2, 1, 2]
    assert evidence_choices(None) == []
    assert isinstance(choices[0], EvidenceChoice)


@given(st.text(max_size=400))
def test_any_text_splits_into_clean_distinct_items(text: str) -> None:
    items = split_items(text)
    assert len({fold(i) for i in items}) == len(items)
    for item in items:
        assert 2 <= len(item) <= LABEL_MAX
        assert item == item.strip() and "\n" not in item and ";" not in item


def test_gathering_a_full_dossier_is_fast() -> None:
    rome = load_rome()
    savoir_etre = rome.skills("J1506")[1]
    savoir_faire = rome.skills("J1506")[0]
    answers = {
        **ANSWERS,
        "savoir_faire": "\n".join(f"- Savoir-faire numéro {n}, variante {n}" for n in range(150)),
    }
    began = time.perf_counter()
    for _ in range(20):
        skills = gather(answers, DOSSIER, "fr", savoir_faire + savoir_etre)
    per_gathering = (time.perf_counter() - began) / 20
    assert len(skills) > 300
    print(f"\ngathering {len(skills)} skills: {per_gathering * 1000:.2f} ms")
    assert per_gathering < 0.1
