"""Group ranked dimensions by equal score, so that ties are shown, not hidden.

A tie-break rule is needed to produce a code or a ranked list, but a person whose S and
E scores are equal should be told so: the groups keep that information next to the
ordered list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def group_equal(order: Sequence[str], scores: Mapping[str, float]) -> list[list[str]]:
    """Split `order` (already ranked, best first) into runs of equal score."""
    groups: list[list[str]] = []
    for key in order:
        if groups and scores[groups[-1][0]] == scores[key]:
            groups[-1].append(key)
        else:
            groups.append([key])
    return groups


def groups_display(groups: Sequence[Sequence[str]], covering: int, sep: str = " > ") -> str:
    """Render groups as "S = E > A", stopping once `covering` keys are shown."""
    parts: list[str] = []
    shown = 0
    for group in groups:
        if shown >= covering:
            break
        parts.append(" = ".join(group))
        shown += len(group)
    return sep.join(parts)


def groups_from_json(raw: object) -> list[list[str]]:
    """Validate a stored list of groups of keys."""
    if not isinstance(raw, list) or not all(
        isinstance(g, list) and all(isinstance(k, str) for k in g) for g in raw
    ):
        raise ValueError("groups must be a list of lists of keys")
    return [list(g) for g in raw]
