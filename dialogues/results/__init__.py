"""Turn scored results into the plain-language message the beneficiary reads.

The counsellor reads the same result about the person (``about=`` their name):
in the third person, without the explanations addressed to the beneficiary.

The texts live in `texts.toml` next to this module (content is data), in French and
English. Messages are plain text that is also safe inside Telegram HTML: they never
contain "<", ">" or "&" (the few that could come in are escaped).
"""

from __future__ import annotations

import html
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from dialogues.languages import codes, for_locale, pick
from dialogues.scoring.riasec import TYPES, RiasecResult
from dialogues.scoring.values import VALUES, ValuesResult

LOCALES: tuple[str, ...] = codes()


@cache
def texts() -> dict[str, Any]:
    """The parsed `texts.toml` (read once)."""
    raw = resources.files(__package__).joinpath("texts.toml").read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


def lang(locale: str | None) -> str:
    """Map "fr", "fr_FR", "en-GB"... to a supported language; French by default."""
    return for_locale(locale).code


def _in(table: dict[str, Any], locale: str | None) -> str:
    """``table``'s text in the language of ``locale``."""
    return str(pick(table, for_locale(locale), "a text of results/texts.toml"))


def _plain(name: str | None) -> str:
    """A name safe to put in a text that is formatted afterwards (no braces)."""
    return (name or "").replace("{", "(").replace("}", ")")


def _msg(name: str, locale: str, about: str | None = None) -> str:
    """A message; with ``about`` (the person's name), the counsellor's wording if it differs."""
    table = texts()["counsellor_messages"] if about is not None else {}
    found = table.get(name) or texts()["messages"][name]
    return _in(found, locale).replace("{person}", _plain(about))


_message = _msg


def chart_text(name: str, locale: str, about: str | None = None) -> str:
    """A label used on the result charts; ``about`` as in :func:`describe_riasec`."""
    table = texts()["counsellor_charts"] if about is not None else {}
    found = table.get(name) or texts()["charts"][name]
    return _in(found, locale).replace("{person}", _plain(about))


def riasec_name(letter: str, locale: str) -> str:
    """The type's name in the locale, e.g. "Social", "Entreprenant"."""
    return _in(texts()["riasec"][letter]["name"], locale)


def riasec_enjoys(letter: str, locale: str) -> str:
    return _in(texts()["riasec"][letter]["enjoys"], locale)


def value_name(key: str, locale: str) -> str:
    """The work value's name in the locale, e.g. "Autonomie"."""
    return _in(texts()["values"][key]["name"], locale)


def value_means(key: str, locale: str) -> str:
    return _in(texts()["values"][key]["means"], locale)


def format_score(score: float, locale: str) -> str:
    """12.0 -> "12", 12.5 -> "12,5" in French and "12.5" in English."""
    text = f"{score:.0f}" if float(score).is_integer() else f"{score:.1f}"
    return text.replace(".", ",") if for_locale(locale).decimal_comma else text


def _join(items: list[str], locale: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_msg('and', locale)} {items[-1]}"


def _safe(text: str) -> str:
    return html.escape(text, quote=False)


def _tied_groups_in_top(groups: list[list[str]], top: list[str]) -> list[list[str]]:
    return [g for g in groups if len(g) > 1 and set(g) & set(top)]


def describe_riasec(result: RiasecResult, locale: str, about: str | None = None) -> str:
    """The result message: code, what each top type enjoys, and that it is no verdict.

    ``about`` is the person's name when their counsellor reads it."""

    def _msg(name: str, locale: str) -> str:
        return _message(name, locale, about)

    lines = [_msg("riasec_heading", locale), ""]
    scores = " · ".join(f"{t} {format_score(result.scores[t], locale)}" for t in TYPES)
    if not result.complete:
        answered, total = sum(result.answered.values()), sum(result.items.values())
        lines.append(_msg("riasec_incomplete", locale).format(answered=answered, total=total))
    elif result.flat or result.code is None:
        lines.append(_msg(f"riasec_flat_{result.flat_reason or 'undifferentiated'}", locale))
        lines += ["", _msg("riasec_scores", locale).format(scores=scores)]
    else:
        lines.append(_msg("riasec_code", locale).format(code=result.code))
        for group in _tied_groups_in_top(result.groups, list(result.code)):
            lines.append(_msg("riasec_tie", locale).format(tied=_join(group, locale)))
        lines += ["", _msg("riasec_top_intro", locale)]
        for letter in result.code:
            lines.append(
                _msg("riasec_type_line", locale).format(
                    letter=letter,
                    name=riasec_name(letter, locale),
                    enjoys=riasec_enjoys(letter, locale),
                )
            )
        lines += ["", _msg("riasec_scores", locale).format(scores=scores)]
    lines += ["", _msg("starting_point", locale)]
    return _safe("\n".join(lines))


def describe_values(result: ValuesResult, locale: str, about: str | None = None) -> str:
    """The result message: the values that matter most, the rest, and that it is no verdict.

    ``about`` is the person's name when their counsellor reads it."""

    def _msg(name: str, locale: str) -> str:
        return _message(name, locale, about)

    lines = [_msg("values_heading", locale), ""]
    if not result.complete:
        lines.append(
            _msg("values_incomplete", locale).format(
                answered=result.answered_pairs, total=result.total_pairs
            )
        )
    else:
        top = result.order[:3]
        lines.append(_msg("values_top_intro", locale))
        for rank, key in enumerate(top, 1):
            lines.append(
                _msg("values_line", locale).format(
                    rank=rank,
                    name=value_name(key, locale),
                    score=format_score(result.scores[key], locale),
                    max=result.scale_max,
                    means=value_means(key, locale),
                )
            )
        for group in _tied_groups_in_top(result.groups, top):
            names = [value_name(k, locale) for k in group]
            lines.append(_msg("values_tie", locale).format(tied=_join(names, locale)))
        rest = [value_name(k, locale) for k in result.order[3:]]
        lines += ["", _msg("values_rest", locale).format(names=_join(rest, locale))]
        lines += ["", _msg("values_relative", locale)]
    lines += ["", _msg("starting_point", locale)]
    return _safe("\n".join(lines))


__all__ = [
    "LOCALES",
    "VALUES",
    "chart_text",
    "describe_riasec",
    "describe_values",
    "format_score",
    "lang",
    "riasec_name",
    "value_name",
]
