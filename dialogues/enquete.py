"""The enquête métier guide: our questions, and the ROME sheet's own prompts for one job.

The guide's wording lives in ``instruments/guides/enquete_metier.toml`` (content
is data, French and English side by side); the job-specific prompts come from
the ROME extract: the sheet's core skills and its work contexts (hours,
places, conditions), which the person can check with someone who does the
job. Pure: no I/O beyond reading the shipped files.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from dialogues.languages import Language, codes, for_locale, pick
from dialogues.rome import Rome

GUIDE_FILE = ("instruments", "guides", "enquete_metier.toml")
SKILL_PROMPTS = 5
CONTEXT_PROMPTS = 6


@dataclass(frozen=True)
class Theme:
    key: str
    title: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Guide:
    """The guide in one language, with the prompts of one job sheet when there is one."""

    title: str
    intro: str
    source: str
    themes: tuple[Theme, ...]
    skills_heading: str
    contexts_heading: str
    skills: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()


@cache
def _raw() -> dict[str, Any]:
    path = resources.files(__package__)
    for part in GUIDE_FILE:
        path = path.joinpath(part)
    data = tomllib.loads(path.read_bytes().decode("utf-8"))
    for theme in data["themes"]:
        for question in theme["questions"]:
            if set(question) != set(codes()):
                raise ValueError(
                    f"guide theme {theme['key']}: a question needs {' and '.join(codes())}"
                )
    return data


def _in(value: dict[str, str], lang: Language) -> str:
    return lang.typeset(pick(value, lang, "a text of the enquête guide"))


def guide(locale: str, rome: Rome | None = None, code: str | None = None) -> Guide:
    """The guide in ``locale``; with ``code``, the ROME sheet's skills and contexts as prompts."""
    lang = for_locale(locale)
    data = _raw()
    themes = tuple(
        Theme(t["key"], _in(t["title"], lang), tuple(_in(q, lang) for q in t["questions"]))
        for t in data["themes"]
    )
    skills: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()
    if rome is not None and code is not None and code in rome:
        savoir_faire, _savoir_etre = rome.skills(code)
        skills = tuple(s.label for s in savoir_faire[:SKILL_PROMPTS])
        contexts = tuple(c.label for c in rome.contexts(code)[:CONTEXT_PROMPTS])
    return Guide(
        title=_in(data["title"], lang),
        intro=_in(data["intro"], lang),
        source=_in(data["source"], lang),
        themes=themes,
        skills_heading=_in(data["skills_heading"], lang),
        contexts_heading=_in(data["contexts_heading"], lang),
        skills=skills,
        contexts=contexts,
    )


def theme_keys() -> tuple[str, ...]:
    return tuple(t["key"] for t in _raw()["themes"])
