"""The engine's own words exist, translated, in both catalogs — a missing one fails here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from dialogues import messages
from dialogues.engine import RejectCode, Rejected
from dialogues.messages import ERRORS, LABELS, LOCALES_DIRECTORY, error_message, label

SOURCE = Path(messages.__file__)
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def extracted_msgids() -> set[str]:
    """What `pybabel extract -k N_` would find in dialogues/messages.py."""
    found = extract_from_file("python", str(SOURCE), keywords={"N_": None})
    return {msgid for _line, msgid, _comments, _context in found if isinstance(msgid, str)}


def catalog(lang: str) -> Catalog:
    with (LOCALES_DIRECTORY / lang / "LC_MESSAGES" / "dialogues.po").open("rb") as po:
        return read_po(po, locale=lang)


def test_every_marked_string_is_a_known_message() -> None:
    assert extracted_msgids() == set(ERRORS.values()) | set(LABELS.values())


def test_every_rejection_code_has_a_message() -> None:
    assert set(get_args(RejectCode)) == set(ERRORS)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_catalog_translates_every_msgid_and_nothing_else(lang: str) -> None:
    entries = {m.id: m for m in catalog(lang) if m.id}
    msgids = extracted_msgids()
    assert set(entries) == msgids
    for msgid in msgids:
        entry = entries[msgid]
        assert isinstance(entry.string, str) and entry.string.strip(), msgid
        assert not entry.fuzzy, msgid
        assert set(PLACEHOLDER.findall(entry.string)) == set(PLACEHOLDER.findall(msgid)), msgid


SAME_IN_BOTH = {"Question {number}"}  # the same word in French and English


def test_french_is_really_translated() -> None:
    for entry in catalog("fr"):
        if entry.id and entry.id not in SAME_IN_BOTH:
            assert entry.string != entry.id, entry.id


@pytest.mark.parametrize(
    ("name", "fr", "en"),
    [
        ("skip", "Passer", "Skip"),
        ("unknown", "Je ne sais pas", "I don't know"),
        ("previous", "⬅️ Précédent", "⬅️ Previous"),
        ("validate", "Valider", "Done"),
        ("other", "Autre\u00a0: précisez", "Other: please specify"),
        ("yes", "Oui", "Yes"),
        ("no", "Non", "No"),
        ("add_another_yes", "Oui, ajouter", "Yes, add one"),
        ("add_another_no", "Non, passer à la suite", "No, carry on"),
        ("skipped_answer", "Passée", "Skipped"),
    ],
)
def test_button_labels(name: str, fr: str, en: str) -> None:
    assert label(name, "fr") == fr
    assert label(name, "fr_FR") == fr
    assert label(name, "en") == en
    assert label(name, "en-GB") == en


def test_labels_with_values() -> None:
    assert label("question_counter", "fr", number=5, count=12) == "Question 5 sur 12"
    assert label("question_counter", "en", number=5, count=12) == "Question 5 of 12"


def test_unknown_locale_falls_back_to_french() -> None:
    assert label("skip", "de") == "Passer"
    assert label("skip", None) == "Passer"


SAMPLE_PARAMS: dict[str, dict[str, int]] = {
    "too_short": {"min": 5},
    "too_long": {"max": 10, "length": 12},
    "out_of_bounds": {"min": 0, "max": 60},
    "too_small": {"min": 0},
    "too_large": {"max": 60},
    "not_a_choice": {"max": 6},
    "not_a_choice_or_other": {"max": 6},
    "not_choices": {"max": 6},
    "future_year": {"max": 2026},
    "not_on_scale": {"min": 1, "max": 5},
}


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_every_error_renders_in_both_languages(code: RejectCode) -> None:
    rejected = Rejected(code, SAMPLE_PARAMS.get(code, {}))
    fr, en = error_message(rejected, "fr"), error_message(rejected, "en")
    assert fr and en and fr != en
    assert "{" not in fr and "{" not in en
    assert en == ERRORS[code].format(**SAMPLE_PARAMS.get(code, {}))
