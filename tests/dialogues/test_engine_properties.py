"""Properties that hold for any stored answers, however odd (hypothesis).

Stored mappings may hold anything: old versions' answers, stale answers of hidden
questions, values that no longer fit. Whatever they hold, the engine must point
at a visible unanswered step (or say it is finished), count progress within
bounds, and never change the mapping it was given.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogues.engine import (
    is_answered,
    more_id,
    next_step,
    previous_step,
    progress,
    question_id,
    recap,
    visible_steps,
)
from dialogues.instruments import Instrument, load_all

DOSSIER = load_all()["dossier_auto_bilan"]


def all_answer_ids(instrument: Instrument) -> list[str]:
    ids: list[str] = []
    for section in instrument.sections:
        if section.repeat is None:
            ids += [q.key for q in section.questions]
            continue
        for n in range(1, section.repeat.max + 2):
            ids += [question_id(q.key, n) for q in section.questions]
            ids.append(more_id(section.key, n))
    return ids


def plausible_values(instrument: Instrument) -> st.SearchStrategy[Any]:
    keys = sorted({c.key for _, q in instrument.questions() for c in q.choices})
    return st.one_of(
        st.booleans(),
        st.booleans(),  # weighted: add-another prompts and yes_no gates open often
        st.integers(-2, 12),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(keys),
        st.sampled_from(["2019-03", "2019-13", "2024-03-12", "2024-02-30", "texte", ""]),
        st.just({"skipped": True}),
        st.just({"unknown": True}),
        st.lists(st.sampled_from(keys), max_size=3),
        st.fixed_dictionaries({"other": st.text(max_size=3)}),
        st.fixed_dictionaries(
            {"choices": st.lists(st.sampled_from(keys), max_size=2), "other": st.text(max_size=3)}
        ),
        st.none(),
    )


ANSWERS = st.dictionaries(
    st.sampled_from(all_answer_ids(DOSSIER)), plausible_values(DOSSIER), max_size=80
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANSWERS)
def test_next_step_is_the_first_visible_unanswered_step(answers: dict[str, Any]) -> None:
    frozen = copy.deepcopy(answers)
    steps = visible_steps(DOSSIER, answers)
    step = next_step(DOSSIER, answers)
    unanswered = [s for s in steps if not is_answered(s, answers)]
    if step is None:
        assert not unanswered
    else:
        assert unanswered and step == unanswered[0]
        assert steps[step.index] == step
        before = previous_step(DOSSIER, answers, step.id)
        assert (before is None) == (step.index == 0)
        assert before is None or before.index == step.index - 1
    assert len({s.id for s in steps}) == len(steps)
    assert answers == frozen  # pure: nothing added, nothing deleted


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANSWERS)
def test_progress_is_within_bounds(answers: dict[str, Any]) -> None:
    done = progress(DOSSIER, answers)
    assert 0 <= done.answered <= done.total
    assert 0 <= done.percent <= 100
    assert (done.percent == 100) == (done.answered == done.total)
    assert (done.answered == done.total) == (next_step(DOSSIER, answers) is None)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANSWERS)
def test_recap_shows_only_visible_answered_questions(answers: dict[str, Any]) -> None:
    shown = {item.step_id for section in recap(DOSSIER, answers, "fr") for item in section.items}
    steps = visible_steps(DOSSIER, answers)
    expected = {s.id for s in steps if s.question is not None and is_answered(s, answers)}
    assert shown == expected
