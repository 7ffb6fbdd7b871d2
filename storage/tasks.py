"""Tasks between sessions (*démarches*): assigned by the counsellor, done by the beneficiary.

"Enquête métier : rencontrer deux professionnels", due on a date. The
beneficiary is told when a task is assigned, gets a reminder the evening
before the due date (at :data:`DEFAULT_REMINDER_HOUR` on their own clock),
can push that reminder to tomorrow or in three days, and marks the task
done with an optional note for their counsellor. The counsellor sees which
tasks are overdue.

Outbox keys, under ``task:<id>:``: ``assigned`` for the notice, and
``remind:<n>`` for the reminders, ``n`` growing with each snooze so that a
reminder already sent does not block the next one. Completing or
withdrawing a task cancels its open reminders in the same transaction.

Dates: ``due_on`` is a calendar date, the beneficiary's local date; times
are UTC.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Date, ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from storage import audit, outbox
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    load_beneficiary_for,
)
from storage.crypto import EncryptedText
from storage.models import (
    NEVER_REUSED,
    Base,
    Beneficiary,
    BeneficiaryStatus,
    UTCDateTime,
    string_enum,
    utcnow,
)
from storage.outbox import Recipient

DEFAULT_REMINDER_HOUR = 18
DEFAULT_TIMEZONE = "Europe/Paris"
MAX_TITLE = 200
MAX_DETAILS = 2000
MAX_NOTE = 2000
FARTHEST = timedelta(days=400)
SNOOZE_DAYS = (1, 3)

TASK_ASSIGNED = "task_assigned"
TASK_REMINDER = "task_reminder"


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    WITHDRAWN = "withdrawn"


class TaskRefused(Exception):
    """A change the task cannot take; ``reason`` is a short code, never content.

    Codes: ``not_active``, ``title``, ``details``, ``note``, ``past`` (due
    date before today), ``too_far``, ``not_open``, ``snooze``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("counsellors.id"), index=True)
    title: Mapped[str] = mapped_column(EncryptedText)
    details: Mapped[str | None] = mapped_column(EncryptedText)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[TaskStatus] = mapped_column(
        string_enum(TaskStatus, "task_status"), default=TaskStatus.OPEN
    )
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str | None] = mapped_column(EncryptedText)
    # The pending reminder: when, and its number (the n of its outbox key).
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_number: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class TaskInfo:
    id: int
    beneficiary_id: int
    counsellor_id: int
    title: str
    details: str | None
    due_on: date
    status: TaskStatus
    done_at: datetime | None
    done_note: str | None
    remind_at: datetime | None
    reminder_number: int
    created_at: datetime
    beneficiary_name: str
    beneficiary_timezone: str

    def overdue(self, today: date) -> bool:
        return self.status == TaskStatus.OPEN and self.due_on < today


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(_zone(timezone)).date()


def at_local_hour(day: date, hour: int, timezone: str) -> datetime:
    """``hour``:00 on ``day`` on the wall clock of ``timezone``, in UTC."""
    return datetime.combine(day, time(hour), tzinfo=_zone(timezone)).astimezone(UTC)


def first_reminder(due_on: date, timezone: str, hour: int = DEFAULT_REMINDER_HOUR) -> datetime:
    """The evening before the due date, at ``hour`` local time."""
    return at_local_hour(due_on - timedelta(days=1), hour, timezone)


def _info(task: Task, beneficiary: Beneficiary) -> TaskInfo:
    return TaskInfo(
        id=task.id,
        beneficiary_id=task.beneficiary_id,
        counsellor_id=task.counsellor_id,
        title=task.title,
        details=task.details,
        due_on=task.due_on,
        status=task.status,
        done_at=task.done_at,
        done_note=task.done_note,
        remind_at=task.remind_at,
        reminder_number=task.reminder_number,
        created_at=task.created_at,
        beneficiary_name=beneficiary.name,
        beneficiary_timezone=beneficiary.timezone,
    )


def _clean(text: str | None, limit: int, reason: str, *, required: bool) -> str | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise TaskRefused(reason)
        return None
    if len(text) > limit:
        raise TaskRefused(reason)
    return text


async def _load(session: AsyncSession, actor: Actor, task_id: int) -> tuple[Task, Beneficiary]:
    """The task and its beneficiary if ``actor`` may reach them; unknown ids refused alike."""
    task = await session.get(Task, task_id, populate_existing=True)
    if task is None:
        raise AccessDenied(f"task {task_id} is not reachable")
    try:
        beneficiary = await load_beneficiary_for(session, actor, task.beneficiary_id)
    except AccessDenied:
        raise AccessDenied(f"task {task_id} is not reachable") from None
    return task, beneficiary


