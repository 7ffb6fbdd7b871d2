"""Content mistakes are caught at load time, with a message naming file, question, problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogues.instruments import InstrumentError, answers_compatible, load_instrument

HEAD = """
key = "essai"
version = 2
kind = "{kind}"
estimated_minutes = 5
title = {{ fr = "Essai", en = "Trial" }}
source = {{ fr = "Écrit pour les tests", en = "Written for the tests" }}
{top}
"""

GOOD_SECTION = """
[[sections]]
key = "debut"
title = { fr = "Début", en = "Start" }

[[sections.questions]]
key = "statut"
type = "single_choice"
text = { fr = "Votre situation ?", en = "Your situation?" }
choices = [ { key = "a", fr = "A", en = "A" }, { key = "b", fr = "B", en = "B" } ]
"""


def write(
    tmp_path: Path, body: str, *, kind: str = "questionnaire", top: str = "", name: str = "essai"
) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(HEAD.format(kind=kind, top=top) + body, encoding="utf-8")
    return path


def question(key: str, lines: str) -> str:
    return f'\n[[sections.questions]]\nkey = "{key}"\n{lines}\n'


TEXT = 'text = { fr = "Une question ?", en = "A question?" }'
B = '{ key = "b", fr = "B", en = "B" }'
SCALE = 'scale = { points = 5, low = { fr = "Non", en = "No" }, high = { fr = "Oui", en = "Yes" } }'


def test_a_good_file_loads(tmp_path: Path) -> None:
    instrument = load_instrument(write(tmp_path, GOOD_SECTION))
    assert instrument.question("statut").choice("b") is not None
    section = instrument.sections[0]
    assert section.third_person_title is None and section.title_about("fr") == "Début"


BAD_QUESTIONS = [
    (
        "missing_en",
        question("q", 'type = "text"\ntext = { fr = "Bonjour ?" }'),
        "'text' must be a table with exactly the languages fr and en",
    ),
    (
        "empty_fr",
        question("q", 'type = "text"\ntext = { fr = "  ", en = "Hello?" }'),
        "'text' has an empty or missing 'fr' text",
    ),
    ("duplicate_key", question("statut", f'type = "text"\n{TEXT}'), "duplicate question key"),
    (
        "later_reference",
        question("q", f'type = "text"\n{TEXT}\nshow_if = {{ question = "r", equals = true }}')
        + question("r", f'type = "yes_no"\n{TEXT}'),
        "show_if refers to question 'r', which comes later",
    ),
    (
        "missing_reference",
        question("q", f'type = "text"\n{TEXT}\nshow_if = {{ question = "nulle", equals = "a" }}'),
        "show_if refers to question 'nulle', which does not exist",
    ),
    (
        "bad_choice_reference",
        question("q", f'type = "text"\n{TEXT}\nshow_if = {{ question = "statut", equals = "z" }}'),
        "show_if value 'z' is not a choice of 'statut'",
    ),
    (
        "bad_yes_no_reference",
        question("oui", f'type = "yes_no"\n{TEXT}')
        + question("q", f'type = "text"\n{TEXT}\nshow_if = {{ question = "oui", equals = "yes" }}'),
        "needs equals = true or false",
    ),
    (
        "contains_on_single",
        question(
            "q", f'type = "text"\n{TEXT}\nshow_if = {{ question = "statut", contains = "a" }}'
        ),
        "cannot use 'contains' on a single_choice question",
    ),
    (
        "depends_on_text",
        question("t", f'type = "text"\n{TEXT}')
        + question("q", f'type = "text"\n{TEXT}\nshow_if = {{ question = "t", equals = "x" }}'),
        "show_if cannot depend on the text question 't'",
    ),
    (
        "two_operators",
        question(
            "q",
            f'type = "text"\n{TEXT}\nshow_if = {{ question = "statut", equals = "a", in = ["b"] }}',
        ),
        "exactly one of 'equals', 'in' or 'contains'",
    ),
    (
        "uppercase_choice_key",
        question(
            "q",
            f'type = "single_choice"\n{TEXT}\n'
            'choices = [ { key = "A", fr = "A", en = "A" }, { key = "b", fr = "B", en = "B" } ]',
        ),
        "'choice key' must match [a-z0-9_]{1,16}",
    ),
    (
        "long_choice_key",
        question(
            "q",
            f'type = "single_choice"\n{TEXT}\n'
            'choices = [ { key = "abcdefghijklmnopq", fr = "A", en = "A" },'
            ' { key = "b", fr = "B", en = "B" } ]',
        ),
        "'choice key' must match [a-z0-9_]{1,16}",
    ),
    (
        "duplicate_choice",
        question(
            "q",
            f'type = "multi_choice"\n{TEXT}\n'
            'choices = [ { key = "a", fr = "A", en = "A" }, { key = "a", fr = "B", en = "B" } ]',
        ),
        "duplicate choice key 'a'",
    ),
    (
        "reserved_choice",
        question(
            "q",
            f'type = "single_choice"\n{TEXT}\n'
            f'choices = [ {{ key = "other", fr = "A", en = "A" }}, {B} ]',
        ),
        "choice key 'other' is reserved",
    ),
    (
        "one_choice",
        question(
            "q",
            f'type = "single_choice"\n{TEXT}\nchoices = [ {{ key = "a", fr = "A", en = "A" }} ]',
        ),
        "'choices' must list at least two choices",
    ),
    (
        "choice_without_en",
        question(
            "q",
            f'type = "single_choice"\n{TEXT}\n'
            'choices = [ { key = "a", fr = "A" }, { key = "b", fr = "B", en = "B" } ]',
        ),
        "missing field(s) en",
    ),
    (
        "min_above_max",
        question("q", f'type = "number"\n{TEXT}\nmin = 10\nmax = 2'),
        "'min' is greater than 'max'",
    ),
    (
        "min_length_above_max",
        question("q", f'type = "text"\n{TEXT}\nmin_length = 10\nmax_length = 2'),
        "'min_length' is greater than 'max_length'",
    ),
    (
        "typo_field",
        question("q", f'type = "text"\n{TEXT}\noptinal = true'),
        "unknown field(s) optinal",
    ),
    (
        "field_of_another_type",
        question("q", f'type = "text"\n{TEXT}\nunit = {{ fr = "ans", en = "years" }}'),
        "unknown field(s) unit",
    ),
    (
        "scale_without_points",
        question(
            "q",
            f'type = "scale"\n{TEXT}\n'
            'low = { fr = "Non", en = "No" }\nhigh = { fr = "Oui", en = "Yes" }',
        ),
        "a scale needs 'points'",
    ),
    (
        "scale_without_labels",
        question("q", f'type = "scale"\n{TEXT}\npoints = 5'),
        "a scale needs 'low' and 'high' labels",
    ),
    ("unknown_type", question("q", f'type = "essay"\n{TEXT}'), "'type' must be one of"),
    (
        "optional_not_bool",
        question("q", f'type = "text"\n{TEXT}\noptional = "yes"'),
        "'optional' must be true or false",
    ),
]


@pytest.mark.parametrize(
    ("body", "problem"), [c[1:] for c in BAD_QUESTIONS], ids=[c[0] for c in BAD_QUESTIONS]
)
def test_bad_question_names_file_question_and_problem(
    tmp_path: Path, body: str, problem: str
) -> None:
    with pytest.raises(InstrumentError) as caught:
        load_instrument(write(tmp_path, GOOD_SECTION + body))
    message = str(caught.value)
    assert message.startswith("essai.toml: question '")
    assert problem in message


def test_error_names_the_question_at_fault(tmp_path: Path) -> None:
    body = question("fin_contrat", 'type = "date"\ntext = { fr = "Quand ?", en = "" }')
    with pytest.raises(
        InstrumentError, match=r"^essai\.toml: question 'fin_contrat': 'text' has an empty"
    ):
        load_instrument(write(tmp_path, GOOD_SECTION + body))


def test_condition_cannot_reach_into_another_repeatable_section(tmp_path: Path) -> None:
    body = """
