"""The .ics file that puts a session into the beneficiary's own calendar.

One file per notice (scheduled, moved, cancelled), all describing the same
event: the UID is the session's and never changes, and SEQUENCE is the
session's version, raised on every change, so a calendar application
*updates* the event it already has rather than adding a second one. A
cancellation is ``METHOD:CANCEL`` with ``STATUS:CANCELLED`` and the same
UID, which removes or strikes the event.

Times are written in the beneficiary's own time zone (``DTSTART;TZID=…``)
with its VTIMEZONE definition inside the file, limited to the years around
the session, so the event stays at the right local hour whatever the
daylight-saving rules of the reader's application.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event

PRODID = "-//bilan-bot//sessions//FR"
UID_DOMAIN = "bilan-bot"
DEFAULT_TIMEZONE = "Europe/Paris"


@dataclass(frozen=True)
class CalendarEvent:
    """What the file says, already in the beneficiary's language."""

    uid: str
    sequence: int
    starts_at: datetime
    duration: timedelta
    timezone: str
    summary: str
    location: str | None = None
    description: str | None = None
    url: str | None = None
    cancelled: bool = False


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def event_uid(session_uid: str) -> str:
    return f"{session_uid}@{UID_DOMAIN}"


def session_ics(event: CalendarEvent, *, stamp: datetime | None = None) -> bytes:
    """The .ics bytes of one session notice."""
    if event.starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    zone = _zone(event.timezone)
    start = event.starts_at.astimezone(zone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if event.cancelled else "PUBLISH")
    vevent = Event()
    vevent.add("uid", event_uid(event.uid))
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    vevent.add("dtstart", start)
    vevent.add("dtend", (event.starts_at + event.duration).astimezone(zone))
    vevent.add("summary", event.summary)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.location:
        vevent.add("location", event.location)
    if event.description:
        vevent.add("description", event.description)
    if event.url:
        vevent.add("url", event.url)
    calendar.add_component(vevent)
    calendar.add_missing_timezones(
        first_date=start.date() - timedelta(days=366), last_date=start.date() + timedelta(days=366)
    )
    data: bytes = calendar.to_ical()
    return data
