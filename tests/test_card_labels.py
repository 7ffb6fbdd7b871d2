"""The phase-move buttons of the card, as the counsellor reads them in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.features.card.labels import phase_move_label
from bot.i18n import format_day_and_time, format_recent, gettext_for
from storage.cards import PHASE_ORDER, next_phases

FRENCH = {
    ("preliminaire", "investigation"): "➡️ Passer en phase d'investigation",
    ("investigation", "conclusion"): "➡️ Passer en phase de conclusion",
    ("investigation", "preliminaire"): "⬅️ Revenir à la phase préliminaire",
    ("conclusion", "investigation"): "⬅️ Revenir à la phase d'investigation",
    ("conclusion", "suivi"): "➡️ Passer au suivi",
    ("suivi", "clos"): "➡️ Clore le bilan",
    ("suivi", "conclusion"): "⬅️ Revenir à la phase de conclusion",
    ("clos", "suivi"): "⬅️ Rouvrir le bilan (suivi)",
}


def test_every_move_has_its_own_french_sentence() -> None:
    _ = gettext_for("fr")
    moves = {
        (a.value, b.value): phase_move_label(a, b, _) for a in PHASE_ORDER for b in next_phases(a)
    }
    assert moves == FRENCH
    assert not any("Passer en clos" in label or "en suivi" in label for label in moves.values())


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_labels_are_translated_and_distinct(locale: str) -> None:
    _ = gettext_for(locale)
    labels = [phase_move_label(a, b, _) for a in PHASE_ORDER for b in next_phases(a)]
    assert len(set(labels)) == len(labels)
    if locale == "en":
        assert "➡️ Close the bilan" in labels


def test_last_activity_reads_as_people_say_it() -> None:
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    zone = "Europe/Paris"
    assert format_recent(now.replace(hour=7, minute=22), "fr", zone, now) == "aujourd'hui à 8 h 22"
    assert format_recent(now - timedelta(days=1), "fr", zone, now) == "hier à 16 h"
    assert format_recent(now - timedelta(days=10), "fr", zone, now) == "le 22 novembre"
    assert format_recent(now - timedelta(days=400), "fr", zone, now) == "le 28 octobre 2025"
    assert format_recent(now, "en", zone, now) == "today at 4:00 PM"
    assert format_day_and_time(now, "fr", zone) == "2 décembre 2026 à 16 h"
