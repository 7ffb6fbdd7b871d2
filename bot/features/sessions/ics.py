"""The calendar file of a session, in the beneficiary's language and zone."""

from __future__ import annotations

from datetime import timedelta

from bot.calendar import CalendarEvent, session_ics
from bot.features.sessions.texts import mode_label
from bot.i18n import Translate, gettext_for
from storage.sessions import SessionInfo, SessionMode


def ics_for(info: SessionInfo, locale: str, timezone: str, *, cancelled: bool = False) -> bytes:
    """The calendar file of a session, in the beneficiary's language and zone."""
    _ = gettext_for(locale)
    summary = _("Bilan de compétences session with {name}").format(name=info.counsellor_name)
    location = _("By phone") if info.mode == SessionMode.PHONE else info.place
    url = info.place if info.mode == SessionMode.VIDEO else None
    description = _("Session of your bilan de compétences ({mode}).").format(
        mode=mode_label(info.mode, _)
    )
    if cancelled and info.cancel_reason:
        description += "\n" + _("Reason: {reason}").format(reason=info.cancel_reason)
    return session_ics(
        CalendarEvent(
            uid=info.uid,
            sequence=info.sequence,
            starts_at=info.starts_at,
            duration=timedelta(minutes=info.duration_minutes),
            timezone=timezone,
            summary=summary,
            location=location,
            description=description,
            url=url,
            cancelled=cancelled,
        )
    )


def ics_name(_: Translate) -> str:
    return _("session") + ".ics"
