"""Reading a typed month or date, the way people in France actually type them.

Month names are understood in both languages whatever the person's language
(a French speaker may well type "March 2019"), accents and capitals optional,
abbreviations with or without a dot ("févr.", "Sept", "Mar").

Decisions, so that a date is never silently misread:

- years must have four digits (1900–2100): "03/19" could be 1919 or 2019;
- ISO ``2024-03-12`` is always accepted;
- French: numeric dates are day first, always ("12/03/2024" = 12 March);
- English: the users of this bot live in Europe and often type day first,
  while others type month first. A numeric date is accepted when only one
  reading exists ("25/03/2024", "03/25/2024") or both agree ("05/05/2024");
  otherwise ("03/04/2024") it is rejected as ``ambiguous_date`` and the person
  is asked to write the month in letters. Dates in letters work both ways
  round: "12 March 2024", "March 12, 2024", "1st March 2024", "1er mars 2024";
- a nonexistent day (31/02/2024, 13th month in a French numeric date) is
  ``date_does_not_exist``, not silently moved.

The engine is pure, so no reading depends on today's date.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from dialogues.engine.outcome import Accepted, ParseResult, Rejected
from dialogues.languages import language

MIN_YEAR, MAX_YEAR = 1900, 2100

_MONTH_WORDS: dict[int, tuple[str, ...]] = {
    1: ("janvier", "janv", "january", "jan"),
    2: ("fevrier", "fevr", "fev", "february", "feb"),
    3: ("mars", "march", "mar"),
    4: ("avril", "avr", "april", "apr"),
    5: ("mai", "may"),
    6: ("juin", "june", "jun"),
    7: ("juillet", "juil", "july", "jul"),
    8: ("aout", "august", "aug"),
    9: ("septembre", "sept", "sep", "september"),
    10: ("octobre", "oct", "october"),
    11: ("novembre", "nov", "november"),
    12: ("decembre", "dec", "december"),
}
MONTHS: dict[str, int] = {word: n for n, words in _MONTH_WORDS.items() for word in words}

_WEEKDAYS = frozenset(
    {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}
    | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)
_FILLERS = frozenset({"le", "the", "of", "de", "d", "en", "in"})
_ORDINAL = re.compile(r"(\d{1,2})(?:er|re|e|st|nd|rd|th)")
_SEP = r"\s*([/.\-])\s*"


def fold(text: str) -> str:
    """Lower case, accents removed, curly apostrophes straightened, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def _words(text: str) -> list[str]:
    """Tokens of a date in letters, fillers and weekdays dropped, "1er" → "1"."""
    tokens = [_unordinal(t) for t in re.split(r"[\s,.']+", text) if t]
    return [t for t in tokens if t not in _FILLERS and t not in _WEEKDAYS]


def _unordinal(token: str) -> str:
    match = _ORDINAL.fullmatch(token)
    return match[1] if match else token


_APPROXIMATE = frozenset(
    {"vers", "environ", "env", "autour", "en", "de", "d", "l", "la", "le", "fin", "debut"}
    | {"mi", "milieu", "ete", "printemps", "automne", "hiver", "annee", "courant"}
    | {"around", "about", "circa", "ca", "c", "in", "early", "late", "mid", "the", "of"}
    | {"summer", "spring", "autumn", "fall", "winter", "roughly", "approximately", "~"}
)


def parse_month_year(
    text: str, approximate: bool = False, today: dt.date | None = None
) -> ParseResult:
    """``"YYYY-MM"`` from "03/2019", "3/2019", "2019-03", "mars 2019", "Mar 2019"…

    With ``approximate``, a year alone is enough: "2015", "vers 2015", "l'été 2015",
    "fin 2015" give ``"2015"`` (the season is not kept: it would be a month made up).
    With ``today``, a month still to come is ``future_date``.
    """
    result = _month_year(text, approximate)
    if today is not None and isinstance(result, Accepted) and isinstance(result.value, str):
        year, _, month = result.value.partition("-")
        if (int(year), int(month or 1)) > (today.year, today.month):
            return Rejected("future_date")
    return result


def _month_year(text: str, approximate: bool) -> ParseResult:
    t = fold(text)
    bad = Rejected("bad_month_year")
    if approximate:
        words = [w for w in re.split(r"[\s,.'~-]+", t) if w and w not in _APPROXIMATE]
        if len(words) == 1 and re.fullmatch(r"\d{4}", words[0]):
            if MIN_YEAR <= int(words[0]) <= MAX_YEAR:
                return Accepted(words[0])
            return bad
    if m := re.fullmatch(r"(\d{1,2})" + _SEP + r"(\d+)", t):
        month, year_text = int(m[1]), m[3]
    elif m := re.fullmatch(r"(\d{4})" + _SEP + r"(\d{1,2})", t):
        month, year_text = int(m[3]), m[1]
    else:
        words = _words(t)
        if len(words) != 2 or words[0] not in MONTHS:
            return bad
        month, year_text = MONTHS[words[0]], words[1]
    if not re.fullmatch(r"\d{4}", year_text) or not MIN_YEAR <= int(year_text) <= MAX_YEAR:
        return bad
    if not 1 <= month <= 12:
        return bad
    return Accepted(f"{year_text}-{month:02d}")


def parse_date(text: str, lang: str, today: dt.date | None = None) -> ParseResult:
    """``"YYYY-MM-DD"`` from a typed date; see the module docstring for the rules.

    ``lang`` is a code of :mod:`dialogues.languages`: whether a numeric date may be
    month first comes from there.
    With ``today``, a day still to come is ``future_date``.
    """
    result = _date(text, lang)
    value = result.value if isinstance(result, Accepted) else None
    if today is not None and isinstance(value, str) and dt.date.fromisoformat(value) > today:
        return Rejected("future_date")
    return result


def _date(text: str, lang: str) -> ParseResult:
    t = fold(text)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t):
        return _checked(m[1], int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2})" + _SEP + r"(\d{1,2})\s*\2\s*(\d+)", t):
        first, second, year = int(m[1]), int(m[3]), m[4]
        if not language(lang).month_first or first > 12 or first == second:
            day, month = first, second
        elif second > 12:
            month, day = first, second
        else:
            return Rejected("ambiguous_date")
        return _checked(year, month, day)
    words = _words(t)
    if len(words) == 3:
        if words[0].isdigit() and words[1] in MONTHS:
            return _checked(words[2], MONTHS[words[1]], int(words[0]))
        if words[0] in MONTHS and words[1].isdigit():
            return _checked(words[2], MONTHS[words[0]], int(words[1]))
    return Rejected("bad_date")


def _checked(year_text: str, month: int, day: int) -> ParseResult:
    if not re.fullmatch(r"\d{4}", year_text) or not MIN_YEAR <= int(year_text) <= MAX_YEAR:
        return Rejected("bad_date")
    try:
        return Accepted(dt.date(int(year_text), month, day).isoformat())
    except ValueError:
        return Rejected("date_does_not_exist")
