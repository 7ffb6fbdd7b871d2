"""Days, times and durations as people write them, shared by sessions, tasks and enquêtes."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date

from bot.i18n import Translate, format_datetime, moment_text
from bot.settings import DEFAULT_TIMEZONE
from dialogues.languages import language


def when_text(moment: datetime, locale: str, timezone: str) -> str:
    """ "jeudi 3 décembre 2026 à 14 h 30", as people write it."""
    return moment_text(moment, locale, timezone)


def zone_note(timezone: str) -> str:
    """ " (America/New_York)" for someone outside the usual zone; nothing for the others."""
    return "" if timezone == DEFAULT_TIMEZONE else f" ({timezone})"


def when_short(moment: datetime, locale: str, timezone: str) -> str:
    return format_datetime(moment, locale, timezone, language(locale).dates.session_button)


def day_text(day: date, locale: str) -> str:
    return format_date(day, "EEEE d MMMM y", locale=locale)


def duration_text(minutes: int, _: Translate) -> str:
    hours, rest = divmod(minutes, 60)
    if not rest:
        return _("{hours} h").format(hours=hours)
    if not hours:
        return _("{minutes} min").format(minutes=rest)
    return _("{hours} h {minutes:02d}").format(hours=hours, minutes=rest)
