"""Navigation is a pure function of the answers: show_if, repeats, resume, back, progress."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from dialogues.engine import (
    Accepted,
    Rejected,
    following_step,
    header,
    next_step,
    parse_button,
    parse_step_text,
    previous_step,
    progress,
    progress_bar,
    step_by_id,
    visible_steps,
)
from dialogues.instruments import Instrument, load_instrument

MINI = """
key = "mini"
version = 1
kind = "questionnaire"
estimated_minutes = 5
title = { fr = "Mini", en = "Mini" }
source = { fr = "Tests", en = "Tests" }

[[sections]]
key = "situation"
title = { fr = "Situation", en = "Situation" }

[[sections.questions]]
key = "statut"
type = "single_choice"
other = true
text = { fr = "Statut ?", en = "Status?" }
choices = [
  { key = "a", fr = "Salarié", en = "Employee" },
  { key = "b", fr = "Autre", en = "Other" },
]

[[sections.questions]]
key = "a_projet"
type = "yes_no"
show_if = { question = "statut", equals = "a" }
text = { fr = "Un projet ?", en = "A plan?" }

[[sections.questions]]
key = "projet"
type = "text"
show_if = { question = "a_projet", equals = true }
text = { fr = "Lequel ?", en = "Which?" }

[[sections]]
key = "exp"
title = { fr = "Expériences", en = "Experience" }
repeat = { max = 3, add_prompt = { fr = "Une autre ?", en = "Another?" } }

[[sections.questions]]
key = "poste"
type = "text"
text = { fr = "Poste ?", en = "Job?" }

[[sections.questions]]
key = "en_cours"
type = "yes_no"
text = { fr = "En cours ?", en = "Ongoing?" }

[[sections.questions]]
key = "fin"
type = "month_year"
show_if = { question = "en_cours", equals = false }
text = { fr = "Fin ?", en = "End?" }

[[sections]]
key = "gouts"
title = { fr = "Goûts", en = "Tastes" }

[[sections.questions]]
key = "domaines"
type = "multi_choice"
optional = true
other = true
text = { fr = "Domaines ?", en = "Fields?" }
choices = [ { key = "c1", fr = "Un", en = "One" }, { key = "c2", fr = "Deux", en = "Two" } ]

[[sections.questions]]
key = "pourquoi_deux"
type = "text"
show_if = { question = "domaines", contains = "c2" }
text = { fr = "Pourquoi deux ?", en = "Why two?" }

