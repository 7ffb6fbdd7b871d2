"""The skills portfolio: what the person's own material already says they can do.

The *portefeuille de compétences* starts from three sources; two of them are
gathered here, from what the person has already written or ticked, so that
they never type twice what the bot knows:

* the dossier auto-bilan: the free text of ``savoir_faire`` becomes one
  savoir-faire per item (people write lists in every shape: lines, bullets,
  commas, semicolons), and the ticked ``qualites`` become savoir-être (with
  the "other" text they typed, if any);
* the ROME skills they ticked on their job, each with the kind ROME gives it.

The third source, skills added by hand, lives in storage only.

Every gathered skill has a ``source_ref`` that stays the same from one
gathering to the next as long as its source says the same thing, so that a
level, a piece of evidence or a star the person gave it survive a new
gathering. Nothing is invented or reworded: a label is the person's text (or
ROME's, or the instrument's choice label) trimmed, never rephrased.

Pure: no storage, no Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from unidecode import unidecode

from dialogues.engine.answers import more_id, multi_parts, question_id
from dialogues.instruments import Instrument
from dialogues.rome.model import Skill, SkillKind
from dialogues.typography import shorten

__all__ = [
    "LABEL_MAX",
    "LABEL_MIN",
    "EvidenceChoice",
    "GatheredSkill",
    "SkillKind",
    "evidence_choices",
    "fold",
    "gather",
    "split_items",
]

LABEL_MIN = 2
LABEL_MAX = 150
TITLE_MAX = 40
"""A button's worth of an experience title or of the start of a réussite."""

SAVOIR_FAIRE = "savoir_faire"
QUALITES = "qualites"
EXPERIENCES = "experiences"
EXPERIENCE_TITLE = "exp_poste"
ACHIEVEMENTS = ("reussite_1", "reussite_2", "reussite_3")
MAX_OCCURRENCES = 50
"""More than any repeat section allows: a bound on a walk over stored answers."""

# Separators between the items of a typed list. A hyphen separates only as a bullet
# (at the start of an item) or between spaces, so "savoir-faire" and
# "prise de rendez-vous" stay whole.
_SEPARATORS = re.compile(r"[\n\r;,•▪●◦‣]+|\s[-–—]\s")
_BULLET = re.compile(r"^(?:[-–—*+>]+|\d{1,2}\s*[.)])\s*")
_TRAILING = re.compile(r"[\s.…!?:]+$")
_SPACES = re.compile(r"\s+")
_NOT_ITEMS = frozenset({"etc", "etc.", "ect", "..."})


@dataclass(frozen=True)
class GatheredSkill:
    """A skill found in the person's material, before they annotate it."""

    kind: SkillKind
    source: Literal["dossier", "rome"]
    source_ref: str
    """Stable id: ``dossier:savoir_faire:<folded label>``, ``dossier:qualites:<choice key>``,
    ``dossier:qualites:other:<folded label>`` or ``rome:<ogr id>``."""
    label: str