[[sections]]
key = "exp"
title = { fr = "Expériences", en = "Experience" }
repeat = { max = 3, add_prompt = { fr = "Une autre ?", en = "Another?" } }

[[sections.questions]]
key = "en_cours"
type = "yes_no"
text = { fr = "En cours ?", en = "Ongoing?" }

[[sections]]
key = "fin"
title = { fr = "Fin", en = "End" }
""" + question("q", f'type = "text"\n{TEXT}\nshow_if = {{ question = "en_cours", equals = true }}')
    with pytest.raises(
        InstrumentError, match="repeatable section 'exp', which has several answers"
    ):
        load_instrument(write(tmp_path, GOOD_SECTION + body))


def test_condition_inside_the_same_repeatable_section_is_fine(tmp_path: Path) -> None:
    body = """
[[sections]]
key = "exp"
title = { fr = "Expériences", en = "Experience" }
repeat = { max = 3, add_prompt = { fr = "Une autre ?", en = "Another?" } }

[[sections.questions]]
key = "en_cours"
type = "yes_no"
text = { fr = "En cours ?", en = "Ongoing?" }
""" + question(
        "fin", f'type = "month_year"\n{TEXT}\nshow_if = {{ question = "en_cours", equals = false }}'
    )
    instrument = load_instrument(write(tmp_path, GOOD_SECTION + body))
    assert instrument.question("fin").show_if is not None


@pytest.mark.parametrize(
    ("body", "top", "kind", "problem"),
    [
        (
            GOOD_SECTION + GOOD_SECTION,
            "",
            "questionnaire",
            "section 'debut': duplicate section key",
        ),
        ("", "", "questionnaire", "missing field(s) sections"),
        (GOOD_SECTION, "", "quiz", "'kind' must be one of"),
        (
            GOOD_SECTION,
            "compatible_versions = [2]",
            "questionnaire",
            "'compatible_versions' must be an integer from 1 to 1",
        ),
        (GOOD_SECTION, "colour = 'blue'", "questionnaire", "unknown field(s) colour"),
        (
            GOOD_SECTION.replace(
                'title = { fr = "Début", en = "Start" }',
                'title = { fr = "Début", en = "Start" }\nthird_person_title = { fr = "Début" }',
            ),
            "",
            "questionnaire",
            "section 'debut': 'third_person_title' must be a table with exactly the languages",
        ),
        (
            GOOD_SECTION.replace('key = "debut"', 'key = "Début"'),
            "",
            "questionnaire",
            "'key' must match [a-z0-9_]{1,32}",
        ),
        (
            GOOD_SECTION
            + question("r1", 'type = "scale"\ndimension = "X"\ntext = { fr = "A", en = "A" }'),
            SCALE,
            "riasec",
            "question 'r1': 'dimension' must be one of R, I, A, S, E, C",
        ),
    ],
)
def test_bad_instrument_fields(
    tmp_path: Path, body: str, top: str, kind: str, problem: str
) -> None:
    with pytest.raises(InstrumentError) as caught:
        load_instrument(write(tmp_path, body, kind=kind, top=top))
    assert str(caught.value).startswith("essai.toml: ")
    assert problem in str(caught.value)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "casse.toml"
    path.write_text('key = "casse"\ntitle = { fr = "oups"', encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"^casse\.toml: not valid TOML"):
        load_instrument(path)


def test_key_must_match_file_name(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="must match the file name 'autre'"):
        load_instrument(write(tmp_path, GOOD_SECTION, name="autre"))


def test_scale_takes_the_instrument_wide_defaults(tmp_path: Path) -> None:
    top = (
        'scale = { points = 4, low = { fr = "Non", en = "No" }, high = { fr = "Oui", en = "Yes" } }'
    )
    body = GOOD_SECTION + question(
        "r1", 'type = "scale"\ndimension = "R"\ntext = { fr = "A", en = "A" }'
    )
    scale = load_instrument(write(tmp_path, body, kind="riasec", top=top)).question("r1")
    assert (scale.points, scale.low and scale.low.fr, scale.high and scale.high.en) == (
        4,
        "Non",
        "Yes",
    )


def test_versions_compatible_only_when_declared(tmp_path: Path) -> None:
    declared = load_instrument(write(tmp_path, GOOD_SECTION, top="compatible_versions = [1]"))
    assert answers_compatible(declared, 2) and answers_compatible(declared, 1)
    assert not answers_compatible(declared, 3)
    undeclared = load_instrument(write(tmp_path, GOOD_SECTION, name="essai"))
    assert not undeclared.accepts_version(1)
