"""Dates and times as people type them, in French and in English.

A counsellor types when a session is ("12/03 14h30", "mardi 14h",
"demain 10h", "14/03/2027 9h", "Tuesday 2pm", "03/12 14:30"), a due date for
a task ("vendredi", "dans 2 semaines"), or just an hour once the day is
chosen. This module reads those phrases with the standard library only: the
grammar is small, and a parser we own says *no* to anything it does not
fully understand rather than guess (a wrong session date is worse than a
second try).

Numeric dates follow the person's language: day first in French
(``12/03`` is 12 March), month first in English (``03/12`` is 12 March).
Words of both languages are understood whatever the interface language,
since people mix them. A weekday means the next such day, never today
("mardi" typed on a Tuesday is next week's). A date without a year is this
year's, unless it is more than :data:`PAST_GRACE` in the past, then next
year's (typing "05/01" in December means January).

Everything here is on the *local* wall clock of the person typing; turn the
result into UTC with :func:`to_utc` using their zone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialogues.languages import language

PAST_GRACE = timedelta(days=30)
MAX_TEXT = 80

_WEEKDAYS = {
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
    "lun": 0,
    "mar": 1,
    "mer": 2,
    "jeu": 3,
    "ven": 4,
    "sam": 5,
    "dim": 6,
}

_MONTHS = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}

_RELATIVE_DAYS = {
    "aujourdhui": 0,
    "aujourd hui": 0,
    "today": 0,
    "demain": 1,
    "tomorrow": 1,
    "apres demain": 2,
    "apresdemain": 2,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
}

_NUMBER_WORDS = {
    "un": 1,
    "une": 1,
    "a": 1,
    "an": 1,
    "one": 1,
    "deux": 2,
    "two": 2,
    "trois": 3,
    "three": 3,
    "quatre": 4,
    "four": 4,
    "cinq": 5,
    "five": 5,
    "six": 6,
}

# Words that carry no information of their own between the parts of a phrase.
_FILLERS = {
    "a",
    "le",
    "la",
    "l",
    "de",
    "du",
    "ce",
    "cette",
    "prochain",
    "prochaine",
    "at",
    "on",
    "the",
    "this",
    "next",
    "vers",
    "around",
    "heures",
    "heure",
    "h",
}

_WORD = r"(?<![a-z0-9/.:])"
_END = r"(?![a-z0-9])"


class _Impossible:
    """A part of the phrase that looks like a date or time but is none (31/02, 25h)."""


IMPOSSIBLE = _Impossible()


@dataclass(frozen=True)
class When:
    """What a phrase named: a day, a time of day, or both (never neither)."""

    day: date | None
    at: time | None
    until: time | None = None
    """The end of a range ("jeudi 14h-15h30"), later than ``at`` on the same day."""

    @property
    def minutes(self) -> int | None:
        """The length of the range in minutes, None without one."""
        if self.at is None or self.until is None:
            return None
        return (self.until.hour - self.at.hour) * 60 + self.until.minute - self.at.minute


def _fold(text: str) -> str:
    """Lower case, no accents, apostrophes and dashes as spaces, single spaces."""
    # "14h-15h30", "14:00 – 15:30", "2pm-3:30pm": a range of two times, not a date.
    text = re.sub(r"(?<=[\dhHmM])\s*[-–]\s*(?=\d{1,2}\s*(?:h|H|:\d{2}|am|pm|AM|PM))", " ", text)
    text = re.sub(r"(?<=\d)-(?=\d)", "/", text)
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"[’'`\-]", " ", plain)
    plain = re.sub(r"[,;!?]", " ", plain)
    return re.sub(r"\s+", " ", plain).strip()


class _Text:
    """The folded phrase, from which each recognised part is cut out."""

    def __init__(self, text: str) -> None:
        self.rest = f" {text} "

    def take(self, pattern: str) -> re.Match[str] | None:
        found = re.search(pattern, self.rest)
        if found is not None:
            self.rest = self.rest[: found.start()] + " " + self.rest[found.end() :]
        return found

    def leftover(self) -> list[str]:
        words = self.rest.split()
        return [w for w in words if w not in _FILLERS]


def _time_of(text: _Text) -> time | _Impossible | None:
    """The time in the phrase, :data:`IMPOSSIBLE`, or ``None`` if there is none."""
    found = text.take(_WORD + r"(\d{1,2}) ?(?::|\.)? ?(\d{2})? ?(am|pm|a m|p m)" + _END)
    if found is not None:
        hour, minute = int(found.group(1)), int(found.group(2) or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return IMPOSSIBLE
        hour %= 12
        if found.group(3).replace(" ", "") == "pm":
            hour += 12
        return time(hour, minute)
    found = text.take(_WORD + r"(\d{1,2}) ?(?:heures?|h) ?(\d{2})?" + _END)
    if found is None:
        found = text.take(_WORD + r"(\d{1,2}):(\d{2})" + _END)
    if found is not None:
        hour, minute = int(found.group(1)), int(found.group(2) or 0)
        if hour > 23 or minute > 59:
            return IMPOSSIBLE
        return time(hour, minute)
    if text.take(_WORD + r"(midi|noon)" + _END):
        return time(12, 0)
    if text.take(_WORD + r"(minuit|midnight)" + _END):
        return time(0, 0)
    return None


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = int(raw)
    return 2000 + value if value < 100 else value


def _dated(year: int | None, month: int, day: int, today: date) -> date | None:
    """A calendar date; without a year the next one that is not long past."""
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
    except ValueError:
        if year is None and month == 2 and day == 29:
            # 29 February of a year that has none: the next leap year's.
            for later in range(today.year + 1, today.year + 5):
                try:
                    return date(later, 2, 29)
                except ValueError:
                    continue
        return None
    if candidate < today - PAST_GRACE:
        try:
            return date(today.year + 1, month, day)
        except ValueError:
            return None
    return candidate


def _count(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word)


def _calendar_date(text: _Text, locale: str, today: date) -> date | _Impossible | None:
    """A date written with numbers or a month name, :data:`IMPOSSIBLE`, or ``None``."""
    found = text.take(_WORD + r"(\d{4})/(\d{1,2})/(\d{1,2})" + _END)
    if found is not None:
        return (
            _dated(int(found.group(1)), int(found.group(2)), int(found.group(3)), today)
            or IMPOSSIBLE
        )
    found = text.take(_WORD + r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2}))?" + _END)
    if found is not None:
        first, second = int(found.group(1)), int(found.group(2))
        day, month = (second, first) if language(locale).month_first else (first, second)
        return _dated(_year(found.group(3)), month, day, today) or IMPOSSIBLE
    months = "|".join(sorted(_MONTHS, key=len, reverse=True))
    found = text.take(
        _WORD + rf"(\d{{1,2}})(?:er|st|nd|rd|th)? ({months})\.?(?: (\d{{4}}))?" + _END
    )
    if found is not None:
        month = _MONTHS[found.group(2)]
        return _dated(_year(found.group(3)), month, int(found.group(1)), today) or IMPOSSIBLE
    found = text.take(_WORD + rf"({months})\.? (\d{{1,2}})(?:st|nd|rd|th)?(?: (\d{{4}}))?" + _END)
    if found is not None:
        month = _MONTHS[found.group(1)]
        return _dated(_year(found.group(3)), month, int(found.group(2)), today) or IMPOSSIBLE
    return None


def _weekday(text: _Text) -> int | None:
    weekdays = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
    found = text.take(_WORD + rf"({weekdays})\.?" + _END)
    return None if found is None else _WEEKDAYS[found.group(1)]


def _day_of(text: _Text, locale: str, today: date) -> date | _Impossible | None:
    """The day in the phrase, :data:`IMPOSSIBLE`, or ``None`` if there is none."""
    written = _calendar_date(text, locale, today)
    if written is not None:
        # "mardi 12 mars": the weekday must agree with the date, else it is a slip.
        weekday = _weekday(text)
        if isinstance(written, _Impossible):
            return IMPOSSIBLE
        if weekday is not None and weekday != written.weekday():
            return IMPOSSIBLE
        return written
    for phrase in sorted(_RELATIVE_DAYS, key=len, reverse=True):
        if text.take(_WORD + re.escape(phrase) + _END):
            return today + timedelta(days=_RELATIVE_DAYS[phrase])
    numbers = "|".join([r"\d{1,3}", *_NUMBER_WORDS])
    found = text.take(_WORD + rf"(?:dans|in) ({numbers}) (jours?|days?|semaines?|weeks?)" + _END)
    if found is not None:
        count = _count(found.group(1))
        if count is None:
            return IMPOSSIBLE
        unit = 7 if found.group(2).startswith(("semaine", "week")) else 1
        return today + timedelta(days=count * unit)
    weekday = _weekday(text)
    if weekday is not None:
        return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    found = text.take(_WORD + r"(?:le|the) (\d{1,2})(?:er|st|nd|rd|th)?" + _END)
    if found is not None:
        return _day_of_month(int(found.group(1)), today) or IMPOSSIBLE
    return None


def _day_of_month(day: int, today: date) -> date | None:
    """ "le 12": the next 12th, this month's if it has not passed (today counts)."""
    year, month = today.year, today.month
    for _ in range(3):  # the 31st may skip a short month
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def parse_when(text: str, locale: str, today: date) -> When | None:
    """Read a day and/or a time of day; ``None`` unless the whole phrase is understood.

    ``today`` is the person's local date. Words of either language are read;
    ``locale`` decides only the order of day and month in numeric dates.
    """
    if not text or len(text) > MAX_TEXT:
        return None
    phrase = _Text(_fold(text))
    day = _day_of(phrase, locale, today)
    at = _time_of(phrase)
    until = _time_of(phrase) if isinstance(at, time) else None
    if isinstance(day, _Impossible) or isinstance(at, _Impossible):
        return None
    if isinstance(until, _Impossible) or (until is not None and at is not None and until <= at):
        return None
    if day is None and at is None:
        # A bare hour, as in "à 14" or "9", once the day is known.
        found = phrase.take(_WORD + r"(\d{1,2})" + _END)
        if found is None or int(found.group(1)) > 23:
            return None
        at = time(int(found.group(1)))
    if phrase.leftover():
        return None
    return When(day, at, until)


def to_utc(day: date, at: time, timezone: str) -> datetime:
    """The UTC instant of a wall-clock time in ``timezone``.

    A time that does not exist (skipped by a spring-forward change) is read
    with the offset in force before the change, which lands just after it:
    02:30 on the last Sunday of March in Paris is 03:30 summer time.
    """
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_today(now: datetime, timezone: str) -> date:
    """The person's date at the UTC instant ``now``."""
    return now.astimezone(ZoneInfo(timezone)).date()
