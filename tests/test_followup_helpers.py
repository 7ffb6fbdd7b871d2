"""The pure side of the check-in's plan steps: answer ids, positions, typed target dates."""

from __future__ import annotations

from datetime import date

import pytest

from dialogues.engine import Accepted, Rejected, next_step, recap
from dialogues.followup import (
    answer_id,
    make_answer,
    parse_target_date,
    position,
    previous_step,
    read_answer,
    read_position,
    step_answers,
    step_of_answer,
    with_note,
)
from dialogues.followup import (
    next_step as next_plan_step,
)
from dialogues.instruments import load_all


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("30/11/2026", "fr", "2026-11-30"),
        ("30 novembre 2026", "fr", "2026-11-30"),
        ("2026-11-30", "en", "2026-11-30"),
        ("November 30, 2026", "en", "2026-11-30"),
        ("30 November 2026", "fr", "2026-11-30"),
        ("11/2026", "fr", "2026-11-30"),
        ("février 2028", "fr", "2028-02-29"),
        ("March 2027", "en", "2027-03-31"),
    ],
)
def test_target_dates_in_both_languages(text: str, locale: str, expected: str) -> None:
    assert parse_target_date(text, locale) == Accepted(expected)


@pytest.mark.parametrize(
    ("text", "locale", "code"),
    [
        ("bientôt", "fr", "bad_date"),
        ("31/02/2027", "fr", "date_does_not_exist"),
        ("03/04/2027", "en", "ambiguous_date"),
        ("13/2027", "fr", "bad_date"),
        ("30/11/26", "fr", "bad_date"),
    ],
)
def test_target_dates_refused(text: str, locale: str, code: str) -> None:
    result = parse_target_date(text, locale)
    assert isinstance(result, Rejected) and result.code == code


def test_answers_keep_the_title_and_read_back() -> None:
    value = make_answer("ongoing", "Passer le permis C", date(2027, 3, 31))
    assert read_answer(value) is not None
    noted = with_note(value, "Code obtenu")
    answer = read_answer(noted)
    assert answer is not None
    assert (answer.status, answer.note, answer.title, answer.target) == (
        "ongoing",
        "Code obtenu",
        "Passer le permis C",
        "2027-03-31",
    )
    assert read_answer({"status": "maybe", "title": "x"}) is None
    assert read_answer("done") is None
    with pytest.raises(ValueError):
        make_answer("maybe", "x", None)  # type: ignore[arg-type]


def test_the_loop_asks_each_step_once_in_plan_order() -> None:
    steps = [7, 3, 12]
    answers: dict[str, object] = {"situation": "new_job"}
    assert next_plan_step(steps, answers) == 7
    answers[answer_id(7)] = make_answer("done", "A", None)
    answers[answer_id(12)] = make_answer("dropped", "C", None)
    assert next_plan_step(steps, answers) == 3
    answers[answer_id(3)] = {"broken": True}  # unreadable counts as unanswered
    assert next_plan_step(steps, answers) == 3
    answers[answer_id(3)] = make_answer("not_started", "B", None)
    assert next_plan_step(steps, answers) is None
    assert previous_step(steps, 3) == 7 and previous_step(steps, 7) is None
    assert [s for s, _ in step_answers(answers)] == [3, 7, 12]


def test_positions_and_ids_round_trip() -> None:
    assert read_position(position(42)) == (42, False)
    assert read_position(position(42, note=True)) == (42, True)
    for other in (None, "", "situation", "#recap", "plan|x", "other|situation"):
        assert read_position(other) is None
    assert step_of_answer(answer_id(9)) == 9
    assert step_of_answer("plan_step#") is None and step_of_answer("situation") is None


def test_the_engine_ignores_plan_answers() -> None:
    """The questionnaire part neither asks nor shows the bot's own plan-step answers."""
    instrument = load_all()["followup"]
    answers = {answer_id(5): make_answer("done", "Étape", None)}
    first = next_step(instrument, answers)
    assert first is not None and first.id == "situation"
    assert recap(instrument, answers, "fr") == []
