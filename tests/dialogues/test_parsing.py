"""Typed and tapped replies, for every question type, in French and English.

Each rejection is also checked as the person would read it: the French message
is in French, the English one in English.
"""

from __future__ import annotations

import pytest

from dialogues.engine import (
    Accepted,
    JSONValue,
    Rejected,
    finish_multi,
    parse_button,
    parse_other_text,
    parse_text_answer,
    step_by_id,
    toggle_multi,
)
from dialogues.engine.navigation import Step
from dialogues.instruments import Instrument, LocalizedText, Question, QuestionType, load_all
from dialogues.messages import error_message

NBSP_CHARS = str.maketrans({"\u00a0": " ", "\u202f": " "})


def plain(text: str) -> str:
    """The message with no-break spaces shown as ordinary spaces, for readable asserts."""
    return text.translate(NBSP_CHARS)


def rejected(question: Question, text: str, locale: str = "fr") -> Rejected:
    result = parse_text_answer(question, text, locale)
    assert isinstance(result, Rejected), f"{text!r} was accepted as {result}"
    return result


def messages(result: Rejected) -> tuple[str, str]:
    return plain(error_message(result, "fr")), plain(error_message(result, "en"))


@pytest.fixture(scope="module")
def dossier() -> Instrument:
    return load_all()["dossier_auto_bilan"]


def q(kind: QuestionType, **fields: object) -> Question:
    return Question(key="q", type=kind, text=LocalizedText("Question ?", "Question?"), **fields)  # type: ignore[arg-type]


YEARS = LocalizedText("ans", "years")

# ------------------------------------------------------------------------ text


def test_text_is_stripped() -> None:
    assert parse_text_answer(q(QuestionType.TEXT), "  Cariste  \n", "fr") == Accepted("Cariste")


def test_text_too_short_and_too_long() -> None:
    question = q(QuestionType.TEXT, min_length=5, max_length=10)
    short = rejected(question, "abc")
    assert short == Rejected("too_short", {"min": 5})
    fr, en = messages(short)
    assert fr == "Votre réponse est un peu courte : écrivez au moins 5 caractères."
    assert en == "Your answer is a little short: please write at least 5 characters."
    long = rejected(question, "x" * 12)
    assert long == Rejected("too_long", {"max": 10, "length": 12})
    fr, en = messages(long)
    assert "12 caractères" in fr and "10" in fr and "raccourcir" in fr
    assert "12 characters" in en and "shorten" in en


def test_blank_reply_is_refused_kindly() -> None:
    fr, en = messages(rejected(q(QuestionType.TEXT), "   "))
    assert fr == "Vous pouvez écrire votre réponse dans un message."
    assert en == "Please write your answer in a message."


# ---------------------------------------------------------------------- number


@pytest.mark.parametrize(
    ("text", "locale", "value"),
    [
        ("12", "fr", 12),
        ("12,5", "fr", 12.5),
        ("12.5", "fr", 12.5),
        ("12.5", "en", 12.5),
        ("12,5", "en", 12.5),
        ("3 ans", "fr", 3),
        ("3 years", "en", 3),
        ("3ans", "fr", 3),
        ("12,0", "fr", 12),
        ("1 500", "fr", 1500),
        ("1\u202f500", "fr", 1500),
        ("1,500", "en", 1500),
        ("1,500", "fr", 1.5),
        ("-3", "fr", -3),
        ("\u22123", "fr", -3),
    ],
)
def test_numbers_in_both_languages(text: str, locale: str, value: float) -> None:
    question = q(QuestionType.NUMBER, min=-10, max=2000, unit=YEARS)
    result = parse_text_answer(question, text, locale)
    assert result == Accepted(value)
    assert isinstance(result, Accepted) and type(result.value) is type(value)


def test_number_with_the_question_unit_spelled_out(dossier: Instrument) -> None:
    salary = dossier.question("salaire_minimum")
    assert parse_text_answer(salary, "1800 € net par mois", "fr") == Accepted(1800)
    assert parse_text_answer(salary, "2 000 €", "fr") == Accepted(2000)


@pytest.mark.parametrize("text", ["trois", "3 ans et demi", "12.5.3", "1 2", "environ 12", "12,"])
def test_not_a_number(text: str) -> None:
    result = rejected(q(QuestionType.NUMBER, unit=YEARS), text)
    assert result.code == "not_a_number"
    fr, en = messages(result)
    assert fr == "Indiquez un nombre, par exemple 12 ou 12,5."
    assert en == "Please enter a number, for example 12 or 12.5."


