"""Score the work-values paired comparison into a ranking of the six values.

Rules:

* **Items.** Every `single_choice` question with two choices is one pair; each choice
  names its value by its `dimension`, or by its key when it has none. The answer is the
  key of the chosen statement. Any other answer ("Je ne
  sais pas", skipped, a key that is not one of the pair's) counts as unanswered, and
  answers to keys the instrument does not have are ignored.
* **Scale.** A value's score is the number of its pairs in which it was chosen: 0 to
  the number of pairs it appears in (5 when each of six values meets every other once).
  When pairs are missing, the score is prorated from the answered pairs in which the
  value appears; with fewer than 80 % of all pairs answered (12 of 15) the result is
  *incomplete* and not described as a ranking. Scores are rounded to one decimal.
* **Ranking and ties.** Values are ranked by score; equal scores stay visible as
  `groups`. Within a tie, the value that won more of its head-to-head comparisons with
  the other tied values comes first (for two tied values: the one chosen when they were
  compared), then the canonical order below, so that the rule always decides.
* **Consistency.** `circular_triads` counts the triples answered in a circle (A chosen
  over B, B over C, C over A). A few are common; many suggest hesitant or hurried
  choices, which the counsellor may want to talk through. At most 8 are possible with
  six values.

Scores are relative (ipsative): they order the values for one person, they do not say
that a value matters little in absolute terms, and they do not compare people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from dialogues.scoring import _access
from dialogues.scoring.ranking import group_equal, groups_display, groups_from_json

VALUES: tuple[str, ...] = (
    "achievement",
    "conditions",
    "recognition",
    "relationships",
    "support",
    "independence",
)
MIN_ANSWERED_SHARE = 0.8
RESULT_FORMAT = 1


@dataclass(frozen=True, slots=True)
class ValuesResult:
    """A scored work-values instrument; stored as JSON through `to_dict` / `from_dict`."""

    instrument: str
    version: int
    scores: dict[str, float]
    wins: dict[str, int]
    scale_max: int
    answered_pairs: int
    total_pairs: int
    order: list[str]
    groups: list[list[str]]
    complete: bool
    circular_triads: int

    @property
    def display(self) -> str:
        """The whole ranking with ties shown, e.g. "independence = achievement > support"."""
        return groups_display(self.groups, covering=len(self.order))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "values",
            "format": RESULT_FORMAT,
            "instrument": self.instrument,
            "version": self.version,
            "scores": dict(self.scores),
            "wins": dict(self.wins),
            "scale_max": self.scale_max,
            "answered_pairs": self.answered_pairs,
            "total_pairs": self.total_pairs,
            "order": list(self.order),
            "groups": [list(g) for g in self.groups],
            "complete": self.complete,
            "circular_triads": self.circular_triads,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValuesResult:
        if data.get("kind") != "values":
            raise ValueError("not a work-values result")
        order = [str(v) for v in data["order"]]
        if sorted(order) != sorted(VALUES):
            raise ValueError("order must hold the six values")
        return cls(
            instrument=str(data["instrument"]),
            version=int(data["version"]),
            scores={v: float(data["scores"][v]) for v in VALUES},
            wins={v: int(data["wins"][v]) for v in VALUES},
            scale_max=int(data["scale_max"]),
            answered_pairs=int(data["answered_pairs"]),
            total_pairs=int(data["total_pairs"]),
            order=order,
            groups=groups_from_json(data["groups"]),
            complete=bool(data["complete"]),
            circular_triads=int(data["circular_triads"]),
        )


@dataclass(frozen=True, slots=True)
class _Pair:
    question: str
    choices: dict[str, str]  # choice key -> value
    a: str
    b: str


def _pairs(instrument: Any) -> list[_Pair]:
    """Every pair question, with the value each of its two choices stands for."""
    pairs: list[_Pair] = []
    for q in _access.questions(instrument):
        if q.type != "single_choice" or len(q.choice_keys) != 2:
            continue
        a, b = q.choice_dimensions
        if a not in VALUES or b not in VALUES or a == b:
            raise ValueError(f"question {q.key!r} is not a pair of two distinct values")
        pairs.append(_Pair(q.key, dict(zip(q.choice_keys, (a, b), strict=True)), a, b))
    return pairs


def _rank(scores: Mapping[str, float], beats: Mapping[tuple[str, str], bool]) -> list[str]:
    remaining = list(VALUES)
    order: list[str] = []
    while remaining:
        best = max(scores[v] for v in remaining)
        tied = [v for v in remaining if scores[v] == best]

        def tie_key(v: str, tied: list[str] = tied) -> tuple[int, int]:
            head_to_head = sum(beats.get((v, other), False) for other in tied if other != v)
            return (-head_to_head, VALUES.index(v))

        chosen = min(tied, key=tie_key)
        order.append(chosen)
        remaining.remove(chosen)
    return order


def _circular_triads(beats: Mapping[tuple[str, str], bool]) -> int:
    count = 0
    for a, b, c in combinations(VALUES, 3):
        if not all((x, y) in beats for x, y in ((a, b), (b, c), (a, c))):
            continue
        ab, bc, ac = beats[(a, b)], beats[(b, c)], beats[(a, c)]
        if (ab and bc and not ac) or (not ab and not bc and ac):
            count += 1
    return count


def score_values(instrument: Any, answers: Mapping[str, Any]) -> ValuesResult:
    """Score a paired-comparison values instrument from its answers."""
    key, version = _access.identity(instrument)
    pairs = _pairs(instrument)
    if not pairs:
        raise ValueError(f"instrument {key!r} has no pair question")
    appearances = dict.fromkeys(VALUES, 0)
    met = dict.fromkeys(VALUES, 0)
    wins = dict.fromkeys(VALUES, 0)
    beats: dict[tuple[str, str], bool] = {}
    answered = 0
    for pair in pairs:
        a, b = pair.a, pair.b
        appearances[a] += 1
        appearances[b] += 1
        answer = answers.get(pair.question)
        if not isinstance(answer, str) or answer not in pair.choices:
            continue
        choice = pair.choices[answer]
        answered += 1
        met[a] += 1
        met[b] += 1
        wins[choice] += 1
        loser = b if choice == a else a
        beats[(choice, loser)] = True
        beats[(loser, choice)] = False
    scale_max = max(appearances.values())
    scores = {v: round(wins[v] * appearances[v] / met[v], 1) if met[v] else 0.0 for v in VALUES}
    order = _rank(scores, beats)
    return ValuesResult(
        instrument=key,
        version=version,
        scores=scores,
        wins=wins,
        scale_max=scale_max,
        answered_pairs=answered,
        total_pairs=len(pairs),
        order=order,
        groups=group_equal(order, scores),
        complete=answered >= MIN_ANSWERED_SHARE * len(pairs),
        circular_triads=_circular_triads(beats),
    )
