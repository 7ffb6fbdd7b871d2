"""Counts read as people say them: "1 réponse", "2 réponses", never "1 réponses" or "(s)".

The text builders run with the real catalogs (``bot/locales``), in both languages.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.features.rights.screens import instrument_line, recorded_summary
from bot.features.sessions.texts import budget_text
from bot.i18n import gettext_for
from storage.rights import Record
from storage.sessions import BudgetUse

NNBSP = "\u202f"


def run_record(answers: int) -> Record:
    return Record(None, "dossier_auto_bilan", {"answers": {f"q{i}": "x" for i in range(answers)}})


@pytest.mark.parametrize(
    ("locale", "count", "expected"),
    [
        ("fr", 1, "en cours (1 réponse)"),
        ("fr", 2, "en cours (2 réponses)"),
        ("en", 1, "in progress (1 answer)"),
        ("en", 3, "in progress (3 answers)"),
    ],
)
def test_answers_in_progress_agree_with_their_count(locale: str, count: int, expected: str) -> None:
    line = instrument_line(run_record(count), gettext_for(locale), locale, "Europe/Paris")
    assert line.endswith(expected)


def test_records_of_one_day_say_one_date_and_agree_with_their_count() -> None:
    _ = gettext_for("fr")
    day = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    one = recorded_summary(1, [day], _, "fr", "Europe/Paris")
    assert one == "• 1 élément enregistré, le 2 décembre 2026"
    two = recorded_summary(2, [day, day.replace(hour=15)], _, "fr", "Europe/Paris")
    assert two == "• 2 éléments enregistrés, le 2 décembre 2026"
    later = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    span = recorded_summary(3, [day, later], _, "fr", "Europe/Paris")
    assert span == "• 3 éléments enregistrés, du 2 décembre 2026 au 9 décembre 2026"
    assert "(s)" not in one + two + span


def test_hours_agree_with_their_number_and_state_what_is_left() -> None:
    fr = budget_text(BudgetUse(done_minutes=60, planned_minutes=120), 24, gettext_for("fr"))
    assert fr == f"Heures du bilan : 1 h faite, 2 h prévues{NNBSP}; il reste 21 h sur 24 h."
    en = budget_text(BudgetUse(done_minutes=60, planned_minutes=120), 24, gettext_for("en"))
    assert en == "Bilan hours: 1 h done, 2 h planned; 21 h left of 24 h."
    over_use = BudgetUse(done_minutes=20 * 60, planned_minutes=6 * 60)
    over = budget_text(over_use, 24, gettext_for("fr"))
    assert over.endswith("2 h au-delà des 24 h.")