def test_number_out_of_bounds_names_the_bounds_with_the_unit() -> None:
    question = q(QuestionType.NUMBER, min=0, max=60, unit=YEARS)
    result = rejected(question, "70")
    assert result == Rejected("out_of_bounds", {"min": 0, "max": 60, "unit": YEARS})
    fr, en = messages(result)
    assert fr == "Indiquez un nombre entre 0 et 60 ans."
    assert en == "Please enter a number between 0 and 60 years."


def test_one_sided_bounds() -> None:
    fr, en = messages(rejected(q(QuestionType.NUMBER, min=1.5), "1"))
    assert fr == "Indiquez un nombre supérieur ou égal à 1,5." and en.endswith("at least 1.5.")
    fr, en = messages(rejected(q(QuestionType.NUMBER, max=20000), "25000"))
    assert fr == "Indiquez un nombre inférieur ou égal à 20 000." and en.endswith("at most 20,000.")


# ------------------------------------------------------------------ month_year


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("03/2019", "fr"),
        ("3/2019", "fr"),
        ("3-2019", "fr"),
        ("3.2019", "fr"),
        ("mars 2019", "fr"),
        ("Mars 2019", "fr"),
        ("MARS 2019", "fr"),
        ("en mars 2019", "fr"),
        ("2019-03", "fr"),
        ("2019/3", "fr"),
        ("March 2019", "en"),
        ("Mar 2019", "en"),
        ("mar. 2019", "en"),
        ("03/2019", "en"),
        ("2019-03", "en"),
        ("March 2019", "fr"),
    ],
)
def test_month_year_forms(text: str, locale: str) -> None:
    assert parse_text_answer(q(QuestionType.MONTH_YEAR), text, locale) == Accepted("2019-03")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("août 2020", "2020-08"),
        ("aout 2020", "2020-08"),
        ("févr. 2021", "2021-02"),
        ("Décembre 1998", "1998-12"),
        ("sept 2001", "2001-09"),
        ("juil. 2010", "2010-07"),
    ],
)
def test_french_month_names_with_or_without_accents(text: str, value: str) -> None:
    assert parse_text_answer(q(QuestionType.MONTH_YEAR), text, "fr") == Accepted(value)


@pytest.mark.parametrize(
    "text", ["13/2019", "0/2019", "03/19", "2019", "mars", "brumaire 2019", "03/1850", "hier"]
)
def test_bad_month_year(text: str) -> None:
    result = rejected(q(QuestionType.MONTH_YEAR), text)
    assert result.code == "bad_month_year"
    fr, en = messages(result)
    assert fr == "Indiquez un mois et une année, par exemple 03/2019 ou mars 2019."
    assert en == "Please give a month and a year, for example 03/2019 or March 2019."


# ------------------------------------------------------------------------ date


@pytest.mark.parametrize(
    ("text", "locale", "value"),
    [
        ("12/03/2024", "fr", "2024-03-12"),
        ("12.03.2024", "fr", "2024-03-12"),
        ("12 mars 2024", "fr", "2024-03-12"),
        ("1er mars 2024", "fr", "2024-03-01"),
        ("mardi 12 mars 2024", "fr", "2024-03-12"),
        ("le 12 mars 2024", "fr", "2024-03-12"),
        ("2024-03-12", "fr", "2024-03-12"),
        ("03/12/2024", "fr", "2024-12-03"),  # French: day first, always
        ("2024-03-12", "en", "2024-03-12"),
        ("12 March 2024", "en", "2024-03-12"),
        ("March 12, 2024", "en", "2024-03-12"),
        ("1st March 2024", "en", "2024-03-01"),
        ("March 1st, 2024", "en", "2024-03-01"),
        ("25/03/2024", "en", "2024-03-25"),  # only one reading
        ("03/25/2024", "en", "2024-03-25"),  # only one reading
        ("05/05/2024", "en", "2024-05-05"),  # both readings agree
        ("29/02/2024", "fr", "2024-02-29"),
    ],
)
def test_dates(text: str, locale: str, value: str) -> None:
    assert parse_text_answer(q(QuestionType.DATE), text, locale) == Accepted(value)


