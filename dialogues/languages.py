"""The languages the bot speaks, in one table, and the way to ask it.

Every choice that depends on the language — which text of a bilingual data file
to show, the language picker's buttons, Babel's locale, how a date, a time or a
decimal is written, French no-break spaces — asks this table instead of writing
``"en" if locale == "en" else "fr"`` on the spot. Adding a language is adding a
:class:`Language` to :data:`LANGUAGES` (the dataclass has no defaults, so every
convention must be given), then its text to each data source;
``tests/test_languages.py`` names every source that still lacks it.

A language missing from a mapping raises :class:`MissingLanguage`; a code that is
not in the table raises :class:`UnknownLanguage`. Neither falls back to French:
a German speaker shown French by a forgotten table would have no way to tell us.
The one deliberate fallback is :func:`for_locale`, for a locale we do not speak
at all (a Telegram app set to Italian): that person gets :data:`DEFAULT`, the
language the bilan is held in.

The ``code`` is also the key of the language's text in every bilingual data file
(``fr = …`` / ``en = …`` in the TOML files, the fields of
:class:`dialogues.instruments.LocalizedText`, ``locales/<code>/`` catalogs): there
is no second name to keep in step. The ROME extract is French only (France
Travail publishes it so) and has no per-language entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from dialogues.typography import french_spacing

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "DatePatterns",
    "Language",
    "MissingLanguage",
    "UnknownLanguage",
    "codes",
    "for_locale",
    "language",
    "missing",
    "pick",
]

T = TypeVar("T")


class UnknownLanguage(ValueError):
    """A code that is not one of the table's; the message lists the ones it has."""


class MissingLanguage(LookupError):
    """A per-language mapping lacks one of the table's languages; the message says which."""


@dataclass(frozen=True)
class DatePatterns:
    """Babel patterns of the moments the bot writes, one per place that writes them.

    The places do not all agree (the journal writes "14:05" in French where the
    desk writes "14 h 05"; the export writes "14:05" in English where the desk
    writes "2:05 PM"): each keeps its own pattern, so that moving them here
    changed no text a person reads.
    """

    clock: str
    """A time of day in a sentence: "14 h 30", "2:30 PM" (``bot.i18n.clock_text``)."""
    clock_on_the_hour: str
    """The same when the minutes are zero: "9 h", "9:00 AM"."""
    digest_hour: str
    """The hour a digest is sent, in its settings: "8 h 30", "8:30"."""
    session_button: str
    """A session on a button, weekday and day first: "jeu. 3/12 14:30"."""
    journal_entry: str
    """When a journal note was written: "3 déc. 2026, 14:30"."""
    desk_when: str
    """A moment on the desk, in full: "jeudi 3 décembre 2026 à 14 h 30"."""
    desk_short: str
    """A moment in a desk list: "3 déc. 2026, 14 h 30"."""
    export_when: str
    """A moment in the exported dossier: "3 décembre 2026 à 14 h 30"."""


@dataclass(frozen=True)
class Language:
    """One language the bot speaks, with the conventions that go with it."""

    code: str
    """ISO 639-1 code: what is stored as a person's locale, and the key of the
    language's text in every bilingual data file."""
    name: str
    """The language's name in itself, for the language picker: "Français"."""
    flag: str
    """The flag on the picker's button."""
    babel: str
    """Babel locale of numbers and dates in ``dialogues`` ("en_GB": British English,
    the people this bot serves live in France). ``bot`` passes the bare code."""
    spaced_punctuation: bool
    """No-break spaces before ``? ! ; :`` and inside « » (French typography)."""
    quotes: tuple[str, str]
    """Opening and closing quotation marks, with the spaces that go inside."""
    decimal_comma: bool
    """"12,5": the comma is the decimal mark, so "1,234" is not one thousand."""
    month_first: bool
    """"3/12" may be 12 March: numeric dates can be written month first."""
    first_of_month: str | None
    """How the first day of a month is written when not as "1": "1er mars"."""
    dates: DatePatterns

    @property
    def label(self) -> str:
        """The picker's button: "🇫🇷 Français"."""
        return f"{self.flag} {self.name}"

    @property
    def tag(self) -> str:
        """BCP 47 tag for a document's spelling and hyphenation: "fr-FR"."""
        return self.babel.replace("_", "-")

    def typeset(self, text: str) -> str:
        """``text`` with the language's typography (French no-break spaces)."""
        return french_spacing(text) if self.spaced_punctuation else text

    def quoted(self, text: str) -> str:
        opening, closing = self.quotes
        return f"{opening}{text}{closing}"


