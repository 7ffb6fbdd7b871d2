"""Score the RIASEC interest inventory (full or short form) into a Holland code.

Rules, in the order they apply:

* **Items.** Every `scale` question whose `dimension` is one of R I A S E C counts. An
  answer is an int from 0 to points-1 (0 = "Je n'aime pas du tout", 4 = "J'aime
  beaucoup" on the 5-point scale). Anything else ("Je ne sais pas", skipped, a value out
  of range, a bool) counts as unanswered; answers to keys the instrument does not have
  are ignored.
* **Scale 0-40.** A type's score is its raw sum divided by the highest sum its answered
  items allow, times 40. With every item answered this is the raw score on the full form
  (10 items x 4) and twice the raw score on the short form (5 items x 4). When items are
  missing the score is prorated from the answered ones, so long as at least 80 % of
  that type's items are answered (8 of 10, 4 of 5). Below that for any type the result
  is *incomplete*: scores are kept for the counsellor, but no code is given. Scores are
  rounded to one decimal, and ties are judged on the rounded scores people see.
* **Ranking and ties.** Types are ranked by score. Equal scores stay visible as groups
  (`groups`, `display` such as "S = E > A"); to write a three-letter code the tie is
  broken by, in turn: (1) the larger share of "J'aime beaucoup" answers in the type,
  the stronger signal of interest; (2) for the second and third letters, closeness on
  Holland's hexagon (R-I-A-S-E-C-R) to the letter just before it, Holland's own notion
  of a consistent profile; (3) the R I A S E C order, so that the rule always decides.
* **Flat profile.** A profile is reported as flat, with no code, when it does not
  single anything out: the gap between the highest and lowest type is under
  `FLAT_SPREAD` points; or nearly everything was disliked (at least 90 % of answers at
  the bottom of the scale, or no type above `LOW_CEILING`, i.e. on average "Je n'aime
  pas" or less everywhere); or nearly everything was liked (at least 90 % at the top, or
  no type below `HIGH_FLOOR`). A code drawn from such a profile would be noise; the
  counsellor explores it in conversation instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dialogues.scoring import _access
from dialogues.scoring.ranking import group_equal, groups_display, groups_from_json

TYPES: tuple[str, ...] = ("R", "I", "A", "S", "E", "C")
MAX_SCORE = 40.0
MIN_ANSWERED_SHARE = 0.8
FLAT_SPREAD = 8.0
EXTREME_SHARE = 0.9
LOW_CEILING = 10.0
HIGH_FLOOR = 30.0
RESULT_FORMAT = 1

FlatReason = Literal["undifferentiated", "mostly_low", "mostly_high"]
_FLAT_REASONS: tuple[FlatReason, ...] = ("undifferentiated", "mostly_low", "mostly_high")


@dataclass(frozen=True, slots=True)
class RiasecResult:
    """A scored RIASEC inventory; stored as JSON through `to_dict` / `from_dict`."""

    instrument: str
    version: int
    scores: dict[str, float]
    raw: dict[str, int]
    answered: dict[str, int]
    items: dict[str, int]
    top_answers: dict[str, int]
    order: list[str]
    groups: list[list[str]]
    complete: bool
    flat: bool
    flat_reason: FlatReason | None
    code: str | None = field(default=None)

    @property
    def display(self) -> str:
        """The top of the ranking with ties shown, e.g. "S = E > A"."""
        return groups_display(self.groups, covering=3)

    @property
    def tied_in_code(self) -> bool:
        """True when the order of the code's letters was decided by the tie-break rule."""
        top3 = set(self.order[:3])
        return any(len(g) > 1 and top3.intersection(g) for g in self.groups)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "riasec",
            "format": RESULT_FORMAT,
            "instrument": self.instrument,
            "version": self.version,
            "scores": dict(self.scores),
            "raw": dict(self.raw),
            "answered": dict(self.answered),
            "items": dict(self.items),
            "top_answers": dict(self.top_answers),
            "order": list(self.order),
            "groups": [list(g) for g in self.groups],
            "complete": self.complete,
            "flat": self.flat,
            "flat_reason": self.flat_reason,
            "code": self.code,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiasecResult:
        if data.get("kind") != "riasec":
            raise ValueError("not a RIASEC result")
        flat_reason = data.get("flat_reason")
        if flat_reason is not None and flat_reason not in _FLAT_REASONS:
            raise ValueError("unknown flat_reason")
        order = [str(t) for t in data["order"]]
        if sorted(order) != sorted(TYPES):
            raise ValueError("order must hold the six types")
        code = data.get("code")
        return cls(
            instrument=str(data["instrument"]),
            version=int(data["version"]),
            scores={t: float(data["scores"][t]) for t in TYPES},
            raw={t: int(data["raw"][t]) for t in TYPES},
            answered={t: int(data["answered"][t]) for t in TYPES},
            items={t: int(data["items"][t]) for t in TYPES},
            top_answers={t: int(data["top_answers"][t]) for t in TYPES},
            order=order,
            groups=groups_from_json(data["groups"]),
            complete=bool(data["complete"]),
            flat=bool(data["flat"]),
            flat_reason=flat_reason,
            code=str(code) if code is not None else None,
        )