def test_english_numeric_date_readable_both_ways_is_not_guessed() -> None:
    result = rejected(q(QuestionType.DATE), "03/04/2024", "en")
    assert result.code == "ambiguous_date"
    fr, en = messages(result)
    assert "deux façons" in fr and "en lettres" in fr
    assert "two ways" in en and "in letters" in en


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("31/02/2024", "fr"),
        ("31/02/2024", "en"),
        ("29/02/2023", "fr"),
        ("03/25/2024", "fr"),
        ("31 avril 2024", "fr"),
        ("2024-02-30", "en"),
    ],
)
def test_dates_that_do_not_exist(text: str, locale: str) -> None:
    result = rejected(q(QuestionType.DATE), text, locale)
    assert result.code == "date_does_not_exist"
    fr, en = messages(result)
    assert fr == "Cette date n'existe pas dans le calendrier. Pouvez-vous la vérifier ?"
    assert en == "This date does not exist in the calendar. Could you check it?"


@pytest.mark.parametrize("text", ["12/03/24", "12 mars", "demain", "03/2024", "12 truc 2024"])
def test_bad_dates(text: str) -> None:
    result = rejected(q(QuestionType.DATE), text)
    assert result.code == "bad_date"
    fr, en = messages(result)
    assert fr == "Indiquez une date complète, par exemple 12/03/2024 ou 12 mars 2024."
    assert "full date" in en


# ---------------------------------------------------------------------- yes_no


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("oui", True),
        ("Oui", True),
        ("OUI !", True),
        ("o", True),
        ("yes", True),
        ("Y", True),
        ("non", False),
        ("Non.", False),
        ("no", False),
        ("N", False),
    ],
)
def test_yes_no_typed(text: str, value: bool) -> None:
    assert parse_text_answer(q(QuestionType.YES_NO), text, "fr") == Accepted(value)


def test_yes_no_neither() -> None:
    fr, en = messages(rejected(q(QuestionType.YES_NO), "peut-être"))
    assert fr == "Appuyez sur un bouton, ou répondez « oui » ou « non »."
    assert en == "Please tap a button, or type “yes” or “no”."


# -------------------------------------------------------------- single_choice


@pytest.mark.parametrize(
    "text",
    [
        "En recherche d'emploi",
        "en recherche d’emploi",
        "EN RECHERCHE D'EMPLOI",
        "Looking for work",
        "5",
        " 5. ",
    ],
)
def test_single_choice_label_or_number(dossier: Instrument, text: str) -> None:
    assert parse_text_answer(dossier.question("statut"), text, "fr") == Accepted("recherche")


def test_single_choice_ignores_accents_and_inclusive_dot(dossier: Instrument) -> None:
    statut = dossier.question("statut")
    assert parse_text_answer(statut, "salarié·e en cdi", "fr") == Accepted("cdi")
    assert parse_text_answer(statut, "Salarie·e en CDI", "fr") == Accepted("cdi")


@pytest.mark.parametrize("text", ["9", "0", "chômage", "Salarié"])
def test_single_choice_unknown(dossier: Instrument, text: str) -> None:
    """Six choices and "Autre": the message speaks of the seven buttons shown."""
    result = rejected(dossier.question("statut"), text)
    assert result == Rejected("not_a_choice_or_other", {"max": 6})
    fr, en = messages(result)
    assert fr == (
        "Appuyez sur l'un des boutons, ou tapez le numéro de votre réponse (de 1 à 6) ; "
        "pour répondre avec vos mots, appuyez sur « Autre : précisez »."
    )
    assert en == (
        "Please tap one of the buttons, or type the number of your answer (1 to 6); "
        "to answer in your own words, tap “Other”."
    )


# --------------------------------------------------------------- multi_choice


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1, 3 et 4", ["rigueur", "adaptabilite", "autonomie"]),
        ("4 1", ["rigueur", "autonomie"]),
        ("Créativité, rigueur", ["rigueur", "creativite"]),
        ("Curiosity and 1", ["rigueur", "curiosite"]),
        ("Écoute", ["ecoute"]),
    ],
)
def test_multi_choice_typed(dossier: Instrument, text: str, value: list[JSONValue]) -> None:
    assert parse_text_answer(dossier.question("qualites"), text, "fr") == Accepted(value)


def test_multi_choice_typed_with_an_unknown_item(dossier: Instrument) -> None:
    assert rejected(dossier.question("qualites"), "1, 99").code == "not_choices"


def test_multi_choice_buttons_draft_then_validate(dossier: Instrument) -> None:
    question = dossier.question("qualites")
    draft = toggle_multi(question, None, "curiosite")
    assert draft == Accepted(["curiosite"])
    draft = toggle_multi(question, ["curiosite"], "rigueur")
    assert draft == Accepted(["curiosite", "rigueur"])
    draft = toggle_multi(question, ["curiosite", "rigueur"], "curiosite")
    assert draft == Accepted(["rigueur"])
    with_other = parse_other_text(question, "  Humour ", ["rigueur"])
    assert with_other == Accepted({"choices": ["rigueur"], "other": "Humour"})
    assert finish_multi(question, ["curiosite", "rigueur"]) == Accepted(["rigueur", "curiosite"])
    assert finish_multi(question, {"choices": [], "other": "Humour"}) == Accepted(
        {"choices": [], "other": "Humour"}
    )
    assert toggle_multi(question, {"choices": ["rigueur"], "other": "Humour"}, "other") == Accepted(
        ["rigueur"]
    )