FRENCH = Language(
    code="fr",
    name="Français",
    flag="🇫🇷",
    babel="fr_FR",
    spaced_punctuation=True,
    quotes=("«\u00a0", "\u00a0»"),
    decimal_comma=True,
    month_first=False,
    first_of_month="1er",
    dates=DatePatterns(
        clock="H 'h' mm",
        clock_on_the_hour="H 'h'",
        digest_hour="H 'h' mm",
        session_button="EEE d/MM HH:mm",
        journal_entry="d MMM y, HH:mm",
        desk_when="EEEE d MMMM y 'à' H 'h' mm",
        desk_short="d MMM y, H 'h' mm",
        export_when="d MMMM y 'à' H 'h' mm",
    ),
)

ENGLISH = Language(
    code="en",
    name="English",
    flag="🇬🇧",
    babel="en_GB",
    spaced_punctuation=False,
    quotes=("“", "”"),
    decimal_comma=False,
    month_first=True,
    first_of_month=None,
    dates=DatePatterns(
        clock="h:mm a",
        clock_on_the_hour="h:mm a",
        digest_hour="H:mm",
        session_button="EEE MM/dd h:mm a",
        journal_entry="d MMM y, h:mm a",
        desk_when="EEEE d MMMM y 'at' h:mm a",
        desk_short="d MMM y, h:mm a",
        export_when="d MMMM y 'at' HH:mm",
    ),
)

LANGUAGES: tuple[Language, ...] = (FRENCH, ENGLISH)
"""Every language we speak, in the picker's order."""

DEFAULT = FRENCH
"""The language of the bilan: for whoever's locale we do not speak."""

_BY_CODE = {lang.code: lang for lang in LANGUAGES}


def codes() -> tuple[str, ...]:
    """The table's codes, in its order: ``("fr", "en")``."""
    return tuple(_BY_CODE)


def language(code: str) -> Language:
    """The language of ``code``; :class:`UnknownLanguage` when we do not speak it."""
    found = _BY_CODE.get(code)
    if found is None:
        raise UnknownLanguage(
            f"unknown language code {code[:12]!r}: the table has {', '.join(codes())}"
        )
    return found


def for_locale(locale: str | None) -> Language:
    """The language to speak to someone whose locale is ``locale`` ("fr", "en-GB", "fr_FR").

    Its primary subtag when the table has it; :data:`DEFAULT` otherwise (no
    locale, or one we do not speak).
    """
    short = (locale or "").replace("-", "_").split("_")[0].lower()
    return _BY_CODE.get(short, DEFAULT)


def _code(lang: str | Language) -> str:
    return lang.code if isinstance(lang, Language) else language(lang).code


def pick(mapping: Mapping[str, T], lang: str | Language, what: str = "a per-language table") -> T:
    """``mapping``'s value for ``lang``, a code of the table or a :class:`Language`.

    :class:`UnknownLanguage` for a code the table does not have; :class:`MissingLanguage`
    when the mapping lacks the language — never another language's value instead.
    ``what`` names the mapping in that message.
    """
    code = _code(lang)
    if code not in mapping:
        raise MissingLanguage(
            f"{what} has no {code!r} entry (it has {', '.join(map(str, mapping)) or 'none'})"
        )
    return mapping[code]


def missing(mapping: Mapping[str, object]) -> tuple[str, ...]:
    """The table's codes ``mapping`` has no entry for, in the table's order."""
    return tuple(code for code in _BY_CODE if code not in mapping)
