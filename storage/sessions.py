"""Sessions between a counsellor and a beneficiary, their reminders, and dialogue state.

A session is scheduled, moved, cancelled or closed by the beneficiary's own
counsellor; the beneficiary confirms they will come, or asks to move it.
Every change writes its consequences to the outbox (:mod:`storage.outbox`)
*in the same transaction*: the notice to the beneficiary, the reminders
created, moved or cancelled, the alert to the counsellor. So a session that
exists has its reminders, and a cancelled one has none, whatever crashes.

Outbox keys (``dedupe_key``), all under ``session:<id>:``:

- ``notice:<sequence>``: scheduled / moved / cancelled, one per change;
- ``remind:<sequence>:<offset>``: e.g. ``session:42:remind:0:24h``; the
  sequence is part of the key because a reminder already *sent* for the old
  time must not stop the reminder for the new time (the outbox never reopens
  a sent row); moving cancels every ``remind:`` row and writes new ones;
- ``move:<sequence>`` and ``move:<sequence>:reason``: the alert to the
  counsellor when the beneficiary has to move, then their reason if typed.

``sequence`` starts at 0 and grows on every change of time, place or
status: it is the calendar SEQUENCE of the session's .ics, and callback data
carries it so that a button pressed on an old reminder is recognised as such.

Reminder offsets are counted on the beneficiary's wall clock for whole days
and in absolute time for the rest: "24h" before a 10:00 session is 10:00 the
day before, even across a daylight-saving change (23 or 25 real hours).

This module also keeps where a multi-step dialogue stands, in the database
(never in memory, see DESIGN principle 1): a counsellor's draft (a session
or a task being set up) and a beneficiary's wait for typed text (a reason to
move, a note on a task, a journal entry). One row per person; starting a new
dialogue replaces the old one.
"""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage import conversation, outbox
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    PersonActor,
    load_beneficiary_for,
)
from storage.crypto import EncryptedText
from storage.models import (
    NEVER_REUSED,
    Base,
    Beneficiary,
    BeneficiaryStatus,
    Counsellor,
    UTCDateTime,
    string_enum,
    utcnow,
)
from storage.outbox import OutboxMessage, OutboxStatus, Recipient

DEFAULT_REMINDERS = (timedelta(hours=24), timedelta(hours=2))
DEFAULT_TIMEZONE = "Europe/Paris"
# A message about a session that starts within this delay is sent even in the
# recipient's quiet hours (its kind ends in "_soon", registered urgent).
URGENT_WITHIN = timedelta(hours=12)
MIN_MINUTES = 15
MAX_MINUTES = 8 * 60
MAX_PLACE = 500
MAX_REASON = 1000
FARTHEST = timedelta(days=400)

SESSION_NOTICE = "session_notice"
SESSION_NOTICE_SOON = "session_notice_soon"
SESSION_REMINDER = "session_reminder"
SESSION_REMINDER_SOON = "session_reminder_soon"
MOVE_REQUEST = "session_move_request"
MOVE_REQUEST_SOON = "session_move_request_soon"