def test_multi_choice_forged_or_empty(dossier: Instrument) -> None:
    question = dossier.question("qualites")
    assert toggle_multi(question, [], "inconnue") == Rejected("not_allowed")
    empty = finish_multi(question, [])
    assert empty == Rejected("choose_at_least_one")
    assert isinstance(empty, Rejected)
    fr, en = messages(empty)
    assert fr == "Choisissez au moins une réponse, puis appuyez sur « Valider »."
    assert en == "Please choose at least one answer, then tap “Done”."


def test_other_text_for_single_choice(dossier: Instrument) -> None:
    statut = dossier.question("statut")
    assert parse_other_text(statut, "Saisonnier agricole") == Accepted(
        {"other": "Saisonnier agricole"}
    )
    assert parse_other_text(statut, " ") == Rejected("empty_answer")
    assert parse_other_text(statut, "x" * 501) == Rejected("too_long", {"max": 500, "length": 501})
    assert parse_other_text(dossier.question("echeance"), "bientôt") == Rejected("not_allowed")


# ---------------------------------------------------------------------- scale


@pytest.mark.parametrize(("text", "value"), [("1", 0), ("4", 3), ("4/5", 3), ("5 / 5", 4)])
def test_scale_typed_as_shown_on_buttons(dossier: Instrument, text: str, value: int) -> None:
    assert parse_text_answer(dossier.question("satisfaction"), text, "fr") == Accepted(value)


@pytest.mark.parametrize("text", ["0", "6", "bien", "3,5"])
def test_scale_out_of_range(dossier: Instrument, text: str) -> None:
    result = rejected(dossier.question("satisfaction"), text)
    assert result == Rejected("not_on_scale", {"min": 1, "max": 5})
    fr, en = messages(result)
    assert fr == "Appuyez sur un bouton, ou tapez un chiffre de 1 à 5."
    assert en == "Please tap a button, or type a number from 1 to 5."


# --------------------------------------------------------------------- buttons


def step(instrument: Instrument, answers: dict[str, object], step_id: str) -> Step:
    found = step_by_id(instrument, answers, step_id)
    assert found is not None
    return found


def test_buttons_are_checked_against_the_question(dossier: Instrument) -> None:
    statut = step(dossier, {}, "statut")
    assert parse_button(statut, "cdd") == Accepted("cdd")
    assert parse_button(statut, "zzz") == Rejected("not_allowed")
    assert parse_button(statut, "skip") == Rejected("cannot_skip")
    assert parse_button(statut, "unknown") == Rejected("not_allowed")
    satisfaction = step(dossier, {}, "satisfaction")
    assert parse_button(satisfaction, "4") == Accepted(4)
    assert parse_button(satisfaction, "5") == Rejected("not_allowed")
    assert parse_button(satisfaction, "-1") == Rejected("not_allowed")
    permis = step(dossier, {}, "permis")
    assert parse_button(permis, "yes") == Accepted(True)
    assert parse_button(permis, "cdd") == Rejected("not_allowed")


def test_skip_and_unknown_buttons(dossier: Instrument) -> None:
    optional = step(dossier, {"statut": "recherche"}, "dernier_poste")
    assert parse_button(optional, "skip") == Accepted({"skipped": True})
    unknown = step(dossier, {"statut": "cdd"}, "fin_contrat")
    assert parse_button(unknown, "unknown") == Accepted({"unknown": True})
    fr, en = messages(Rejected("cannot_skip"))
    assert "ne peut pas être passée" in fr and "cannot be skipped" in en
    fr, en = messages(Rejected("not_allowed"))
    assert "Ce bouton" in fr and "This button" in en


def test_non_text_message_code_has_words_in_both_languages() -> None:
    fr, en = messages(Rejected("expected_text"))
    assert fr == "Merci de répondre par un message écrit."
    assert en == "Please answer with a written message."


def test_french_messages_use_no_break_spaces() -> None:
    message = error_message(Rejected("date_does_not_exist"), "fr")
    assert message.endswith("vérifier\u202f?")
    assert error_message(Rejected("not_yes_no"), "fr").count("«\u00a0") == 2
