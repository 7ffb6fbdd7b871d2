"""Dates and times typed by people, in French and English, read on their own clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.datetime_input import When, local_today, parse_when, to_utc

MONDAY = date(2025, 3, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/03 14h30", When(date(2025, 3, 12), time(14, 30))),
        ("12/03 à 14 h 30", When(date(2025, 3, 12), time(14, 30))),
        ("le 12/03 à 14h", When(date(2025, 3, 12), time(14, 0))),
        ("mardi 14h", When(date(2025, 3, 11), time(14, 0))),
        ("Mardi prochain à 14h", When(date(2025, 3, 11), time(14, 0))),
        ("lundi 9h", When(date(2025, 3, 17), time(9, 0))),  # never today: next week
        ("demain 10h", When(date(2025, 3, 11), time(10, 0))),
        ("après-demain 9h", When(date(2025, 3, 12), time(9, 0))),
        ("aujourd'hui 16h", When(MONDAY, time(16, 0))),
        ("14/03/2027 9h", When(date(2027, 3, 14), time(9, 0))),
        ("14/03/27 9h", When(date(2027, 3, 14), time(9, 0))),
        ("14.03.2027 9h15", When(date(2027, 3, 14), time(9, 15))),
        ("12 mars 14:30", When(date(2025, 3, 12), time(14, 30))),
        ("1er avril 10h", When(date(2025, 4, 1), time(10, 0))),
        ("lundi 17 mars à 9h", When(date(2025, 3, 17), time(9, 0))),
        ("2027-03-14 09:00", When(date(2027, 3, 14), time(9, 0))),
        ("midi", When(None, time(12, 0))),
        ("15h45", When(None, time(15, 45))),
        ("à 14", When(None, time(14, 0))),
        ("vendredi", When(date(2025, 3, 14), None)),
        ("dans 3 jours", When(date(2025, 3, 13), None)),
        ("dans 2 semaines", When(date(2025, 3, 24), None)),
        ("dans une semaine 10h", When(date(2025, 3, 17), time(10, 0))),
        ("21/03", When(date(2025, 3, 21), None)),
        ("05/01", When(date(2026, 1, 5), None)),  # long past this year: next year's
        ("01/03 10h", When(date(2025, 3, 1), time(10, 0))),  # just past: kept, refused later
    ],
)
def test_french(text: str, expected: When) -> None:
    assert parse_when(text, "fr", MONDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tuesday 2pm", When(date(2025, 3, 11), time(14, 0))),
        ("tue 2:30 pm", When(date(2025, 3, 11), time(14, 30))),
        ("03/12 14:30", When(date(2025, 3, 12), time(14, 30))),  # month first in English
        ("12/03 14:30", When(date(2025, 12, 3), time(14, 30))),
        ("tomorrow 10am", When(date(2025, 3, 11), time(10, 0))),
        ("today at 4 pm", When(MONDAY, time(16, 0))),
        ("March 12, 2027 at 2pm", When(date(2027, 3, 12), time(14, 0))),
        ("12 March 9am", When(date(2025, 3, 12), time(9, 0))),
        ("next Friday", When(date(2025, 3, 14), None)),
        ("in 2 weeks", When(date(2025, 3, 24), None)),
        ("in a week", When(date(2025, 3, 17), None)),
        ("noon", When(None, time(12, 0))),
        ("12am", When(None, time(0, 0))),
        ("12pm", When(None, time(12, 0))),
        ("demain 10h", When(date(2025, 3, 11), time(10, 0))),  # French words read too
    ],
)
def test_english(text: str, expected: When) -> None:
    assert parse_when(text, "en", MONDAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "un de ces jours",
        "12/03 blabla",
        "31/02 10h",
        "25h",
        "14h75",
        "13pm",
        "0am",
        "mardi 17 mars 9h",  # 17 March 2025 is a Monday: a slip, not a guess
        "13/13",
        "14.30",
        "demain demain",
        "x" * 100,
    ],
)
def test_what_is_not_fully_understood_is_refused(text: str) -> None:
    assert parse_when(text, "fr", MONDAY) is None
    assert parse_when(text, "en", MONDAY) is None


def test_29_february_without_a_year_is_the_next_one_that_exists() -> None:
    assert parse_when("29/02", "fr", MONDAY) == When(date(2028, 2, 29), None)


def test_local_times_become_utc_across_dst() -> None:
    assert to_utc(date(2025, 3, 31), time(10), "Europe/Paris") == datetime(
        2025, 3, 31, 8, tzinfo=UTC
    )
    assert to_utc(date(2025, 10, 27), time(10), "Europe/Paris") == datetime(
        2025, 10, 27, 9, tzinfo=UTC
    )
    # 02:30 does not exist on 30 March 2025 in Paris: read as 03:30 summer time.
    assert to_utc(date(2025, 3, 30), time(2, 30), "Europe/Paris") == datetime(
        2025, 3, 30, 1, 30, tzinfo=UTC
    )
    assert to_utc(date(2025, 3, 10), time(9), "America/New_York") == datetime(
        2025, 3, 10, 13, tzinfo=UTC
    )
    late = datetime(2025, 3, 10, 23, 30, tzinfo=UTC)
    assert local_today(late, "Europe/Paris") == date(2025, 3, 11)
    assert local_today(late, "America/New_York") == date(2025, 3, 10)


@given(
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
def test_a_written_date_reads_back_in_both_languages(day: date, hour: int, minute: int) -> None:
    french = f"{day:%d/%m/%Y} {hour}h{minute:02d}"
    assert parse_when(french, "fr", MONDAY) == When(day, time(hour, minute))
    twelve = hour % 12 or 12
    english = f"{day:%m/%d/%Y} {twelve}:{minute:02d} {'pm' if hour >= 12 else 'am'}"
    assert parse_when(english, "en", MONDAY) == When(day, time(hour, minute))


@given(
    offset=st.integers(1, 6),
    hour=st.integers(0, 23),
    today=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
)
def test_a_weekday_is_always_within_the_next_seven_days(
    offset: int, hour: int, today: date
) -> None:
    names = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    target = today + timedelta(days=offset)
    found = parse_when(f"{names[target.weekday()]} {hour}h", "fr", today)
    assert found == When(target, time(hour))
    same = parse_when(f"{names[today.weekday()]} {hour}h", "fr", today)
    assert same == When(today + timedelta(days=7), time(hour))


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("jeudi à 9 heures", "fr", When(date(2025, 3, 13), time(9, 0))),
        ("jeu. 14h30", "fr", When(date(2025, 3, 13), time(14, 30))),
        ("ven 10h", "fr", When(date(2025, 3, 14), time(10, 0))),
        ("le 12 à 9h", "fr", When(date(2025, 3, 12), time(9, 0))),
        ("le 3 à 9h", "fr", When(date(2025, 4, 3), time(9, 0))),  # the 3rd has passed
        ("the 12th at 9am", "en", When(date(2025, 3, 12), time(9, 0))),
        ("jeudi 14h-15h30", "fr", When(date(2025, 3, 13), time(14, 0), time(15, 30))),
        ("jeudi de 14h à 15h30", "fr", When(date(2025, 3, 13), time(14, 0), time(15, 30))),
        ("Thursday 2pm-3:30pm", "en", When(date(2025, 3, 13), time(14, 0), time(15, 30))),
        ("13/03 14:00 – 16:00", "fr", When(date(2025, 3, 13), time(14, 0), time(16, 0))),
    ],
)
def test_session_times_as_people_type_them(text: str, locale: str, expected: When) -> None:
    assert parse_when(text, locale, MONDAY) == expected


def test_a_range_gives_its_length_and_a_backwards_one_is_refused() -> None:
    found = parse_when("jeudi 14h-15h30", "fr", MONDAY)
    assert found is not None and found.minutes == 90
    assert parse_when("jeudi 15h-14h", "fr", MONDAY) is None
    assert parse_when("jeudi 14h", "fr", MONDAY) == When(date(2025, 3, 13), time(14, 0))
