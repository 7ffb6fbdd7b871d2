"""The table of languages (``dialogues.languages``) and every source that must follow it.

Each bilingual source — the instrument and guide files, the result and synthesis
texts, the gettext catalogs, the language picker, the few per-language tables
kept in the code — must have an entry for every language of the table. The
check is a function of the codes wanted, so the same check run with a made-up
third language shows that adding one to the table makes these tests fail, each
naming the file and the place that still lacks it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_datetime

from bot.features.onboarding.start import consent_keyboard
from bot.i18n import gettext_for
from bot.keyboards import LANG_PREFIX, language_keyboard
from bot.settings import SUPPORTED_LOCALES
from dialogues import languages
from dialogues.languages import (
    DEFAULT,
    LANGUAGES,
    Language,
    MissingLanguage,
    UnknownLanguage,
    codes,
    for_locale,
    language,
    missing,
    pick,
)

ROOT = Path(__file__).resolve().parent.parent
DIALOGUES = ROOT / "dialogues"
DATA_FILES = sorted(
    [
        *(DIALOGUES / "instruments").glob("*.toml"),
        *(DIALOGUES / "instruments" / "guides").glob("*.toml"),
        DIALOGUES / "results" / "texts.toml",
        DIALOGUES / "synthesis.toml",
    ]
)
CATALOGS = (ROOT / "bot" / "locales", DIALOGUES / "locales")
THIRD = "de"
"""A language we do not speak, added to the wanted codes to see the checks fail."""


# ---- the table


def test_the_table_speaks_french_and_english_french_first() -> None:
    assert codes()[:2] == ("fr", "en")
    assert DEFAULT is language("fr")
    assert len(set(codes())) == len(LANGUAGES)
    assert codes() == SUPPORTED_LOCALES


def test_the_picker_names_each_language_in_itself() -> None:
    assert [lang.label for lang in LANGUAGES][:2] == ["🇫🇷 Français", "🇬🇧 English"]
    assert (language("fr").tag, language("en").tag) == ("fr-FR", "en-GB")


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.code)
def test_every_language_has_a_babel_locale_and_patterns_babel_reads(lang: Language) -> None:
    assert Locale.parse(lang.babel).language == lang.code
    moment = dt.datetime(2026, 12, 3, 14, 5, tzinfo=dt.UTC)
    for pattern in dataclasses.asdict(lang.dates).values():
        assert format_datetime(moment, pattern, locale=lang.code).strip()


def test_an_unknown_code_raises_naming_the_codes_we_have() -> None:
    with pytest.raises(UnknownLanguage, match=r"'de'.*fr, en"):
        language("de")
    with pytest.raises(UnknownLanguage):
        language("fr_FR")
    with pytest.raises(UnknownLanguage):
        pick({"fr": 1, "en": 2, "de": 3}, "xx")


def test_pick_never_answers_with_another_language() -> None:
    assert pick({"fr": "oui", "en": "yes"}, "en") == "yes"
    assert pick({"fr": "oui", "en": "yes"}, language("fr")) == "oui"
    with pytest.raises(MissingLanguage, match="the greeting has no 'en' entry"):
        pick({"fr": "bonjour"}, "en", "the greeting")
    assert missing({"fr": 1}) == ("en",)


def test_a_locale_we_do_not_speak_gets_the_default_language() -> None:
    assert for_locale("en-GB") is for_locale("EN_us") is language("en")
    assert for_locale("fr_FR") is language("fr")
    assert for_locale("it") is for_locale(None) is for_locale("") is DEFAULT


# ---- every bilingual source, for any set of wanted codes


def _localized_tables(data: object, where: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    """Every table of a data file that holds a text per language, with where it is."""
    if isinstance(data, dict):
        if any(code in data for code in codes()):
            yield where, data
            return
        for key, value in data.items():
            yield from _localized_tables(value, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list):
        for number, item in enumerate(data):
            yield from _localized_tables(item, f"{where}[{number}]")


def data_file_gaps(wanted: tuple[str, ...]) -> list[str]:
    gaps = []
    for path in DATA_FILES:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for where, table in _localized_tables(data, ""):
            for code in wanted:
                if code not in table:
                    gaps.append(f"{path.relative_to(ROOT)}: {where} has no {code!r}")
    return gaps


def catalog_gaps(wanted: tuple[str, ...]) -> list[str]:
    return [
        f"{(directory / code / 'LC_MESSAGES').relative_to(ROOT)}: no catalog"
        for directory in CATALOGS
        for code in wanted
        if not any((directory / code / "LC_MESSAGES").glob("*.po"))
    ]


def localized_text_gaps(wanted: tuple[str, ...]) -> list[str]:
    from dialogues.instruments import LocalizedText

    have = {field.name for field in dataclasses.fields(LocalizedText)}
    return [
        f"dialogues.instruments.LocalizedText has no field {code!r}"
        for code in wanted
        if code not in have
    ]


def picker_gaps(wanted: tuple[str, ...]) -> list[str]:
    _ = gettext_for("fr")
    picker = {b.callback_data for row in language_keyboard(_).inline_keyboard for b in row}
    gaps = [
        f"the language keyboard has no {code!r} button"
        for code in wanted
        if LANG_PREFIX + code not in picker
    ]
    for code in codes():
        offered = {
            b.callback_data
            for row in consent_keyboard("token", code, _).inline_keyboard
            for b in row
        }
        gaps += [
            f"the consent keyboard in {code!r} offers no {other!r}"
            for other in wanted
            if other != code and f"consent:lang:{other}:token" not in offered
        ]
    return gaps


def code_table_gaps(wanted: tuple[str, ...]) -> list[str]:
    from bot.features.synthesis.edited_file import _DEFAULT_TITLE
    from bot.features.synthesis.record import ANSWER_QUOTES
    from bot.features.synthesis.word_file import (
        NOTE_STYLE,
        QUOTE_STYLE,
        SOURCE_STYLE,
        TO_WRITE_STYLE,
        WORKING_STYLE,
    )
    from dialogues.formats import _AROUND
    from dialogues.synthesis import _HOURS

    tables: dict[str, Mapping[str, object]] = {
        "bot.features.synthesis.record.ANSWER_QUOTES": ANSWER_QUOTES,
        "bot.features.synthesis.edited_file._DEFAULT_TITLE": _DEFAULT_TITLE,
        "dialogues.formats._AROUND": _AROUND,
        "dialogues.synthesis._HOURS": _HOURS,
    }
    for style in (QUOTE_STYLE, SOURCE_STYLE, TO_WRITE_STYLE, NOTE_STYLE, WORKING_STYLE):
        tables[f"bot.features.synthesis.word_file style {style.style_id}"] = style.names
    return [
        f"{name} has no {code!r}"
        for name, table in tables.items()
        for code in wanted
        if code not in table
    ]


SOURCES: dict[str, Callable[[tuple[str, ...]], list[str]]] = {
    "instrument, guide, result and synthesis files": data_file_gaps,
    "gettext catalogs": catalog_gaps,
    "LocalizedText": localized_text_gaps,
    "language keyboards": picker_gaps,
    "per-language tables in the code": code_table_gaps,
}


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_has_every_language_of_the_table(source: str) -> None:
    assert SOURCES[source](codes()) == []


@pytest.mark.parametrize("source", SOURCES)
def test_a_third_language_in_the_table_would_be_named_missing(source: str) -> None:
    gaps = SOURCES[source]((*codes(), THIRD))
    assert gaps and all(repr(THIRD) in gap or f"/{THIRD}/" in gap for gap in gaps), gaps


def test_the_data_files_hold_the_texts_the_checks_look_at() -> None:
    """The walk finds every instrument's texts, the guide's and the result texts."""
    found = {
        path.name: sum(1 for _ in _localized_tables(tomllib.loads(path.read_text("utf-8")), ""))
        for path in DATA_FILES
    }
    assert {"riasec.toml", "enquete_metier.toml", "texts.toml", "synthesis.toml"} <= set(found)
    assert all(count > 5 for count in found.values()), found


# ---- a third language fails loudly, never in French


@pytest.fixture
def with_german(monkeypatch: pytest.MonkeyPatch) -> Language:
    german = dataclasses.replace(language("en"), code=THIRD, name="Deutsch", babel="de_DE")
    monkeypatch.setattr(
        languages, "_BY_CODE", {**{lang.code: lang for lang in LANGUAGES}, THIRD: german}
    )
    return german


def test_text_missing_in_a_new_language_raises_instead_of_showing_french(
    with_german: Language,
) -> None:
    from dialogues.instruments import LocalizedText
    from dialogues.results import riasec_name
    from dialogues.synthesis import text

    assert for_locale(THIRD) is with_german
    with pytest.raises(MissingLanguage, match="'de'"):
        LocalizedText("Bonjour", "Hello").get(THIRD)
    with pytest.raises(MissingLanguage, match="'de'"):
        riasec_name("R", THIRD)
    with pytest.raises(MissingLanguage, match="'de'"):
        text("document", "title", THIRD)
