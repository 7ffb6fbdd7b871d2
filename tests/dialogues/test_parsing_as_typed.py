"""Answers read as people type them, on the shipped instruments.

"BTS" is the diploma "Bac +2 (BTS, DUT…)", "beaucoup" is "J'aime beaucoup", a
diploma year still to come is refused with the latest year allowed, and where a
question says an approximate date is enough, "vers 2015" or "l'été 2015" is.
"""

from __future__ import annotations

from datetime import date

import pytest

from dialogues.engine import Accepted, Rejected, format_answer, parse_text_answer
from dialogues.instruments import Instrument, Question, load_all
from dialogues.messages import error_message

TODAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def dossier() -> Instrument:
    return load_all()["dossier_auto_bilan"]


def question(instrument: Instrument, key: str) -> Question:
    return instrument.question(key)


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("typed", "key"),
    [("BTS", "bac2"), ("bts", "bac2"), ("DUT", "bac2"), ("Bac +2", "bac2"), ("2", None)],
)
def test_a_word_inside_a_choice_label_picks_it(dossier: Instrument, typed: str, key: str) -> None:
    level = question(dossier, "niveau_diplome")
    result = parse_text_answer(level, typed, "fr")
    assert isinstance(result, Accepted)
    if key is not None:
        assert result.value == key
        assert format_answer(level, result.value, "fr") == "Bac +2 (BTS, DUT…)"


def test_a_word_found_in_two_labels_is_not_guessed(dossier: Instrument) -> None:
    level = question(dossier, "niveau_diplome")
    assert isinstance(parse_text_answer(level, "bac", "fr"), Rejected)


@pytest.mark.parametrize(
    ("typed", "value"),
    [("beaucoup", 4), ("J'aime beaucoup", 4), ("pas du tout", 0), ("strongly like", 4), ("3", 2)],
)
def test_the_words_of_a_scale_end_pick_it(typed: str, value: int) -> None:
    riasec = load_all()["riasec_short"]
    item = riasec.sections[0].questions[0]
    assert parse_text_answer(item, typed, "fr") == Accepted(value)


def test_a_word_of_both_scale_ends_is_not_guessed() -> None:
    item = load_all()["riasec_short"].sections[0].questions[0]
    result = parse_text_answer(item, "aime", "fr")
    assert isinstance(result, Rejected)
    assert plain(error_message(result, "fr")) == (
        "Appuyez sur un bouton, ou tapez un chiffre de 1 à 5."
    )


def test_a_diploma_year_still_to_come_is_refused_clearly(dossier: Instrument) -> None:
    year = question(dossier, "diplome_annee")
    assert parse_text_answer(year, "2015", "fr", TODAY) == Accepted(2015)
    assert parse_text_answer(year, "2026", "fr", TODAY) == Accepted(2026)
    future = parse_text_answer(year, "2031", "fr", TODAY)
    assert isinstance(future, Rejected)
    assert plain(error_message(future, "fr")) == (
        "Cette année n'est pas encore arrivée : indiquez 2026 ou une année antérieure."
    )
    assert (
        error_message(future, "en") == "This year has not come yet: please enter 2026 or earlier."
    )
    words = parse_text_answer(year, "il y a longtemps", "fr", TODAY)
    assert isinstance(words, Rejected)
    assert error_message(words, "fr") == "Indiquez une année en quatre chiffres, par exemple 2015."
    assert "12,5" not in error_message(words, "fr")


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("vers 2015", "2015"),
        ("l'été 2015", "2015"),
        ("L’été 2015", "2015"),
        ("en 2015", "2015"),
        ("fin 2015", "2015"),
        ("2015", "2015"),
        ("around 2015", "2015"),
        ("summer 2015", "2015"),
        ("09/2015", "2015-09"),
        ("septembre 2015", "2015-09"),
    ],
)
def test_an_approximate_date_is_enough_where_the_question_says_so(
    dossier: Instrument, typed: str, value: str
) -> None:
    start = question(dossier, "exp_debut")
    result = parse_text_answer(start, typed, "fr", TODAY)
    assert result == Accepted(value)


def test_an_approximate_year_reads_back_as_such(dossier: Instrument) -> None:
    start = question(dossier, "exp_debut")
    assert format_answer(start, "2015", "fr") == "vers 2015"
    assert format_answer(start, "2015", "en") == "around 2015"


def test_a_year_alone_is_not_enough_elsewhere_and_the_future_is_refused(
    dossier: Instrument,
) -> None:
    since = question(dossier, "poste_depuis")
    assert isinstance(parse_text_answer(since, "vers 2015", "fr", TODAY), Rejected)
    later = parse_text_answer(since, "03/2027", "fr", TODAY)
    assert isinstance(later, Rejected) and later.code == "future_date"
    assert parse_text_answer(since, "12/2026", "fr", TODAY) == Accepted("2026-12")


def test_the_hint_names_every_button_where_other_is_offered() -> None:
    """Six choices and "Autre : précisez": seven buttons, and the message says so."""
    instrument = load_all()["dossier_auto_bilan"]
    with_other = next(
        q
        for section in instrument.sections
        for q in section.questions
        if q.other and q.type.value == "single_choice"
    )
    refused = parse_text_answer(with_other, "42", "fr")
    assert isinstance(refused, Rejected)
    count = len(with_other.choices)
    shown = plain(error_message(refused, "fr"))
    assert f"(de 1 à {count})" in shown and "« Autre : précisez »" in shown
