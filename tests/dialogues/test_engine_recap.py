"""The recap shows answers as a person reads them, in their language."""

from __future__ import annotations

import pytest

from dialogues.engine import RecapSection, format_answer, recap
from dialogues.instruments import Instrument, LocalizedText, Question, QuestionType, load_all

NBSP, NNBSP = "\u00a0", "\u202f"

ANSWERS: dict[str, object] = {
    "statut": "cdd",
    "poste_actuel": "Cariste",
    "poste_depuis": "2019-03",
    "fin_contrat": "2024-03-01",
    "dernier_poste": "hidden because statut is cdd",
    "initiative": {"other": "Une amie"},
    "satisfaction": 0,
    "niveau_diplome": "bac",
    "detailler_diplomes": True,
    "diplome_intitule#1": "CAP Conducteur d'engins",
    "diplome_etat#1": "obtenu",
    "diplome_annee#1": 2015,
    "diplomes#more#1": True,
    "diplome_intitule#2": "Titre professionnel",
    "diplome_etat#2": "en_cours",
    "diplomes#more#2": False,
    "formations_suivies": {"skipped": True},
    "qualites": {"choices": ["rigueur", "curiosite"], "other": "Humour"},
    "ampleur": {"unknown": True},
    "permis": True,
    "salaire_minimum": 1800,
}


@pytest.fixture(scope="module")
def dossier() -> Instrument:
    return load_all()["dossier_auto_bilan"]


def by_id(sections: list[RecapSection]) -> dict[str, str]:
    return {item.step_id: item.answer for section in sections for item in section.items}


def test_recap_in_french(dossier: Instrument) -> None:
    sections = recap(dossier, ANSWERS, "fr")
    answers = by_id(sections)
    assert answers["poste_actuel"] == "Cariste"
    assert answers["poste_depuis"] == "mars 2019"
    assert answers["fin_contrat"] == "1er mars 2024"
    assert answers["initiative"] == f"Autre{NBSP}: Une amie"
    assert answers["satisfaction"] == "1/5 (Pas bien du tout)"
    assert answers["niveau_diplome"] == "Baccalauréat ou équivalent"
    assert answers["diplome_annee#1"] == "2015"
    assert answers["formations_suivies"] == "Passée"
    assert answers["qualites"] == f"Rigueur, Curiosité, Autre{NBSP}: Humour"
    assert answers["ampleur"] == "Je ne sais pas"
    assert answers["permis"] == "Oui"
    assert answers["salaire_minimum"] == f"1800{NBSP}€ net par mois"
    assert answers["detailler_diplomes"] == "Oui"


def test_recap_in_english(dossier: Instrument) -> None:
    answers = by_id(recap(dossier, ANSWERS, "en"))
    assert answers["poste_depuis"] == "March 2019"
    assert answers["fin_contrat"] == "1 March 2024"
    assert answers["initiative"] == "Other: Une amie"
    assert answers["satisfaction"] == "1/5 (Not good at all)"
    assert answers["formations_suivies"] == "Skipped"
    assert answers["ampleur"] == "I don't know"
    assert answers["permis"] == "Yes"
    assert answers["salaire_minimum"] == f"1800{NBSP}€ net per month"


def test_recap_leaves_out_hidden_bookkeeping_and_unanswered(dossier: Instrument) -> None:
    answers = by_id(recap(dossier, ANSWERS, "fr"))
    assert "dernier_poste" not in answers  # hidden: statut is cdd
    assert "diplomes#more#1" not in answers
    assert "diplome_annee#2" not in answers  # hidden: still in progress
    assert "reussite_1" not in answers  # not answered yet


def test_recap_groups_by_section_and_occurrence(dossier: Instrument) -> None:
    sections = recap(dossier, ANSWERS, "fr")
    heads = [(s.title, s.occurrence) for s in sections]
    assert heads[:4] == [
        ("Votre situation aujourd'hui", None),
        ("Votre parcours de formation", None),
        ("Vos diplômes et certifications", 1),
        ("Vos diplômes et certifications", 2),
    ]
    first = sections[0].items[0]
    assert first.question == f"Quelle est votre situation professionnelle aujourd'hui{NNBSP}?"
    assert first.answer == "Salarié·e en CDD ou en intérim"


def test_numbers_french_style() -> None:
    years = Question(
        "q", QuestionType.NUMBER, LocalizedText("Q ?", "Q?"), unit=LocalizedText("ans", "years")
    )
    assert format_answer(years, 12.5, "fr") == f"12,5{NBSP}ans"
    assert format_answer(years, 12.5, "en") == f"12.5{NBSP}years"
    assert format_answer(years, 25000, "fr") == f"25{NNBSP}000{NBSP}ans"
    assert format_answer(years, "douze", "fr") == "—"  # does not fit: never shown as if it did


def test_dates_and_months() -> None:
    date = Question("d", QuestionType.DATE, LocalizedText("Q ?", "Q?"))
    assert format_answer(date, "2024-03-12", "fr") == "12 mars 2024"
    assert format_answer(date, "2024-03-12", "en") == "12 March 2024"
    month = Question("m", QuestionType.MONTH_YEAR, LocalizedText("Q ?", "Q?"))
    assert format_answer(month, "2020-08", "fr") == "août 2020"