class SessionMode(enum.StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"


class SessionStatus(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


class NoticeEvent(enum.StrEnum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"


class SessionRefused(Exception):
    """A change the session cannot take; ``reason`` is a short code, never content.

    Codes: ``past`` (the time has passed), ``too_far``, ``not_active`` (the
    beneficiary has not consented or withdrew), ``not_planned`` (already
    done or cancelled), ``not_started`` (closing a session not yet begun),
    ``changed`` (the button belongs to an older version of the session),
    ``duration``, ``place``, ``reason``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CounsellingSession(Base):
    __tablename__ = "counselling_sessions"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    # The calendar UID: random, so two installations never collide in a calendar.
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("counsellors.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int]
    mode: Mapped[SessionMode] = mapped_column(string_enum(SessionMode, "session_mode"))
    # An address or a video link: personal enough to be encrypted.
    place: Mapped[str | None] = mapped_column(EncryptedText)
    status: Mapped[SessionStatus] = mapped_column(
        string_enum(SessionStatus, "session_status"), default=SessionStatus.PLANNED
    )
    sequence: Mapped[int] = mapped_column(default=0)
    actual_minutes: Mapped[int | None]
    cancel_reason: Mapped[str | None] = mapped_column(EncryptedText)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    move_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    move_reason: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class SessionInfo:
    id: int
    uid: str
    beneficiary_id: int
    counsellor_id: int
    starts_at: datetime
    duration_minutes: int
    mode: SessionMode
    place: str | None
    status: SessionStatus
    sequence: int
    actual_minutes: int | None
    cancel_reason: str | None
    confirmed_at: datetime | None
    move_requested_at: datetime | None
    move_reason: str | None
    beneficiary_name: str
    counsellor_name: str
    beneficiary_timezone: str

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class BudgetUse:
    """Minutes of a bilan done and planned, against its hours budget."""

    done_minutes: int
    planned_minutes: int

    @property
    def total_minutes(self) -> int:
        return self.done_minutes + self.planned_minutes

    def over(self, budget_hours: float, adding_minutes: int = 0) -> bool:
        return self.total_minutes + adding_minutes > budget_hours * 60


@dataclass(frozen=True)
class Dialogue:
    """Where a person's multi-step dialogue stands: its flow, step and data."""

    flow: str
    step: str
    data: dict[str, Any]
    updated_at: datetime


# ---------------------------------------------------------------------------
# Reminder offsets and time arithmetic
# ---------------------------------------------------------------------------

_OFFSET = re.compile(r"(\d{1,4})\s*([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """``"24h,2h"`` → (24 h, 2 h), largest first. Units d, h, m, s; ValueError if malformed."""
    offsets: list[timedelta] = []
    for item in text.split(","):
        item = item.strip().lower()
        if not item:
            continue
        parts = _OFFSET.findall(item)
        if not parts or _OFFSET.sub("", item).strip():
            raise ValueError("reminder offsets look like 24h,2h")
        offset = sum((timedelta(**{_UNITS[u]: int(n)}) for n, u in parts), timedelta())
        if offset <= timedelta(0):
            raise ValueError("reminder offsets must be positive")
        offsets.append(offset)
    if not offsets:
        raise ValueError("no reminder offset given")
    return tuple(sorted(set(offsets), reverse=True))


def offset_label(offset: timedelta) -> str:
    """A short stable name for an offset, used in outbox keys: 24h, 2h, 90m, 45s."""
    seconds = int(offset.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def reminder_due(starts_at: datetime, offset: timedelta, timezone: str) -> datetime:
    """When a reminder ``offset`` before ``starts_at`` is due, in UTC.

    Whole days go back on the wall clock of ``timezone`` (a "24h" reminder
    of a 10:00 session is at 10:00 the day before, DST or not); what is left
    of the offset is taken in absolute time.
    """
    days = offset // timedelta(days=1)
    rest = offset - timedelta(days=days)
    local = starts_at.astimezone(_zone(timezone))
    wall = (local.replace(tzinfo=None) - timedelta(days=days)).replace(tzinfo=local.tzinfo)
    return wall.astimezone(UTC) - rest


def _kind(base: str, soon: str, gap: timedelta) -> str:
    return soon if gap <= URGENT_WITHIN else base


# ---------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------


def _info(row: CounsellingSession, beneficiary: Beneficiary, counsellor_name: str) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        uid=row.uid,
        beneficiary_id=row.beneficiary_id,
        counsellor_id=row.counsellor_id,
        starts_at=row.starts_at,
        duration_minutes=row.duration_minutes,
        mode=row.mode,
        place=row.place,
        status=row.status,
        sequence=row.sequence,
        actual_minutes=row.actual_minutes,
        cancel_reason=row.cancel_reason,
        confirmed_at=row.confirmed_at,
        move_requested_at=row.move_requested_at,
        move_reason=row.move_reason,
        beneficiary_name=beneficiary.name,
        counsellor_name=counsellor_name,
        beneficiary_timezone=beneficiary.timezone,
    )


def _counsellor_only(actor: Actor) -> CounsellorActor:
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only the counsellor manages sessions")
    return actor


def _beneficiary_only(actor: Actor) -> BeneficiaryActor:
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary answers for their own sessions")
    return actor


async def _counsellor_name(session: AsyncSession, counsellor_id: int) -> str:
    name = await session.scalar(select(Counsellor.name).where(Counsellor.id == counsellor_id))
    return name or ""


async def _load(
    session: AsyncSession, actor: Actor, session_id: int
) -> tuple[CounsellingSession, Beneficiary]:
    """The session row and its beneficiary if ``actor`` may reach them, else AccessDenied.

    The beneficiary themself, their current counsellor, or the system; unknown
    ids are refused like foreign ones.
    """
    row = await session.get(CounsellingSession, session_id, populate_existing=True)
    if row is None:
        raise AccessDenied(f"session {session_id} is not reachable")
    try:
        beneficiary = await load_beneficiary_for(session, actor, row.beneficiary_id)
    except AccessDenied:
        raise AccessDenied(f"session {session_id} is not reachable") from None
    return row, beneficiary


async def session_for(session: AsyncSession, actor: Actor, session_id: int) -> SessionInfo:
    """One session, as its beneficiary, their counsellor or the system may see it."""
    row, beneficiary = await _load(session, actor, session_id)
    return _info(row, beneficiary, await _counsellor_name(session, row.counsellor_id))


async def _active_beneficiary(
    session: AsyncSession, actor: CounsellorActor, beneficiary_id: int
) -> Beneficiary:
    beneficiary = await load_beneficiary_for(session, actor, beneficiary_id)
    if beneficiary.status != BeneficiaryStatus.ACTIVE:
        raise SessionRefused("not_active")
    return beneficiary


def _check_duration(minutes: int) -> None:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise SessionRefused("duration")


def _check_place(mode: SessionMode, place: str | None) -> str | None:
    if mode == SessionMode.PHONE:
        return None
    place = (place or "").strip()
    if not place or len(place) > MAX_PLACE:
        raise SessionRefused("place")
    return place


def _check_time(starts_at: datetime, now: datetime) -> None:
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    if starts_at <= now:
        raise SessionRefused("past")
    if starts_at - now > FARTHEST:
        raise SessionRefused("too_far")


# ---------------------------------------------------------------------------
# The outbox rows a session owns
# ---------------------------------------------------------------------------


def _prefix(session_id: int, part: str) -> str:
    return f"session:{session_id}:{part}:"


async def _write_reminders(
    session: AsyncSession,
    row: CounsellingSession,
    timezone: str,
    reminders: Sequence[timedelta],
    now: datetime,
) -> None:
    """Cancel the session's open reminders, then write those its new time calls for.

    A reminder whose time has already passed (the session is close) is not
    written, except the nearest one to the session, which goes out at once:
    scheduling a session in an hour still gets its "2 h before" reminder with
    the confirm and move buttons, but not also the "24 h before" one.
    """
    await outbox.cancel(session, prefix=_prefix(row.id, "remind"))
    if row.status != SessionStatus.PLANNED or row.starts_at <= now:
        return
    late: tuple[timedelta, datetime] | None = None
    for offset in sorted(set(reminders), reverse=True):
        due = reminder_due(row.starts_at, offset, timezone)
        if due <= now:
            late = (offset, now)
            continue
        await _enqueue_reminder(session, row, offset, due, now)
    if late is not None and not any(
        reminder_due(row.starts_at, o, timezone) > now for o in reminders if o < late[0]
    ):
        await _enqueue_reminder(session, row, late[0], late[1], now)


async def _enqueue_reminder(
    session: AsyncSession, row: CounsellingSession, offset: timedelta, due: datetime, now: datetime
) -> None:
    label = offset_label(offset)
    await outbox.enqueue(
        session,
        kind=_kind(SESSION_REMINDER, SESSION_REMINDER_SOON, row.starts_at - due),
        recipient=Recipient.beneficiary(row.beneficiary_id),
        due_at=due,
        dedupe_key=f"{_prefix(row.id, 'remind')}{row.sequence}:{label}",
        payload={"session_id": row.id, "sequence": row.sequence, "offset": label},
        now=now,
    )


async def _notice_went_out(session: AsyncSession, session_id: int) -> bool:
    """Has the beneficiary (possibly) been told of this session already?"""
    found = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.dedupe_key.startswith(_prefix(session_id, "notice"), autoescape=True),
            OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.CLAIMED]),
        )
    )
    return bool(found)


async def _write_notice(
    session: AsyncSession, row: CounsellingSession, event: NoticeEvent, now: datetime
) -> None:
    """Tell the beneficiary, replacing any notice of this session not yet sent.

    A notice not yet sent is outdated by this change. If none ever went out,
    the beneficiary has not heard of the session: a move is announced as a
    new session, and a cancellation is not announced at all.
    """
    await outbox.cancel(session, prefix=_prefix(row.id, "notice"))
    if event != NoticeEvent.SCHEDULED and not await _notice_went_out(session, row.id):
        if event == NoticeEvent.CANCELLED:
            return
        event = NoticeEvent.SCHEDULED
    await outbox.enqueue(
        session,
        kind=_kind(SESSION_NOTICE, SESSION_NOTICE_SOON, row.starts_at - now),
        recipient=Recipient.beneficiary(row.beneficiary_id),
        due_at=now,
        dedupe_key=f"{_prefix(row.id, 'notice')}{row.sequence}",
        payload={"session_id": row.id, "sequence": row.sequence, "event": event.value},
        now=now,
    )


# ---------------------------------------------------------------------------
# What the counsellor does
# ---------------------------------------------------------------------------


async def schedule_session(
    session: AsyncSession,
    actor: Actor,
    beneficiary_id: int,
    starts_at: datetime,
    duration_minutes: int,
    mode: SessionMode,
    place: str | None,
    *,
    reminders: Sequence[timedelta] = DEFAULT_REMINDERS,
    now: datetime | None = None,
) -> SessionInfo:
    """A new session with one of the counsellor's own consenting beneficiaries.

    Writes the notice (with its .ics) and the reminders in this transaction.
    """
    me = _counsellor_only(actor)
    now = now or utcnow()
    beneficiary = await _active_beneficiary(session, me, beneficiary_id)
    _check_time(starts_at, now)
    _check_duration(duration_minutes)
    row = CounsellingSession(
        uid=secrets.token_hex(16),
        beneficiary_id=beneficiary.id,
        counsellor_id=me.counsellor_id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        mode=mode,
        place=_check_place(mode, place),
        status=SessionStatus.PLANNED,
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    await _write_notice(session, row, NoticeEvent.SCHEDULED, now)
    await _write_reminders(session, row, beneficiary.timezone, reminders, now)
    return _info(row, beneficiary, await _counsellor_name(session, me.counsellor_id))


async def _planned_for_counsellor(
    session: AsyncSession, actor: Actor, session_id: int
) -> tuple[CounsellorActor, CounsellingSession, Beneficiary]:
    me = _counsellor_only(actor)
    row, beneficiary = await _load(session, me, session_id)
    if row.status != SessionStatus.PLANNED:
        raise SessionRefused("not_planned")
    return me, row, beneficiary


async def reschedule_session(
    session: AsyncSession,
    actor: Actor,
    session_id: int,
    starts_at: datetime,
    *,
    duration_minutes: int | None = None,
    reminders: Sequence[timedelta] = DEFAULT_REMINDERS,
    now: datetime | None = None,
) -> SessionInfo:
    """Move a planned session: new notice and .ics (SEQUENCE + 1), reminders moved.

    The beneficiary's earlier confirmation or request to move was about the
    old time, so both are cleared.
    """
    now = now or utcnow()
    me, row, beneficiary = await _planned_for_counsellor(session, actor, session_id)
    if beneficiary.status != BeneficiaryStatus.ACTIVE:
        raise SessionRefused("not_active")
    _check_time(starts_at, now)
    if duration_minutes is not None:
        _check_duration(duration_minutes)
        row.duration_minutes = duration_minutes
    row.starts_at = starts_at
    row.sequence += 1
    row.confirmed_at = None
    row.move_requested_at = None
    row.move_reason = None
    row.updated_at = now
    await session.flush()
    await _write_notice(session, row, NoticeEvent.MOVED, now)
    await _write_reminders(session, row, beneficiary.timezone, reminders, now)
    return _info(row, beneficiary, await _counsellor_name(session, me.counsellor_id))


async def cancel_session(
    session: AsyncSession,
    actor: Actor,
    session_id: int,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> SessionInfo:
    """Cancel a planned session: its reminders go, the beneficiary is told (METHOD:CANCEL)."""
    now = now or utcnow()
    me, row, beneficiary = await _planned_for_counsellor(session, actor, session_id)
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON:
        raise SessionRefused("reason")
    row.status = SessionStatus.CANCELLED
    row.cancel_reason = reason
    row.sequence += 1
    row.updated_at = now
    await session.flush()
    await outbox.cancel(session, prefix=_prefix(row.id, "remind"))
    await outbox.cancel(session, prefix=_prefix(row.id, "move"))
    if row.starts_at > now:
        await _write_notice(session, row, NoticeEvent.CANCELLED, now)
    return _info(row, beneficiary, await _counsellor_name(session, me.counsellor_id))


async def mark_done(
    session: AsyncSession,
    actor: Actor,
    session_id: int,
    actual_minutes: int,
    *,
    now: datetime | None = None,
) -> SessionInfo:
    """Close a session that has begun, with the time it really took (counts in the budget)."""
    now = now or utcnow()
    me, row, beneficiary = await _planned_for_counsellor(session, actor, session_id)
    if row.starts_at > now:
        raise SessionRefused("not_started")
    _check_duration(actual_minutes)
    row.status = SessionStatus.DONE
    row.actual_minutes = actual_minutes
    row.updated_at = now
    await session.flush()
    await outbox.cancel(session, prefix=_prefix(row.id, "remind"))
    return _info(row, beneficiary, await _counsellor_name(session, me.counsellor_id))


async def recent_place(
    session: AsyncSession, actor: Actor, beneficiary_id: int, mode: SessionMode
) -> str | None:
    """The address or link of this beneficiary's latest session in ``mode``, to offer again."""
    me = _counsellor_only(actor)
    await load_beneficiary_for(session, me, beneficiary_id)
    return await session.scalar(
        select(CounsellingSession.place)
        .where(
            CounsellingSession.beneficiary_id == beneficiary_id,
            CounsellingSession.mode == mode,
            CounsellingSession.place.is_not(None),
        )
        .order_by(CounsellingSession.created_at.desc(), CounsellingSession.id.desc())
        .limit(1)
    )


async def overlapping(
    session: AsyncSession,
    actor: Actor,
    starts_at: datetime,
    duration_minutes: int,
    *,
    excluding: int | None = None,
) -> int:
    """How many of the counsellor's planned sessions overlap this time slot."""
    me = _counsellor_only(actor)
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    rows = await session.execute(
        select(
            CounsellingSession.id, CounsellingSession.starts_at, CounsellingSession.duration_minutes
        ).where(
            CounsellingSession.counsellor_id == me.counsellor_id,
            CounsellingSession.status == SessionStatus.PLANNED,
            CounsellingSession.starts_at < ends_at,
            CounsellingSession.starts_at > starts_at - timedelta(minutes=MAX_MINUTES),
        )
    )
    return sum(
        1
        for sid, begins, minutes in rows
        if sid != excluding and begins + timedelta(minutes=minutes) > starts_at
    )


# ---------------------------------------------------------------------------
# What the beneficiary does
# ---------------------------------------------------------------------------


async def _own_planned(
    session: AsyncSession, actor: Actor, session_id: int, sequence: int | None, now: datetime
) -> tuple[BeneficiaryActor, CounsellingSession, Beneficiary]:
    me = _beneficiary_only(actor)
    row, beneficiary = await _load(session, me, session_id)
    if row.status != SessionStatus.PLANNED or row.starts_at <= now:
        raise SessionRefused("not_planned")
    if sequence is not None and sequence != row.sequence:
        raise SessionRefused("changed")
    return me, row, beneficiary


async def confirm_attendance(
    session: AsyncSession,
    actor: Actor,
    session_id: int,
    sequence: int | None = None,
    *,
    now: datetime | None = None,
) -> SessionInfo:
    """The beneficiary confirms they will come (shown in the counsellor's view).

    ``sequence`` is the version the button was made for: a press on a
    reminder of an older time is refused with ``changed``.
    """
    now = now or utcnow()
    _me, row, beneficiary = await _own_planned(session, actor, session_id, sequence, now)
    row.confirmed_at = now
    row.move_requested_at = None
    row.move_reason = None
    await session.flush()
    return _info(row, beneficiary, await _counsellor_name(session, row.counsellor_id))


async def request_move(
    session: AsyncSession,
    actor: Actor,
    session_id: int,
    sequence: int | None = None,
    *,
    now: datetime | None = None,
) -> SessionInfo:
    """The beneficiary has to move the session: their counsellor is alerted at once.

    One alert per version of the session: pressing again does not alert twice.
    """
    now = now or utcnow()
    _me, row, beneficiary = await _own_planned(session, actor, session_id, sequence, now)
    row.move_requested_at = now
    row.confirmed_at = None
    await session.flush()
    await outbox.enqueue(
        session,
        kind=_kind(MOVE_REQUEST, MOVE_REQUEST_SOON, row.starts_at - now),
        recipient=Recipient.counsellor(row.counsellor_id),
        due_at=now,
        dedupe_key=f"{_prefix(row.id, 'move')}{row.sequence}",
        payload={"session_id": row.id, "sequence": row.sequence, "reason": False},
        beneficiary_id=row.beneficiary_id,
        now=now,
    )
    return _info(row, beneficiary, await _counsellor_name(session, row.counsellor_id))


async def add_move_reason(
    session: AsyncSession,
    actor: Actor,
    session_id: int,
    reason: str,
    *,
    now: datetime | None = None,
) -> SessionInfo:
    """The reason typed after "I have to move it", sent on to the counsellor."""
    now = now or utcnow()
    _me, row, beneficiary = await _own_planned(session, actor, session_id, None, now)
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON or row.move_requested_at is None:
        raise SessionRefused("reason")
    row.move_reason = reason
    await session.flush()
    await outbox.enqueue(
        session,
        kind=_kind(MOVE_REQUEST, MOVE_REQUEST_SOON, row.starts_at - now),
        recipient=Recipient.counsellor(row.counsellor_id),
        due_at=now,
        dedupe_key=f"{_prefix(row.id, 'move')}{row.sequence}:reason",
        payload={"session_id": row.id, "sequence": row.sequence, "reason": True},
        beneficiary_id=row.beneficiary_id,
        now=now,
    )
    return _info(row, beneficiary, await _counsellor_name(session, row.counsellor_id))


# ---------------------------------------------------------------------------
# Lists and the hours budget
# ---------------------------------------------------------------------------


async def _rows_with_people(
    session: AsyncSession, *conditions: Any, newest_first: bool = False, limit: int = 100
) -> list[SessionInfo]:
    order = CounsellingSession.starts_at.desc() if newest_first else CounsellingSession.starts_at
    rows = await session.execute(
        select(CounsellingSession, Beneficiary, Counsellor.name)
        .join(Beneficiary, Beneficiary.id == CounsellingSession.beneficiary_id)
        .join(Counsellor, Counsellor.id == CounsellingSession.counsellor_id)
        .where(*conditions)
        .order_by(order, CounsellingSession.id)
        .limit(limit)
    )
    return [_info(row, beneficiary, name) for row, beneficiary, name in rows]


def _scope(actor: Actor, beneficiary_id: int | None) -> list[Any]:
    """Which sessions an actor lists: their own, or their beneficiaries'."""
    if isinstance(actor, BeneficiaryActor):
        return [CounsellingSession.beneficiary_id == actor.beneficiary_id]
    if isinstance(actor, CounsellorActor):
        conditions: list[Any] = [Beneficiary.counsellor_id == actor.counsellor_id]
        if beneficiary_id is not None:
            conditions.append(CounsellingSession.beneficiary_id == beneficiary_id)
        return conditions
    raise AccessDenied("only a person lists sessions")


async def upcoming_sessions(
    session: AsyncSession,
    actor: Actor,
    *,
    beneficiary_id: int | None = None,
    now: datetime | None = None,
    limit: int = 50,
) -> list[SessionInfo]:
    """Planned sessions not yet over, soonest first: a beneficiary's own, or a
    counsellor's beneficiaries' (optionally one of them)."""
    now = now or utcnow()
    found = await _rows_with_people(
        session,
        *_scope(actor, beneficiary_id),
        CounsellingSession.status == SessionStatus.PLANNED,
        CounsellingSession.starts_at > now - timedelta(minutes=MAX_MINUTES),
        limit=limit + 10,
    )
    return [s for s in found if s.ends_at > now][:limit]


async def sessions_to_close(
    session: AsyncSession, actor: Actor, *, now: datetime | None = None, limit: int = 20
) -> list[SessionInfo]:
    """A counsellor's sessions whose end has passed and that are not marked done yet."""
    me = _counsellor_only(actor)
    now = now or utcnow()
    found = await _rows_with_people(
        session,
        *_scope(me, None),
        CounsellingSession.status == SessionStatus.PLANNED,
        CounsellingSession.starts_at <= now,
        newest_first=True,
        limit=limit + 10,
    )
    return [s for s in found if s.ends_at <= now][:limit]


async def sessions_of(
    session: AsyncSession, actor: Actor, beneficiary_id: int, *, limit: int = 100
) -> list[SessionInfo]:
    """Every session of one beneficiary (any state), oldest first."""
    await load_beneficiary_for(session, actor, beneficiary_id)
    return await _rows_with_people(
        session, CounsellingSession.beneficiary_id == beneficiary_id, limit=limit
    )


async def budget_use(session: AsyncSession, actor: Actor, beneficiary_id: int) -> BudgetUse:
    """Minutes done (their real length) and planned (not cancelled, not yet done)."""
    await load_beneficiary_for(session, actor, beneficiary_id)
    rows = await session.execute(
        select(
            CounsellingSession.status,
            func.sum(
                func.coalesce(
                    CounsellingSession.actual_minutes, CounsellingSession.duration_minutes
                )
            ),
        )
        .where(
            CounsellingSession.beneficiary_id == beneficiary_id,
            CounsellingSession.status != SessionStatus.CANCELLED,
        )
        .group_by(CounsellingSession.status)
    )
    totals = {SessionStatus(status): int(minutes or 0) for status, minutes in rows}
    return BudgetUse(totals.get(SessionStatus.DONE, 0), totals.get(SessionStatus.PLANNED, 0))


# ---------------------------------------------------------------------------
# Dialogue state: a counsellor's draft, a beneficiary's wait for typed text
# ---------------------------------------------------------------------------


DIALOGUE_LASTS = timedelta(hours=6)
"""How long a dialogue waits at most; each flow may read it for less (``max_age``)."""


async def save_dialogue(
    session: AsyncSession,
    actor: PersonActor,
    flow: str,
    step: str,
    data: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> Dialogue:
    """Remember where this person's dialogue stands: their one conversation state.

    A counsellor's draft about a beneficiary carries its ``beneficiary_id``,
    which the conversation row keeps in clear so that the erasure finds it.
    """
    now = now or utcnow()
    about = (data or {}).get("beneficiary_id")
    await conversation.begin(
        session,
        actor,
        flow,
        step,
        data,
        lasts=DIALOGUE_LASTS,
        beneficiary_id=about if isinstance(about, int) else None,
        now=now,
    )
    return Dialogue(flow, step, dict(data or {}), now)


async def current_dialogue(
    session: AsyncSession,
    actor: PersonActor,
    *,
    flows: Sequence[str] | None = None,
    max_age: timedelta | None = None,
    now: datetime | None = None,
) -> Dialogue | None:
    """This person's dialogue, if any (of one of ``flows``, not older than ``max_age``)."""
    now = now or utcnow()
    wait = await conversation.current(session, actor, flows=flows, now=now)
    if wait is None or wait.since is None:
        return None
    if max_age is not None and now - wait.since > max_age:
        return None
    return dialogue_of(wait)


def dialogue_of(wait: conversation.Wait) -> Dialogue:
    """A wait already read (with the caller, before any handler) as a dialogue."""
    return Dialogue(wait.flow, wait.step, wait.payload, wait.since or utcnow())


async def end_dialogue(
    session: AsyncSession, actor: PersonActor, *, flows: Sequence[str] | None = None
) -> bool:
    """Forget this person's dialogue (only if it is one of ``flows``); True if there was one."""
    return await conversation.end(session, actor, flows=flows) is not None