def _remind_prefix(task_id: int) -> str:
    return f"task:{task_id}:remind:"


async def _set_reminder(
    session: AsyncSession, task: Task, remind_at: datetime | None, now: datetime
) -> None:
    """Replace the task's pending reminder by one at ``remind_at`` (none if None or past)."""
    await outbox.cancel(session, prefix=_remind_prefix(task.id))
    if remind_at is None or remind_at <= now:
        task.remind_at = None
        return
    task.reminder_number += 1
    task.remind_at = remind_at
    await outbox.enqueue(
        session,
        kind=TASK_REMINDER,
        recipient=Recipient.beneficiary(task.beneficiary_id),
        due_at=remind_at,
        dedupe_key=f"{_remind_prefix(task.id)}{task.reminder_number}",
        payload={"task_id": task.id, "number": task.reminder_number},
        now=now,
    )


async def assign_task(
    session: AsyncSession,
    actor: Actor,
    beneficiary_id: int,
    title: str,
    details: str | None,
    due_on: date,
    *,
    reminder_hour: int = DEFAULT_REMINDER_HOUR,
    now: datetime | None = None,
) -> TaskInfo:
    """A counsellor gives one of their consenting beneficiaries a task.

    The beneficiary is told now, and reminded the evening before ``due_on``
    (no reminder if that evening has already passed).
    """
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only the counsellor assigns tasks")
    now = now or utcnow()
    beneficiary = await load_beneficiary_for(session, actor, beneficiary_id)
    if beneficiary.status != BeneficiaryStatus.ACTIVE:
        raise TaskRefused("not_active")
    clean_title = _clean(title, MAX_TITLE, "title", required=True)
    assert clean_title is not None
    clean_details = _clean(details, MAX_DETAILS, "details", required=False)
    today = local_date(now, beneficiary.timezone)
    if due_on < today:
        raise TaskRefused("past")
    if due_on - today > FARTHEST:
        raise TaskRefused("too_far")
    task = Task(
        beneficiary_id=beneficiary.id,
        counsellor_id=actor.counsellor_id,
        title=clean_title,
        details=clean_details,
        due_on=due_on,
        status=TaskStatus.OPEN,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    await session.flush()
    await outbox.enqueue(
        session,
        kind=TASK_ASSIGNED,
        recipient=Recipient.beneficiary(beneficiary.id),
        due_at=now,
        dedupe_key=f"task:{task.id}:assigned",
        payload={"task_id": task.id},
        now=now,
    )
    await _set_reminder(
        session, task, first_reminder(due_on, beneficiary.timezone, reminder_hour), now
    )
    await session.flush()
    return _info(task, beneficiary)


async def task_for(session: AsyncSession, actor: Actor, task_id: int) -> TaskInfo:
    """One task, for its beneficiary, their counsellor or the system.

    A counsellor opening a task done with a note reads the note: audited.
    """
    task, beneficiary = await _load(session, actor, task_id)
    if isinstance(actor, CounsellorActor) and task.done_note:
        await audit.record(session, actor, "tasks.read_note", beneficiary.id)
    return _info(task, beneficiary)


async def _own_open(
    session: AsyncSession, actor: Actor, task_id: int
) -> tuple[BeneficiaryActor, Task, Beneficiary]:
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary works on their own tasks")
    task, beneficiary = await _load(session, actor, task_id)
    if task.status != TaskStatus.OPEN:
        raise TaskRefused("not_open")
    return actor, task, beneficiary


async def complete_task(
    session: AsyncSession,
    actor: Actor,
    task_id: int,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> TaskInfo:
    """The beneficiary marks their task done; its reminders are cancelled."""
    now = now or utcnow()
    _me, task, beneficiary = await _own_open(session, actor, task_id)
    task.done_note = _clean(note, MAX_NOTE, "note", required=False)
    task.status = TaskStatus.DONE
    task.done_at = now
    task.updated_at = now
    await _set_reminder(session, task, None, now)
    await session.flush()
    return _info(task, beneficiary)


async def add_done_note(
    session: AsyncSession,
    actor: Actor,
    task_id: int,
    note: str,
    *,
    now: datetime | None = None,
) -> TaskInfo:
    """A note typed after marking a task done (for the counsellor to read)."""
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary writes on their own tasks")
    task, beneficiary = await _load(session, actor, task_id)
    if task.status != TaskStatus.DONE:
        raise TaskRefused("not_open")
    task.done_note = _clean(note, MAX_NOTE, "note", required=True)
    task.updated_at = now or utcnow()
    await session.flush()
    return _info(task, beneficiary)


async def snooze_task(
    session: AsyncSession,
    actor: Actor,
    task_id: int,
    days: int,
    *,
    reminder_hour: int = DEFAULT_REMINDER_HOUR,
    now: datetime | None = None,
) -> TaskInfo:
    """Remind me again in ``days`` (1 or 3) days, at the reminder hour of my clock."""
    now = now or utcnow()
    _me, task, beneficiary = await _own_open(session, actor, task_id)
    if days not in SNOOZE_DAYS:
        raise TaskRefused("snooze")
    today = local_date(now, beneficiary.timezone)
    remind_at = at_local_hour(today + timedelta(days=days), reminder_hour, beneficiary.timezone)
    await _set_reminder(session, task, remind_at, now)
    task.updated_at = now
    await session.flush()
    return _info(task, beneficiary)


async def withdraw_task(
    session: AsyncSession, actor: Actor, task_id: int, *, now: datetime | None = None
) -> TaskInfo:
    """The counsellor takes back a task still open (given by mistake, no longer useful)."""
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only the counsellor withdraws a task")
    now = now or utcnow()
    task, beneficiary = await _load(session, actor, task_id)
    if task.status != TaskStatus.OPEN:
        raise TaskRefused("not_open")
    task.status = TaskStatus.WITHDRAWN
    task.updated_at = now
    await _set_reminder(session, task, None, now)
    await outbox.cancel(session, dedupe_key=f"task:{task.id}:assigned")
    await session.flush()
    return _info(task, beneficiary)


async def own_tasks(
    session: AsyncSession, actor: Actor, *, include_done: bool = False, limit: int = 50
) -> list[TaskInfo]:
    """The beneficiary's tasks: open ones by due date, then (if asked) the latest done."""
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary lists their own tasks")
    statuses = [TaskStatus.OPEN, *([TaskStatus.DONE] if include_done else [])]
    return await _listed(
        session, [Task.beneficiary_id == actor.beneficiary_id, Task.status.in_(statuses)], limit
    )


async def _listed(
    session: AsyncSession, conditions: list[ColumnElement[bool]], limit: int
) -> list[TaskInfo]:
    rows = await session.execute(
        select(Task, Beneficiary)
        .join(Beneficiary, Beneficiary.id == Task.beneficiary_id)
        .where(*conditions)
        .order_by(Task.status.desc(), Task.due_on, Task.id)
        .limit(limit)
    )
    return [_info(task, beneficiary) for task, beneficiary in rows]


async def tasks_for_counsellor(
    session: AsyncSession,
    actor: Actor,
    *,
    beneficiary_id: int | None = None,
    include_done: bool = True,
    limit: int = 100,
) -> list[TaskInfo]:
    """Tasks of the counsellor's beneficiaries (open first, by due date).

    Done tasks carry the beneficiary's note: reading them is audited, once
    per beneficiary whose note is shown.
    """
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only a counsellor lists their beneficiaries' tasks")
    statuses = [TaskStatus.OPEN, *([TaskStatus.DONE] if include_done else [])]
    conditions: list[ColumnElement[bool]] = [
        Beneficiary.counsellor_id == actor.counsellor_id,
        Task.status.in_(statuses),
    ]
    if beneficiary_id is not None:
        await load_beneficiary_for(session, actor, beneficiary_id)
        conditions.append(Task.beneficiary_id == beneficiary_id)
    found = await _listed(session, conditions, limit)
    for noted in sorted({t.beneficiary_id for t in found if t.done_note}):
        await audit.record(session, actor, "tasks.read_note", noted)
    return found


async def overdue_for_counsellor(
    session: AsyncSession, actor: Actor, *, now: datetime | None = None
) -> list[TaskInfo]:
    """Open tasks of the counsellor's beneficiaries whose due date has passed on
    the beneficiary's own calendar; oldest due first."""
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only a counsellor sees overdue tasks")
    now = now or utcnow()
    # Any time zone's date is within a day of UTC's: narrow in SQL, decide per person.
    horizon = now.astimezone(UTC).date() + timedelta(days=1)
    found = await _listed(
        session,
        [
            Beneficiary.counsellor_id == actor.counsellor_id,
            Task.status == TaskStatus.OPEN,
            Task.due_on < horizon,
        ],
        500,
    )
    return [t for t in found if t.overdue(local_date(now, t.beneficiary_timezone))]
