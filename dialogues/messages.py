"""The engine's own words — rejection messages and button labels — in both languages.

Instrument wording lives in the TOML files; the few words the engine itself
implies live here as gettext msgids (English source text, ``{name}``
placeholders) marked with the no-op :func:`N_` so that Babel finds them::

    pybabel extract -k N_ -o /tmp/dialogues.pot dialogues/messages.py
    pybabel update -D dialogues -i /tmp/dialogues.pot -d dialogues/locales

The catalogs ``dialogues/locales/<fr|en>/LC_MESSAGES/dialogues.po`` are read
with Babel and compiled in memory on first use (no ``.mo`` file is committed,
so none can go stale). A missing translation would silently show the English
msgid to a French speaker: the test suite checks every msgid is translated.
"""

from __future__ import annotations

import functools
import gettext
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from dialogues.formats import format_number
from dialogues.instruments import LocalizedText
from dialogues.languages import for_locale

if TYPE_CHECKING:
    from dialogues.engine.outcome import Rejected

LOCALES_DIRECTORY = Path(__file__).with_name("locales")
DOMAIN = "dialogues"


def N_(message: str) -> str:
    """Mark a msgid for extraction; translated later by :func:`error_message`/:func:`label`."""
    return message


ERRORS: dict[str, str] = {
    "empty_answer": N_("Please write your answer in a message."),
    "too_short": N_("Your answer is a little short: please write at least {min} characters."),
    "too_long": N_(
        "Your answer is {length} characters long, more than the {max} this question allows. "
        "Could you shorten it?"
    ),
    "not_a_number": N_("Please enter a number, for example 12 or 12.5."),
    "out_of_bounds": N_("Please enter a number between {min} and {max}."),
    "too_small": N_("Please enter a number of at least {min}."),
    "too_large": N_("Please enter a number of at most {max}."),
    "bad_month_year": N_("Please give a month and a year, for example 03/2019 or March 2019."),
    "bad_date": N_("Please give a full date, for example 12 March 2024 or 2024-03-12."),
    "ambiguous_date": N_(
        "This date can be read two ways. Please write the month in letters, "
        "for example 3 December 2024, or use the form 2024-12-03."
    ),
    "date_does_not_exist": N_("This date does not exist in the calendar. Could you check it?"),
    "not_a_choice": N_(
        "Please tap one of the buttons, or type the number of your answer (1 to {max})."
    ),
    "not_a_choice_or_other": N_(
        "Please tap one of the buttons, or type the number of your answer (1 to {max}); "
        "to answer in your own words, tap “Other”."
    ),
    "not_choices": N_(
        "Please tick your answers with the buttons, or type their numbers (1 to {max}) "
        "separated by commas."
    ),
    "not_a_year": N_("Please enter a year with four digits, for example 2015."),
    "future_year": N_("This year has not come yet: please enter {max} or earlier."),
    "future_date": N_("This date has not come yet. Please enter a date that has passed."),
    "not_yes_no": N_("Please tap a button, or type “yes” or “no”."),
    "not_on_scale": N_("Please tap a button, or type a number from {min} to {max}."),
    "choose_at_least_one": N_("Please choose at least one answer, then tap “Done”."),
    "expected_text": N_("Please answer with a written message."),
    "cannot_skip": N_("This question matters for what comes next, so it cannot be skipped."),
    "not_allowed": N_("This button no longer applies. Please answer the question shown."),
}

LABELS: dict[str, str] = {
    "skip": N_("Skip"),
    "unknown": N_("I don't know"),
    "previous": N_("⬅️ Previous"),
    "validate": N_("Done"),
    "other": N_("Other: please specify"),
    "other_prompt": N_("Please specify in a few words:"),
    "other_answer": N_("Other: {text}"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "add_another_yes": N_("Yes, add one"),
    "add_another_no": N_("No, carry on"),
    "skipped_answer": N_("Skipped"),
    "multi_hint": N_("Tick every answer that fits, then tap “Done”."),
    "question_counter": N_("Question {number} of {count}"),
    "question_number": N_("Question {number}"),
    "part_counter": N_("Part {number} of {count}"),
}


@functools.cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The catalog of ``lang`` (a code of :mod:`dialogues.languages`) compiled in memory, once."""
    path = LOCALES_DIRECTORY / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _translate(msgid: str, locale: str | None) -> str:
    lang = for_locale(locale)
    return lang.typeset(translations(lang.code).gettext(msgid))


def label(name: str, locale: str | None, **values: object) -> str:
    """A button or answer label, e.g. ``label("skip", "fr") == "Passer"``."""
    text = _translate(LABELS[name], locale)
    return text.format(**values) if values else text


def error_message(rejected: Rejected, locale: str | None) -> str:
    """What to tell the person when their reply could not be read."""
    params = dict(rejected.params)
    unit = params.pop("unit", None)
    unit_text = unit if isinstance(unit, LocalizedText) else None
    unit_on = "max" if "max" in params else "min"
    values = {
        name: format_number(value, locale, unit_text if name == unit_on else None)
        if isinstance(value, int | float)
        else value
        for name, value in params.items()
    }
    template = _translate(ERRORS[rejected.code], locale)
    return template.format(**values)