@dataclass(frozen=True)
class EvidenceChoice:
    """Something from the dossier a skill can point to as its evidence."""

    source: Literal["experience", "achievement"]
    ref: str
    """The answer id: ``exp_poste#2`` for the second experience, ``reussite_1``…"""
    title: str
    """Short enough for a button."""
    text: str
    """The answer verbatim: what is kept as the evidence."""

    @property
    def number(self) -> int:
        """The experience occurrence or the réussite's number (1-based)."""
        return int(re.split(r"[#_]", self.ref)[-1])


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a label, for spotting the same skill twice."""
    return _SPACES.sub(" ", unidecode(text).casefold()).strip()


def _clean_item(raw: str) -> str:
    """Trimmed, without its bullet or closing full stop, starting with a capital letter."""
    item = _SPACES.sub(" ", raw).strip()
    item = _BULLET.sub("", item)
    item = _TRAILING.sub("", item).strip()
    return item[:1].upper() + item[1:]


def split_items(text: str) -> list[str]:
    """The items of a list typed in any usual shape, trimmed, 2–150 characters, no repeats.

    Repeats are spotted regardless of case and accents; the first spelling wins.
    """
    items: list[str] = []
    seen: set[str] = set()
    for raw in _SEPARATORS.split(text):
        item = _clean_item(raw)
        key = fold(item)
        if not LABEL_MIN <= len(item) <= LABEL_MAX or key in _NOT_ITEMS or key in seen:
            continue
        if not any(ch.isalnum() for ch in item):
            continue
        seen.add(key)
        items.append(item)
    return items


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _dossier_skills(
    answers: Mapping[str, Any], dossier: Instrument, locale: str
) -> Iterable[GatheredSkill]:
    typed = _text(answers.get(SAVOIR_FAIRE))
    if typed is not None:
        for item in split_items(typed):
            ref = f"dossier:{SAVOIR_FAIRE}:{fold(item)}"
            yield GatheredSkill("savoir_faire", "dossier", ref, item)
    parts = multi_parts(answers.get(QUALITES))
    if parts is None:
        return
    keys, other = parts
    try:
        question = dossier.question(QUALITES)
    except KeyError:
        return
    for key in keys:
        choice = question.choice(key)
        if choice is not None:
            label = choice.label.get(locale)
            yield GatheredSkill("savoir_etre", "dossier", f"dossier:{QUALITES}:{key}", label)
    if other is not None:
        for item in split_items(other):
            ref = f"dossier:{QUALITES}:other:{fold(item)}"
            yield GatheredSkill("savoir_etre", "dossier", ref, item)


def gather(
    dossier_answers: Mapping[str, Any] | None,
    dossier: Instrument,
    locale: str,
    rome_skills: Sequence[Skill],
) -> list[GatheredSkill]:
    """Every skill the dossier and the ticked ROME skills give, dossier first.

    The same label twice within one kind (a savoir-faire typed in the dossier
    that ROME also lists, say) is kept once, under its first source.
    """
    found: list[GatheredSkill] = []
    seen: set[tuple[str, str]] = set()
    candidates: list[GatheredSkill] = []
    if dossier_answers:
        candidates.extend(_dossier_skills(dossier_answers, dossier, locale))
    candidates.extend(
        GatheredSkill(skill.kind, "rome", f"rome:{skill.id}", skill.label) for skill in rome_skills
    )
    refs: set[str] = set()
    for skill in candidates:
        key = (skill.kind, fold(skill.label))
        if key in seen or skill.source_ref in refs:
            continue
        seen.add(key)
        refs.add(skill.source_ref)
        found.append(skill)
    return found


def _short(text: str, limit: int = TITLE_MAX) -> str:
    return shorten(text, limit)


def _experience_occurrences(answers: Mapping[str, Any]) -> Iterable[int]:
    """Occurrences of the experiences section that are part of the dossier.

    An occurrence the person started and then dropped (they answered "no" to
    "add another?" after going back) stays in the stored answers; it counts
    only if every "add another?" before it says yes.
    """
    occurrence = 1
    while occurrence <= MAX_OCCURRENCES:
        yield occurrence
        if answers.get(more_id(EXPERIENCES, occurrence)) is not True:
            return
        occurrence += 1


def evidence_choices(dossier_answers: Mapping[str, Any] | None) -> list[EvidenceChoice]:
    """The experiences (by job title) and the réussites the person wrote, in dossier order."""
    if not dossier_answers:
        return []
    choices: list[EvidenceChoice] = []
    for occurrence in _experience_occurrences(dossier_answers):
        ref = question_id(EXPERIENCE_TITLE, occurrence)
        title = _text(dossier_answers.get(ref))
        if title is not None:
            choices.append(EvidenceChoice("experience", ref, _short(title), title.strip()))
    for ref in ACHIEVEMENTS:
        text = _text(dossier_answers.get(ref))
        if text is not None:
            choices.append(EvidenceChoice("achievement", ref, _short(text), text.strip()))
    return choices
