"""Numbers, months and dates written for reading, in French or English (Babel).

French typography: decimal comma ("12,5"), no-break space before a unit
("12,5 ans"), "1er mars 2024" for the first of the month. Numbers below 10 000
are not grouped in either language, so that years read "2019", not "2 019".
English uses British conventions ("12 March 2024"): the people this bot serves
live in France.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

from dialogues.instruments import LocalizedText
from dialogues.languages import for_locale, pick

NBSP = "\u00a0"
_AROUND = {"fr": "vers {year}", "en": "around {year}"}
"""An approximate year, in :func:`format_month_year`."""


def babel_locale(locale: str | None) -> str:
    return for_locale(locale).babel


def format_number(value: int | float, locale: str | None, unit: LocalizedText | None = None) -> str:
    text = format_decimal(value, locale=babel_locale(locale), group_separator=abs(value) >= 10_000)
    return f"{text}{NBSP}{unit.get(locale)}" if unit is not None else text


def format_month_year(value: str, locale: str | None) -> str:
    """``"2019-03"`` → "mars 2019" / "March 2019"; an approximate ``"2015"`` → "vers 2015"."""
    if "-" not in value:
        return pick(_AROUND, for_locale(locale), "an approximate year").format(year=value)
    year, month = (int(part) for part in value.split("-"))
    return babel_format_date(dt.date(year, month, 1), "LLLL y", locale=babel_locale(locale))


def format_iso_date(value: str, locale: str | None) -> str:
    """``"2024-03-12"`` → "12 mars 2024" / "12 March 2024"."""
    day = dt.date.fromisoformat(value)
    lang = for_locale(locale)
    if lang.first_of_month is not None and day.day == 1:
        return f"{lang.first_of_month} " + babel_format_date(day, "MMMM y", locale=lang.babel)
    return babel_format_date(day, "d MMMM y", locale=babel_locale(locale))
