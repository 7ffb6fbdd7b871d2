"""Quiet hours: a non-urgent message waits until morning in its recipient's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/Paris"


@dataclass(frozen=True)
class QuietHours:
    """Local times between which non-urgent messages wait; equal times mean none."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    @classmethod
    def parse(cls, value: str) -> QuietHours:
        """``"21:00-08:00"``; ``""`` or ``"off"`` for no quiet hours."""
        value = value.strip().lower()
        if value in ("", "off", "none"):
            return cls(time(0), time(0))
        try:
            start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
        except ValueError:
            raise ValueError("quiet hours must look like 21:00-08:00") from None
        return cls(start, end)

    def release_at(self, moment: datetime, timezone: str) -> datetime | None:
        """``None`` if ``moment`` is outside quiet hours, else the UTC instant they end.

        Works on the wall clock of the recipient's zone: 08:00 is 08:00 local
        on either side of a daylight-saving change, whatever the UTC offset.
        """
        if self.start == self.end:
            return None
        zone = _zone(timezone)
        local = moment.astimezone(zone)
        clock_time = local.time()
        if self.start < self.end:
            quiet = self.start <= clock_time < self.end
            end_date = local.date()
        else:  # across midnight
            quiet = clock_time >= self.start or clock_time < self.end
            end_date = (
                local.date() + timedelta(days=1) if clock_time >= self.start else local.date()
            )
        if not quiet:
            return None
        # A wall time skipped by a spring-forward gap resolves to just after it.
        return datetime.combine(end_date, self.end, tzinfo=zone).astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)
