"""The words every screen and instrument share, checked in every catalog and text file.

- The counsellor has one name: *conseiller·ère* in French, "counsellor" in English;
  "consultant·e", "conseiller ou conseillère" or "ma conseillère / mon conseiller"
  make the same person sound like several.
- No French word slips into an English text (a hint "e.g. mars 2019", a "séance").

Read: both gettext catalogs of ``bot/`` and ``dialogues/``, the instrument files
(``dialogues/instruments/*.toml``) and the result texts (``dialogues/results``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = {
    "bot": ROOT / "bot" / "locales",
    "dialogues": ROOT / "dialogues" / "locales",
}
TEXT_FILES = [
    *sorted((ROOT / "dialogues" / "instruments").glob("*.toml")),
    ROOT / "dialogues" / "results" / "texts.toml",
]

COUNSELLOR_FORMS = frozenset({"conseiller·ère", "conseillers·ères"})
COUNSELLOR_WORD = re.compile(r"\b(?:conseill|consultant)[\w·]*", re.IGNORECASE)
# A verb, not the person: "Conseiller des clients…" (an interest-inventory activity).
VERB_USES = ("Conseiller des clients",)

FRENCH_IN_ENGLISH = re.compile(
    r"(?<![\w-])(?:"
    r"janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre"
    r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|séances?|conseill\w*|consultant·e|vous|votre|vos|merci|aujourd'hui|demain"
    r"|heures?|réponses?|oui|bénéficiaire"
    r")(?![\w-])",
    re.IGNORECASE,
)


def catalog_strings(locale: str) -> Iterator[tuple[str, str]]:
    """(msgid, translated text) for every entry of both catalogs in ``locale``."""
    for domain, directory in CATALOGS.items():
        path = directory / locale / "LC_MESSAGES" / f"{domain}.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in catalog:
            if not message.id:
                continue
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                yield str(msgid), str(text or "")


def file_strings(lang: str) -> Iterator[tuple[str, str]]:
    """(where, text) for every ``fr``/``en`` text of the instruments and result texts."""

    def walk(node: object, where: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == lang and isinstance(value, str):
                    yield where, value
                else:
                    yield from walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}[{index}]")

    for path in TEXT_FILES:
        yield from walk(tomllib.loads(path.read_text(encoding="utf-8")), path.name)


def strays(texts: Iterator[tuple[str, str]], pattern: re.Pattern[str]) -> list[str]:
    found = []
    for where, text in texts:
        for word in pattern.findall(text):
            found.append(f"{where!r}: {word}")
    return found


def test_there_is_something_to_read() -> None:
    assert sum(1 for _ in catalog_strings("fr")) > 500
    assert sum(1 for _ in file_strings("fr")) > 300


def odd_counsellor_names(texts: Iterator[tuple[str, str]]) -> list[str]:
    found = []
    for where, text in texts:
        for use in VERB_USES:
            text = text.replace(use, "")
        for word in COUNSELLOR_WORD.findall(text):
            if word.lower() not in COUNSELLOR_FORMS:
                found.append(f"{where!r}: {word}")
        for pair in re.findall(r"conseiller·ère ou \w+|ou (?:sa |la |votre )?conseillère", text):
            found.append(f"{where!r}: {pair}")
    return found


def test_the_counsellor_has_one_french_name_in_the_catalogs() -> None:
    assert odd_counsellor_names(catalog_strings("fr")) == []


def test_the_counsellor_has_one_french_name_in_the_instruments() -> None:
    assert odd_counsellor_names(file_strings("fr")) == []


def test_the_check_catches_the_other_names() -> None:
    samples = [
        ("a", "votre consultant·e vous lira"),
        ("b", "avec votre conseiller ou conseillère"),
        ("c", "📨 Envoyer à ma conseillère / mon conseiller"),
        ("d", "votre conseiller·ère vous lira"),
    ]
    caught = {entry.split(":")[0] for entry in odd_counsellor_names(iter(samples))}
    assert caught == {"'a'", "'b'", "'c'"}


@pytest.mark.parametrize("source", ["catalogs", "instruments"])
def test_english_texts_carry_no_french_words(source: str) -> None:
    texts = catalog_strings("en") if source == "catalogs" else file_strings("en")
    assert strays(texts, FRENCH_IN_ENGLISH) == []


def test_english_uses_counsellor() -> None:
    # ("adviser" stays free: a France Travail adviser, a customer adviser are other people.)
    words = re.compile(r"\b(?:consultant|counselor|coach)s?\b", re.IGNORECASE)
    assert strays(file_strings("en"), words) + strays(catalog_strings("en"), words) == []


def test_the_french_word_check_catches_a_slip() -> None:
    assert strays(iter([("x", "e.g. 03/2019 or mars 2019")]), FRENCH_IN_ENGLISH) == ["'x': mars"]


def examples(text: str) -> list[str]:
    """The examples a hint gives: quoted ones, else those after "e.g."/"par exemple"."""
    quoted = re.findall(r"[“«]\s*([^”»]+?)\s*[”»]", text)
    if quoted:
        return quoted
    tail = re.split(r"e\.g\.|par exemple", text, maxsplit=1)[1]
    tail = re.split(r", (?:or|ou) a month|, ou un mois", tail)[0]
    return [p.strip(" .") for p in re.split(r" or | ou |, ", tail) if p.strip(" .")]


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_examples_in_hints_are_accepted_by_the_bot(locale: str) -> None:
    from datetime import date

    from bot.datetime_input import parse_when
    from bot.i18n import gettext_for
    from dialogues.engine.dates import parse_date, parse_month_year
    from dialogues.engine.outcome import Accepted

    _ = gettext_for(locale)
    dates = examples(_("✍️ Type a date, e.g. 12 March 2024 or 2024-03-12."))
    months = examples(_("✍️ Type a month and year, e.g. 03/2019 or March 2019."))
    assert len(dates) == 2 and len(months) == 2
    assert all(isinstance(parse_date(d, locale), Accepted) for d in dates), dates  # type: ignore[arg-type]
    assert all(isinstance(parse_month_year(m), Accepted) for m in months), months
    when = _(
        "When? Type the day and time, for example “03/12 2:30pm”, “Tuesday 2pm”, "
        "“tomorrow 10am” or “Thursday 2pm-3:30pm”, or choose a day:"
    )
    typed = examples(when)
    assert len(typed) == 4
    today = date(2026, 12, 2)
    for phrase in typed:
        found = parse_when(phrase, locale, today)
        assert found is not None and found.day is not None and found.at is not None, phrase


SLIPS = (
    "lesquelles d'autres",  # "celles que d'autres métiers demandent"
    "pas même qui",  # "pas même la personne qui administre le serveur"
    "code de Holland",  # one name: "code Holland"
    "Code de Holland",
    "enregistré(s)",
    ": {retention}",  # the retention text is a sentence of its own, with its capital
)


def test_french_slips_seen_once_stay_fixed() -> None:
    found = [
        f"{msgid!r}: {slip}"
        for msgid, text in catalog_strings("fr")
        for slip in SLIPS
        if slip in text
    ]
    found += [
        f"{where}: {slip}" for where, text in file_strings("fr") for slip in SLIPS if slip in text
    ]
    assert found == []


def test_a_repeated_part_names_its_occurrence() -> None:
    from dialogues.instruments import load_all

    dossier = load_all()["dossier_auto_bilan"]
    sections = {section.key: section for section in dossier.sections}
    headings = [
        section.heading(2, "fr") for section in sections.values() if section.repeat is not None
    ]
    assert "Vos diplômes et certifications · diplôme 2" in headings
    assert all(not heading[-1].isdigit() or "·" in heading for heading in headings)


def test_the_withdrawal_screen_says_two_sentences() -> None:
    from bot.i18n import gettext_for

    _ = gettext_for("fr")
    retention = "Vos données sont effacées au plus tard un an après la fin de votre bilan."
    for msgid in [m for m, _t in catalog_strings("en") if "{retention}" in m]:
        shown = _(msgid).format(retention=retention, date="2 décembre 2026")
        assert ". Vos données sont effacées" in shown, shown