def _valid_scale_answer(value: object, points: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value < points else None


def _hexagon_distance(a: str, b: str) -> int:
    gap = abs(TYPES.index(a) - TYPES.index(b))
    return min(gap, len(TYPES) - gap)


def _rank(scores: Mapping[str, float], top_share: Mapping[str, float]) -> list[str]:
    """Rank the six types by score, breaking ties by the rule in the module docstring."""
    remaining = list(TYPES)
    order: list[str] = []
    while remaining:
        best = max(scores[t] for t in remaining)
        tied = [t for t in remaining if scores[t] == best]
        previous = order[-1] if order else None

        def tie_key(t: str, previous: str | None = previous) -> tuple[float, int, int]:
            closeness = _hexagon_distance(previous, t) if previous else 0
            return (-top_share[t], closeness, TYPES.index(t))

        chosen = min(tied, key=tie_key)
        order.append(chosen)
        remaining.remove(chosen)
    return order


def _flat_reason(
    scores: Mapping[str, float], answers_at_bottom: int, answers_at_top: int, n_answered: int
) -> FlatReason | None:
    if n_answered and answers_at_bottom / n_answered >= EXTREME_SHARE:
        return "mostly_low"
    if max(scores.values()) <= LOW_CEILING:
        return "mostly_low"
    if n_answered and answers_at_top / n_answered >= EXTREME_SHARE:
        return "mostly_high"
    if min(scores.values()) >= HIGH_FLOOR:
        return "mostly_high"
    if max(scores.values()) - min(scores.values()) < FLAT_SPREAD:
        return "undifferentiated"
    return None


def score_riasec(instrument: Any, answers: Mapping[str, Any]) -> RiasecResult:
    """Score a RIASEC instrument (raw TOML mapping or engine object) from its answers."""
    key, version = _access.identity(instrument)
    items = dict.fromkeys(TYPES, 0)
    raw = dict.fromkeys(TYPES, 0)
    answered = dict.fromkeys(TYPES, 0)
    reachable = dict.fromkeys(TYPES, 0)
    top = dict.fromkeys(TYPES, 0)
    bottom = 0
    for q in _access.questions(instrument):
        if q.type != "scale" or q.dimension not in TYPES:
            continue
        items[q.dimension] += 1
        value = _valid_scale_answer(answers.get(q.key), q.points)
        if value is None:
            continue
        answered[q.dimension] += 1
        raw[q.dimension] += value
        reachable[q.dimension] += q.points - 1
        top[q.dimension] += value == q.points - 1
        bottom += value == 0
    missing = [t for t in TYPES if items[t] == 0]
    if missing:
        raise ValueError(f"instrument {key!r} has no item for types {''.join(missing)}")

    scores = {
        t: round(raw[t] * MAX_SCORE / reachable[t], 1) if reachable[t] else 0.0 for t in TYPES
    }
    top_share = {t: top[t] / answered[t] if answered[t] else 0.0 for t in TYPES}
    order = _rank(scores, top_share)
    complete = all(answered[t] >= MIN_ANSWERED_SHARE * items[t] for t in TYPES)
    n_answered = sum(answered.values())
    reason = _flat_reason(scores, bottom, sum(top.values()), n_answered) if complete else None
    return RiasecResult(
        instrument=key,
        version=version,
        scores=scores,
        raw=raw,
        answered=answered,
        items=items,
        top_answers=top,
        order=order,
        groups=group_equal(order, scores),
        complete=complete,
        flat=reason is not None,
        flat_reason=reason,
        code="".join(order[:3]) if complete and reason is None else None,
    )
