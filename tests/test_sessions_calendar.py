"""The .ics files, and reminders sent by the dispatcher at the right local hour.

The calendar file is checked as a calendar application reads it (parsed
back with ``icalendar``); reminders go through the real dispatcher with its
clock moved around the last Sundays of March and October.
"""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.calendar import CalendarEvent, session_ics
from bot.dispatcher import Dispatcher, DispatcherConfig, QuietHours
from bot.outbox_kinds import REGISTRY
from storage import sessions as store
from storage.outbox import OutboxStatus
from tests.test_sessions_app import (  # noqa: F401 - fixtures
    Live,
    api,
    calendar_of,
    containing,
    live,
    reply,
    schedule_directly,
)

START = datetime(2025, 3, 31, 8, 0, tzinfo=UTC)  # Monday 10:00 in Paris, after the change


def _event(**changes: object) -> CalendarEvent:
    values: dict[str, object] = {
        "uid": "5f0c2a",
        "sequence": 0,
        "starts_at": START,
        "duration": timedelta(minutes=90),
        "timezone": "Europe/Paris",
        "summary": "Séance de bilan de compétences avec Claire Martin",
        "location": "12 rue de la Paix, Paris",
    }
    values.update(changes)
    return CalendarEvent(**values)  # type: ignore[arg-type]


def _parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def test_the_ics_names_the_zone_and_keeps_the_local_hour() -> None:
    calendar = _parse(session_ics(_event()))
    assert str(calendar["METHOD"]) == "PUBLISH" and str(calendar["VERSION"]) == "2.0"
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    [event] = calendar.walk("VEVENT")
    start = event["DTSTART"]
    assert start.params["TZID"] == "Europe/Paris"
    assert start.dt.replace(tzinfo=None) == datetime(2025, 3, 31, 10, 0)
    assert event["DTEND"].dt.replace(tzinfo=None) == datetime(2025, 3, 31, 11, 30)
    assert start.dt == START
    assert str(event["UID"]) == "5f0c2a@bilan-bot"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "12 rue de la Paix, Paris"
    raw = session_ics(_event()).decode()
    assert "DTSTART;TZID=Europe/Paris:20250331T100000" in raw


def test_a_change_keeps_the_uid_and_raises_the_sequence_a_cancel_says_so() -> None:
    first = _parse(session_ics(_event())).walk("VEVENT")[0]
    moved = _parse(session_ics(_event(sequence=1, starts_at=START + timedelta(days=1))))
    cancelled = _parse(session_ics(_event(sequence=2, cancelled=True)))
    assert str(moved.walk("VEVENT")[0]["UID"]) == str(first["UID"])
    assert int(moved.walk("VEVENT")[0]["SEQUENCE"]) == 1
    assert str(moved["METHOD"]) == "PUBLISH"
    assert str(cancelled["METHOD"]) == "CANCEL"
    event = cancelled.walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
    assert str(event["UID"]) == str(first["UID"])


def test_another_zone_is_written_as_that_zone() -> None:
    calendar = _parse(session_ics(_event(timezone="America/New_York")))
    [event] = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event["DTSTART"].dt.replace(tzinfo=None) == datetime(2025, 3, 31, 4, 0)
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["America/New_York"]


def test_session_kinds_that_must_not_wait_for_morning_are_urgent() -> None:
    def spec(kind: str) -> bool:
        found = REGISTRY.get(kind)
        assert found is not None, kind
        return found.urgent

    assert spec(store.SESSION_REMINDER_SOON) and spec(store.SESSION_NOTICE_SOON)
    assert spec(store.MOVE_REQUEST_SOON)
    assert not spec(store.SESSION_REMINDER) and not spec(store.SESSION_NOTICE)


async def test_the_day_before_reminder_fires_at_10_local_after_each_dst_change(
    live: Live,
) -> None:
    paris = ZoneInfo("Europe/Paris")
    cases = [
        # Monday 31 March 2025 10:00 CEST; the reminder at Sunday 10:00 CEST.
        (datetime(2025, 3, 31, 10, tzinfo=paris), datetime(2025, 3, 30, 8, tzinfo=UTC)),
        # Monday 27 October 2025 10:00 CET; the reminder at Sunday 10:00 CET.
        (datetime(2025, 10, 27, 10, tzinfo=paris), datetime(2025, 10, 26, 9, tzinfo=UTC)),
        # Sunday 30 March 2025 10:00 CEST: 10:00 CET on Saturday, only 23 hours before.
        (datetime(2025, 3, 30, 10, tzinfo=paris), datetime(2025, 3, 29, 9, tzinfo=UTC)),
    ]
    for seen, (start, due) in enumerate(cases):
        info = await schedule_directly(live, start, now=start - timedelta(days=10))
        await live.deliver(at=start - timedelta(days=10))
        await live.deliver(at=due - timedelta(minutes=1))
        key = f"session:{info.id}:remind:0:24h"
        assert (await live.rows(key))[key].status == OutboxStatus.PENDING
        await live.deliver(at=due)
        assert (await live.rows(key))[key].status == OutboxStatus.SENT
        reminders = [m for m in live.paul.messages() if "Rappel" in m.content]
        assert len(reminders) == seen + 1
        assert "a lieu demain à 10 h" in reminders[-1].content
        async with live.db.transaction() as session:
            await store.cancel_session(session, live.a, info.id, now=start - timedelta(days=9))


async def test_in_quiet_hours_the_2h_reminder_goes_the_day_before_waits(live: Live) -> None:
    """A 07:00 session: its 05:00 reminder goes at once, the 07:00 one the day
    before waits for 08:00, both on the recipient's clock."""
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2025, 6, 12, 7, 0, tzinfo=paris)
    info = await schedule_directly(live, start, now=start - timedelta(days=3))
    quiet = Dispatcher(
        live.application.bot,
        live.db,
        config=DispatcherConfig(
            per_chat_interval=0.0, overall_rate=1000.0, quiet_hours=QuietHours.parse("21:00-08:00")
        ),
        clock=live.clock,
    )
    try:
        live.clock.set(start - timedelta(days=1))
        await quiet.run_once()
        day_before = f"session:{info.id}:remind:0:24h"
        row = (await live.rows(day_before))[day_before]
        assert row.status == OutboxStatus.PENDING
        assert row.not_before == datetime(2025, 6, 11, 8, 0, tzinfo=paris)
        live.clock.set(start - timedelta(hours=2))
        await quiet.run_once()
        soon = f"session:{info.id}:remind:0:2h"
        assert (await live.rows(soon))[soon].status == OutboxStatus.SENT
        reminder = await reply(live.paul, containing("Rappel"))
        assert "12 rue de la Paix" in reminder.content
    finally:
        await quiet.stop()


async def test_moves_before_anything_went_out_give_one_notice(live: Live) -> None:
    start = (datetime.now(UTC) + timedelta(days=4)).replace(second=0, microsecond=0)
    info = await schedule_directly(live, start)
    for hours in (1, 2):
        async with live.db.transaction() as session:
            await store.reschedule_session(session, live.a, info.id, start + timedelta(hours=hours))
    await live.deliver()
    notice = await reply(live.paul, lambda m: m.document is not None)
    await live.deliver()
    documents = [m for m in live.paul.messages() if m.document is not None]
    assert documents == [notice]
    assert "Nouvelle séance" in notice.content
    event = calendar_of(notice).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 2
    assert event["DTSTART"].dt == start + timedelta(hours=2)