[[sections.questions]]
key = "note"
type = "scale"
points = 5
allow_unknown = true
low = { fr = "Bas", en = "Low" }
high = { fr = "Haut", en = "High" }
text = { fr = "Note ?", en = "Rating?" }
"""

ONE_EXPERIENCE = {"poste#1": "Cariste", "en_cours#1": True}


@pytest.fixture
def mini(tmp_path: Path) -> Instrument:
    path = tmp_path / "mini.toml"
    path.write_text(MINI, encoding="utf-8")
    return load_instrument(path)


def ids(instrument: Instrument, answers: dict[str, object]) -> list[str]:
    return [s.id for s in visible_steps(instrument, answers)]


def test_fresh_start_shows_unconditional_steps_and_asks_the_first(mini: Instrument) -> None:
    assert ids(mini, {}) == ["statut", "poste#1", "en_cours#1", "exp#more#1", "domaines", "note"]
    first = next_step(mini, {})
    assert first is not None and first.id == "statut" and first.index == 0


def test_hiding_cascades_and_reshowing_brings_the_old_answer_back(mini: Instrument) -> None:
    answers: dict[str, object] = {"statut": "a", "a_projet": True, "projet": "Ouvrir un atelier"}
    assert ids(mini, answers)[:3] == ["statut", "a_projet", "projet"]
    answered_before = progress(mini, answers).answered

    answers["statut"] = "b"  # a_projet hidden, so projet (which depends on it) too
    assert "a_projet" not in ids(mini, answers) and "projet" not in ids(mini, answers)
    assert progress(mini, answers).answered == answered_before - 2
    assert answers["projet"] == "Ouvrir un atelier"  # kept, never deleted

    answers["statut"] = "a"
    assert "projet" in ids(mini, answers)
    step = next_step(mini, answers)
    assert step is not None and step.id == "poste#1"  # the old answers count again


def test_other_text_on_single_choice_hides_the_choice_dependent_question(mini: Instrument) -> None:
    answers = {"statut": {"other": "Saisonnier"}, "a_projet": True}
    assert "a_projet" not in ids(mini, answers)


def test_two_experiences_then_stop(mini: Instrument) -> None:
    answers: dict[str, object] = {"statut": "b", **ONE_EXPERIENCE}
    step = next_step(mini, answers)
    assert step is not None and step.id == "exp#more#1" and step.is_add_another
    assert step.prompt.fr == "Une autre\u202f?"

    answers["exp#more#1"] = True
    step = next_step(mini, answers)
    assert step is not None and (step.id, step.occurrence) == ("poste#2", 2)

    answers.update({"poste#2": "Magasinier", "en_cours#2": False})
    step = next_step(mini, answers)
    assert step is not None and step.id == "fin#2"  # show_if reads the same occurrence
    answers.update({"fin#2": "2019-03", "exp#more#2": False})

    visible = ids(mini, answers)
    assert visible[1:8] == [
        "poste#1",
        "en_cours#1",
        "exp#more#1",
        "poste#2",
        "en_cours#2",
        "fin#2",
        "exp#more#2",
    ]
    assert "poste#3" not in visible and "fin#1" not in visible
    step = next_step(mini, answers)
    assert step is not None and step.id == "domaines"


def test_no_add_another_prompt_after_the_last_allowed_occurrence(mini: Instrument) -> None:
    answers: dict[str, object] = {"statut": "b"}
    for n in (1, 2, 3):
        answers.update({f"poste#{n}": "x", f"en_cours#{n}": True, f"exp#more#{n}": True})
    visible = ids(mini, answers)
    assert "poste#3" in visible and "exp#more#3" not in visible and "poste#4" not in visible


def test_saying_no_to_another_hides_later_occurrences_without_deleting_them(
    mini: Instrument,
) -> None:
    answers = {"statut": "b", **ONE_EXPERIENCE, "exp#more#1": True, "poste#2": "Magasinier"}
    assert "poste#2" in ids(mini, answers)
    answers["exp#more#1"] = False
    assert "poste#2" not in ids(mini, answers)
    answers["exp#more#1"] = True
    assert "poste#2" in ids(mini, answers) and answers["poste#2"] == "Magasinier"


def test_multi_choice_contains_condition(mini: Instrument) -> None:
    base = {"statut": "b", **ONE_EXPERIENCE, "exp#more#1": False}
    assert "pourquoi_deux" in ids(mini, {**base, "domaines": ["c1", "c2"]})
    assert "pourquoi_deux" in ids(mini, {**base, "domaines": {"choices": ["c2"], "other": "x"}})
    assert "pourquoi_deux" not in ids(mini, {**base, "domaines": ["c1"]})
    assert "pourquoi_deux" not in ids(mini, {**base, "domaines": {"skipped": True}})


def test_resume_after_restart_lands_on_the_same_question(mini: Instrument) -> None:
    """Drive the engine as the bot does, 'restart' (copy the stored mapping), compare."""
    stored: dict[str, object] = {}
    replies = ["1", "oui", "Ouvrir un atelier", "Cariste", "non"]
    for reply in replies:
        step = next_step(mini, stored)
        assert step is not None
        result = parse_step_text(step, reply, "fr")
        assert isinstance(result, Accepted), (step.id, result)
        stored[step.id] = result.value
    before = next_step(mini, stored)
    after_restart = next_step(mini, copy.deepcopy(stored))
    assert before is not None and after_restart is not None
    assert before.id == after_restart.id == "fin#1"
    assert stored == {
        "statut": "a",
        "a_projet": True,
        "projet": "Ouvrir un atelier",
        "poste#1": "Cariste",
        "en_cours#1": False,
    }


def test_invalid_stored_values_are_asked_again(mini: Instrument) -> None:
    # a choice removed by a later edit, a wrong type: never guessed, asked again
    step = next_step(mini, {"statut": "c"})
    assert step is not None and step.id == "statut"
    step = next_step(mini, {"statut": "b", "poste#1": 12})
    assert step is not None and step.id == "poste#1"
    step = next_step(mini, {"statut": "b", **ONE_EXPERIENCE, "exp#more#1": "yes"})
    assert step is not None and step.id == "exp#more#1"


def test_skipped_and_unknown_only_where_allowed(mini: Instrument) -> None:
    base = {"statut": "b", **ONE_EXPERIENCE, "exp#more#1": False}
    step = next_step(mini, {**base, "domaines": {"skipped": True}, "note": {"skipped": True}})
    assert step is not None and step.id == "note"  # note is not optional
    assert (
        next_step(mini, {**base, "domaines": {"skipped": True}, "note": {"unknown": True}}) is None
    )


def test_previous_and_following_steps(mini: Instrument) -> None:
    answers = {"statut": "a", "a_projet": False}
    prev = previous_step(mini, answers, "poste#1")
    assert prev is not None and prev.id == "a_projet"
    assert previous_step(mini, answers, "statut") is None
    last = previous_step(mini, answers, None)
    assert last is not None and last.id == "note"
    assert previous_step(mini, answers, "projet") is None  # hidden: nowhere to go from it
    nxt = following_step(mini, answers, "statut")
    assert nxt is not None and nxt.id == "a_projet"
    assert following_step(mini, answers, "note") is None


def test_step_by_id_refuses_hidden_or_forged_ids(mini: Instrument) -> None:
    assert step_by_id(mini, {"statut": "b"}, "a_projet") is None
    assert step_by_id(mini, {}, "poste#7") is None
    found = step_by_id(mini, {}, "poste#1")
    assert found is not None and found.question is not None and found.question.key == "poste"


def test_progress_counts_visible_steps_only(mini: Instrument) -> None:
    assert progress(mini, {}).answered == 0
    assert progress(mini, {}).total == 6
    assert progress(mini, {"statut": "b", "projet": "hidden"}).answered == 1
    answers = {
        "statut": "b",
        **ONE_EXPERIENCE,
        "exp#more#1": False,
        "domaines": ["c1"],
        "note": 3,
    }
    done = progress(mini, answers)
    assert (done.answered, done.total, done.percent) == (6, 6, 100)
    assert next_step(mini, answers) is None
    almost = progress(mini, {**answers, "note": None})
    assert almost.percent == 83  # rounded down: 100 only when finished


def test_header_numbers_within_section_and_occurrence(mini: Instrument) -> None:
    answers = {"statut": "b", **ONE_EXPERIENCE, "exp#more#1": True}
    step = step_by_id(mini, answers, "en_cours#2")
    assert step is not None
    head = header(mini, step, answers, "fr")
    assert head.section_title == "Expériences"
    assert (head.section_number, head.section_count) == (2, 3)
    # "en_cours" shows or hides the next question: no total that could move.
    assert (head.occurrence, head.question_number, head.question_count) == (2, 2, None)
    assert (head.part_number, head.part_count) == (2, 3)
    assert head.percent == progress(mini, answers).percent
    assert not head.starts_section
    first = step_by_id(mini, answers, "poste#1")
    assert first is not None and header(mini, first, answers, "fr").starts_section
    prompt = step_by_id(mini, answers, "exp#more#1")
    assert prompt is not None
    assert header(mini, prompt, answers, "en").question_number is None
    assert header(mini, prompt, answers, "en").section_title == "Experience"


@pytest.mark.parametrize(
    ("percent", "bar"),
    [
        (0, "▱" * 10),
        (30, "▰▰▰▱▱▱▱▱▱▱"),
        (35, "▰▰▰▰▱▱▱▱▱▱"),
        (100, "▰" * 10),
        (140, "▰" * 10),
        (-5, "▱" * 10),
    ],
)
def test_progress_bar(percent: int, bar: str) -> None:
    assert progress_bar(percent) == bar


def test_progress_bar_width() -> None:
    assert progress_bar(50, width=4) == "▰▰▱▱"


def test_buttons_on_the_add_another_prompt(mini: Instrument) -> None:
    answers = {"statut": "b", **ONE_EXPERIENCE}
    prompt = step_by_id(mini, answers, "exp#more#1")
    assert prompt is not None
    assert parse_button(prompt, "yes") == Accepted(True)
    assert parse_button(prompt, "no") == Accepted(False)
    assert parse_button(prompt, "skip") == Rejected("cannot_skip")
    assert parse_step_text(prompt, "Non", "fr") == Accepted(False)
