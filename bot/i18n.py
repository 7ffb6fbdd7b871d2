"""Interface strings (gettext, built with Babel) and local date formatting.

Message ids are the English text; ``bot/locales/<lang>/LC_MESSAGES/bot.po``
holds the French and English catalogs, ``dialogues/locales`` those of the
questionnaire engine. The ``.po`` files are compiled in memory on first use,
so there is no binary to forget to rebuild, and a missing catalog is an error
rather than a silent fallback to the message ids.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.settings import SUPPORTED_LOCALES
from dialogues.languages import DEFAULT, language

CATALOG_DIRS = {
    "bot": Path(__file__).with_name("locales"),
    "dialogues": Path(__file__).parent.parent / "dialogues" / "locales",
}

Translate = Callable[[str], str]
NTranslate = Callable[[str, str, int], str]


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


def _compile(po_path: Path, locale: str) -> gettext.GNUTranslations:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translations(locale: str) -> gettext.GNUTranslations:
    if locale not in SUPPORTED_LOCALES:
        locale = DEFAULT.code
    merged: gettext.GNUTranslations | None = None
    for domain, directory in CATALOG_DIRS.items():
        po_path = directory / locale / "LC_MESSAGES" / f"{domain}.po"
        if not po_path.exists():
            if domain == "bot":
                raise FileNotFoundError(f"missing catalog {po_path}")
            continue
        compiled = _compile(po_path, locale)
        if merged is None:
            merged = compiled
        else:
            merged.add_fallback(compiled)
    assert merged is not None
    return merged


def gettext_for(locale: str) -> Translate:
    return translations(locale).gettext


def ngettext_for(locale: str) -> NTranslate:
    return translations(locale).ngettext


def ngettext_of(_: Translate) -> NTranslate:
    """The plural-aware twin of a ``_`` from :func:`gettext_for`.

    Many text builders receive only ``_``; this saves threading the locale
    through them just to say "1 réponse" and "2 réponses".
    """
    catalog = getattr(_, "__self__", None)
    if isinstance(catalog, gettext.NullTranslations):
        return catalog.ngettext

    def fallback(singular: str, plural: str, n: int) -> str:
        return _(singular if n == 1 else plural)

    return fallback


def format_datetime(moment: datetime, locale: str, timezone: str, fmt: str = "medium") -> str:
    """A UTC instant shown in the person's zone and language (Babel)."""
    return babel_format_datetime(moment, format=fmt, tzinfo=ZoneInfo(timezone), locale=locale)


def format_date_long(moment: datetime, locale: str, timezone: str) -> str:
    return babel_format_datetime(
        moment, format="d MMMM y", tzinfo=ZoneInfo(timezone), locale=locale
    )


def format_day_and_time(moment: datetime, locale: str, timezone: str) -> str:
    """ "2 décembre 2026 à 8 h 37" / "2 December 2026 at 8:37 AM": a date with its time."""
    _ = gettext_for(locale)
    return _("{date} at {time}").format(
        date=format_date_long(moment, locale, timezone),
        time=clock_text(moment, locale, timezone),
    )


def format_short_moment(moment: datetime, locale: str, timezone: str) -> str:
    """ "2 déc. 16 h 03" / "2 Dec 4:03 PM": a date and time short enough for a button."""
    day = babel_format_datetime(moment, format="d MMM", tzinfo=ZoneInfo(timezone), locale=locale)
    return f"{day} {clock_text(moment, locale, timezone)}"


def format_recent(moment: datetime, locale: str, timezone: str, now: datetime) -> str:
    """When something happened, the way one says it: "aujourd'hui à 8 h 22", "hier à 17 h 05",
    "le 2 décembre" (this year), "le 2 décembre 2025" (before)."""
    _ = gettext_for(locale)
    zone = ZoneInfo(timezone)
    day, today = moment.astimezone(zone).date(), now.astimezone(zone).date()
    hour = clock_text(moment, locale, timezone)
    if day == today:
        return _("today at {time}").format(time=hour)
    if (today - day).days == 1:
        return _("yesterday at {time}").format(time=hour)
    pattern = "d MMMM" if day.year == today.year else "d MMMM y"
    date = babel_format_datetime(moment, format=pattern, tzinfo=zone, locale=locale)
    return _("on {date}").format(date=date)


def clock_text(moment: datetime, locale: str, timezone: str) -> str:
    """The time of day as people write it: "14 h 30", "9 h" in French; "2:30 PM" in English."""
    local = moment.astimezone(ZoneInfo(timezone))
    dates = language(locale).dates
    pattern = dates.clock if local.minute else dates.clock_on_the_hour
    return babel_format_datetime(local, format=pattern, locale=locale)


def moment_text(
    moment: datetime, locale: str, timezone: str, now: datetime | None = None, on: bool = False
) -> str:
    """ "jeudi 3 décembre 2026 à 14 h 30"; with ``now``, "aujourd'hui à 14 h 30" on the
    same local day and "demain à 9 h" on the next, as a reminder would say it. ``on``
    words a date to follow a verb: "le jeudi 3 décembre 2026 à 14 h 30"."""
    zone = ZoneInfo(timezone)
    clock = clock_text(moment, locale, timezone)
    _ = gettext_for(locale)
    if now is not None:
        days = (moment.astimezone(zone).date() - now.astimezone(zone).date()).days
        if days == 0:
            return _("today at {time}").format(time=clock)
        if days == 1:
            return _("tomorrow at {time}").format(time=clock)
    day = babel_format_datetime(moment, format="EEEE d MMMM y", tzinfo=zone, locale=locale)
    if on:
        return _("on {day} at {time}").format(day=day, time=clock)
    return _("{day} at {time}").format(day=day, time=clock)
