"""Read what scoring needs from an instrument, whatever its in-memory form.

The scoring functions receive the instrument either as the raw mapping parsed from its
TOML file or as `dialogues.instruments.Instrument`. Both follow the same contract
(`sections` → `questions` with `key`, `type`, `dimension`, `choices`; scale points on
the question or instrument-wide in `scale.points`), so reading fields by name keeps
scoring independent of how the engine models them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_SCALE_POINTS = 5


def field(obj: Any, name: str, default: Any = None) -> Any:
    """Return `obj[name]` for mappings, `obj.name` for objects, else `default`."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


@dataclass(frozen=True, slots=True)
class ScoredQuestion:
    """The part of a question that scoring cares about."""

    key: str
    type: str
    dimension: str | None
    choice_keys: tuple[str, ...]
    choice_dimensions: tuple[str, ...]
    """Per choice, its `dimension` when it has one, else its key."""
    points: int


def _points(scale: Any) -> int | None:
    points = field(scale, "points") if scale is not None else None
    return points if isinstance(points, int) and not isinstance(points, bool) else None


def questions(instrument: Any) -> Iterator[ScoredQuestion]:
    """Yield every question of the instrument, in the order it is asked."""
    default_points = _points(field(instrument, "scale")) or DEFAULT_SCALE_POINTS
    for section in field(instrument, "sections", ()) or ():
        for question in field(section, "questions", ()) or ():
            qtype = field(question, "type", "")
            dimension = field(question, "dimension")
            choices = field(question, "choices", ()) or ()
            points = field(question, "points")
            if isinstance(points, bool) or not isinstance(points, int) or points < 2:
                points = _points(field(question, "scale")) or default_points
            yield ScoredQuestion(
                key=str(field(question, "key")),
                type=str(qtype),
                dimension=str(dimension) if dimension is not None else None,
                choice_keys=tuple(str(field(c, "key")) for c in choices),
                choice_dimensions=tuple(
                    str(field(c, "dimension") or field(c, "key")) for c in choices
                ),
                points=points,
            )


def identity(instrument: Any) -> tuple[str, int]:
    """Return the instrument's key and version, recorded in every result."""
    version = field(instrument, "version", 0)
    return str(field(instrument, "key", "")), int(version) if isinstance(version, int) else 0
