"""The follow-up check-ins after the bilan: when they are due, and whether they were answered.

The guide follows a bilan up six months after it ends, and names three and
twelve months too. When the counsellor closes the conclusion phase
(:func:`conclude`), one :class:`FollowupCheckin` row per configured number of
months is written, and its messages go to the outbox in the same transaction:

- the invitation, ``followup:<beneficiary>:<months>``, at 10:00 in the
  beneficiary's time zone on the same day of the month N months later
  (clamped: concluded on 31 August → 30 November);
- two gentle re-pings, ``followup:<beneficiary>:<months>:reping:1`` and ``:2``,
  3 and 7 days later at 10:00 local, cancelled when the check-in is sent.

Dates are computed on the local calendar, then turned into UTC, so a
daylight-saving change between conclusion and check-in moves nothing.

A check-in is answered by a run of the ``followup`` instrument; the run is
tied to the check-in when the beneficiary opens it (:func:`attach_run`), and
:func:`on_checkin_submitted` runs in the submission's transaction: it cancels
the re-pings and, if the person asked to talk, alerts their counsellor at once.

States for the card and the digest (:func:`followup_status`): *scheduled*
(not yet due), *due* (invited, waiting), *answered*, *unanswered* (no answer
:data:`UNANSWERED_AFTER` the due date — after the last re-ping — at which
point the bot stops asking; the person may still answer later).
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, Select, UniqueConstraint, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage import audit, outbox
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    SystemActor,
    load_beneficiary_for,
)
from storage.cards import set_phase
from storage.models import (
    NEVER_REUSED,
    Base,
    Beneficiary,
    BeneficiaryStatus,
    Phase,
    UTCDateTime,
    utcnow,
)
from storage.outbox import Recipient
from storage.responses import Answer, InstrumentRun, RunStatus

INSTRUMENT_KEY = "followup"
INVITE_KIND = "followup_invite"
TALK_KIND = "followup_talk"
CONCLUDED_KIND = "bilan_concluded"
"""Tells the person their bilan is concluded and what follows (rendered by the bot)."""
TALK_QUESTION = "wants_to_talk"
"""The yes/no question of ``dialogues/instruments/followup.toml`` that alerts the counsellor."""

CHECKIN_TIME = time(10, 0)
REPING_DAYS = (3, 7)
UNANSWERED_AFTER = timedelta(days=10)
DEFAULT_MONTHS = (3, 6)
MAX_MONTHS = 24


class CheckinState(enum.StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"
    ANSWERED = "answered"
    UNANSWERED = "unanswered"


class CheckinAnswered(ValueError):
    """The check-in was already sent: a new run may not take its place."""


class FollowupCheckin(Base):
    __tablename__ = "followup_checkins"
    __table_args__ = (UniqueConstraint("beneficiary_id", "months"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    months: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("instrument_runs.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Schedule:
    """Which check-ins a conclusion schedules (the organisation's setting).

    ``delay_seconds`` is for tests and demonstrations only: a check-in of N
    months is then due N × ``delay_seconds`` after the conclusion instead of
    N calendar months later at 10:00; re-pings keep their days.
    """

    months: tuple[int, ...] = DEFAULT_MONTHS
    delay_seconds: int | None = None

    def __post_init__(self) -> None:
        if not self.months or any(not 1 <= m <= MAX_MONTHS for m in self.months):
            raise ValueError(f"follow-up months must be from 1 to {MAX_MONTHS}")
        if len(set(self.months)) != len(self.months):
            raise ValueError("follow-up months are listed twice")


@dataclass(frozen=True)
class CheckinStatus:
    id: int
    beneficiary_id: int
    months: int
    due_at: datetime
    state: CheckinState
    run_id: int | None
    started: bool
    """A run is tied to it and still in progress: half answered."""
    answered_at: datetime | None

    @property
    def unanswered_since(self) -> datetime:
        """When a check-in without answer counts as unanswered (for the digest)."""
        return self.due_at + UNANSWERED_AFTER


# --- dates ----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Aug + 3 → 30 Nov)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_moment(day: date, timezone: str, at: time = CHECKIN_TIME) -> datetime:
    """``day`` at ``at`` on the wall clock of ``timezone``, as a UTC instant.

    10:00 never falls in a daylight-saving gap or fold in the zones we serve;
    elsewhere ``fold=0`` takes the first of two readings.
    """
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def checkin_due(concluded_at: datetime, months: int, timezone: str) -> datetime:
    """When the check-in of ``months`` is due: that local day, 10:00 local, in UTC."""
    concluded_day = concluded_at.astimezone(ZoneInfo(timezone)).date()
    return local_moment(add_months(concluded_day, months), timezone)


def reping_times(due_at: datetime, timezone: str) -> tuple[datetime, ...]:
    """The re-pings: :data:`REPING_DAYS` local days after the invitation, same wall time."""
    zone = ZoneInfo(timezone)
    local = due_at.astimezone(zone)
    return tuple(
        datetime.combine(local.date() + timedelta(days=d), local.time(), tzinfo=zone).astimezone(
            UTC
        )
        for d in REPING_DAYS
    )


def checkin_state(due_at: datetime, submitted: bool, now: datetime) -> CheckinState:
    if submitted:
        return CheckinState.ANSWERED
    if now < due_at:
        return CheckinState.SCHEDULED
    if now >= due_at + UNANSWERED_AFTER:
        return CheckinState.UNANSWERED
    return CheckinState.DUE


# --- outbox keys ----------------------------------------------------------------------


def invite_key(beneficiary_id: int, months: int) -> str:
    return f"followup:{beneficiary_id}:{months}"


def reping_key(beneficiary_id: int, months: int, number: int) -> str:
    return f"{reping_prefix(beneficiary_id, months)}{number}"


def reping_prefix(beneficiary_id: int, months: int) -> str:
    return f"followup:{beneficiary_id}:{months}:reping:"


def talk_key(beneficiary_id: int, months: int) -> str:
    return f"followup:{beneficiary_id}:{months}:talk"


# --- concluding and scheduling --------------------------------------------------------


async def conclude(
    session: AsyncSession,
    actor: Actor,
    beneficiary_id: int,
    schedule: Schedule,
    now: datetime | None = None,
) -> list[CheckinStatus]:
    """Close the conclusion phase: date it, move to *suivi*, schedule the check-ins.

    The person is told once, by a notice of its own (not the phase notice),
    keyed by the audit event of this conclusion.
    """
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only the counsellor concludes a bilan")
    beneficiary = await load_beneficiary_for(session, actor, beneficiary_id)
    if beneficiary.status != BeneficiaryStatus.ACTIVE:
        raise AccessDenied("the bilan has no consent")
    if beneficiary.phase != Phase.CONCLUSION:
        raise ValueError("only a bilan in its conclusion phase is concluded")
    now = now or utcnow()
    await set_phase(session, actor, beneficiary_id, Phase.SUIVI, notice=False)
    beneficiary.concluded_at = now
    event = await audit.record_event(session, actor, "conclude", beneficiary_id)
    await outbox.enqueue(
        session,
        kind=CONCLUDED_KIND,
        recipient=Recipient.beneficiary(beneficiary_id),
        due_at=now,
        dedupe_key=f"concluded:{beneficiary_id}:{event}",
        now=now,
    )
    return await schedule_checkins(session, beneficiary, now, schedule, now)


async def schedule_checkins(
    session: AsyncSession,
    beneficiary: Beneficiary,
    concluded_at: datetime,
    schedule: Schedule,
    now: datetime,
) -> list[CheckinStatus]:
    """Write the check-ins and their messages; concluding again moves those not yet due.

    A check-in already due (its invitation may be out) or answered is left as
    it is; the outbox's dedupe keys make the rest idempotent.
    """
    existing = {
        row.months: row
        for row in await session.scalars(
            select(FollowupCheckin).where(FollowupCheckin.beneficiary_id == beneficiary.id)
        )
    }
    zone = beneficiary.timezone
    for months in sorted(schedule.months):
        if schedule.delay_seconds is not None:
            due_at = concluded_at + timedelta(seconds=months * schedule.delay_seconds)
        else:
            due_at = checkin_due(concluded_at, months, zone)
        row = existing.get(months)
        if row is not None and row.due_at <= now:
            continue
        if row is None:
            row = FollowupCheckin(beneficiary_id=beneficiary.id, months=months, due_at=due_at)
            session.add(row)
            await session.flush()
        row.due_at = due_at
        recipient = Recipient.beneficiary(beneficiary.id)
        times = (due_at, *reping_times(due_at, zone))
        keys = (
            invite_key(beneficiary.id, months),
            *(reping_key(beneficiary.id, months, n) for n in range(1, len(times))),
        )
        for ping, (moment, key) in enumerate(zip(times, keys, strict=True)):
            await outbox.enqueue(
                session,
                kind=INVITE_KIND,
                recipient=recipient,
                due_at=moment,
                dedupe_key=key,
                payload={"checkin_id": row.id, "months": months, "ping": ping},
                beneficiary_id=beneficiary.id,
                now=now,
            )
    return await _statuses(session, [beneficiary.id], now)


# --- the beneficiary answers ----------------------------------------------------------


def _own(actor: Actor) -> BeneficiaryActor:
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary answers their check-ins")
    return actor


async def attach_run(
    session: AsyncSession,
    actor: Actor,
    checkin_id: int,
    run_id: int,
    now: datetime | None = None,
) -> CheckinStatus:
    """Tie the beneficiary's run in progress to the check-in they opened.

    Refused for someone else's check-in, one not yet due, or a run that is not
    their own follow-up run in progress; :class:`CheckinAnswered` once it was
    sent. A run still tied to an older, unanswered check-in moves to this one:
    the answers say where the person stands today.
    """
    me = _own(actor)
    now = now or utcnow()
    row = await session.get(FollowupCheckin, checkin_id, populate_existing=True)
    if row is None or row.beneficiary_id != me.beneficiary_id:
        raise AccessDenied(f"check-in {checkin_id} is not reachable")
    if row.due_at > now:
        raise AccessDenied("this check-in is not due yet")
    if row.run_id is not None and row.run_id != run_id:
        answered = await session.scalar(
            select(InstrumentRun.status).where(InstrumentRun.id == row.run_id)
        )
        if answered == RunStatus.SUBMITTED:
            raise CheckinAnswered(f"check-in {checkin_id} is answered")
    run = await session.get(InstrumentRun, run_id, populate_existing=True)
    if (
        run is None
        or run.beneficiary_id != me.beneficiary_id
        or run.instrument_key != INSTRUMENT_KEY
        or run.status != RunStatus.IN_PROGRESS
    ):
        raise AccessDenied(f"run {run_id} cannot answer a check-in")
    if row.run_id != run_id:
        await session.execute(
            update(FollowupCheckin)
            .where(
                FollowupCheckin.beneficiary_id == me.beneficiary_id,
                FollowupCheckin.run_id == run_id,
            )
            .values(run_id=None)
            .execution_options(synchronize_session=False)
        )
        row.run_id = run_id
        await session.flush()
    statuses = await _statuses(session, [me.beneficiary_id], now)
    return next(s for s in statuses if s.id == checkin_id)


async def on_checkin_submitted(
    session: AsyncSession, actor: Actor, run_id: int, now: datetime | None = None
) -> CheckinStatus | None:
    """Call in the transaction that submits a follow-up run.

    Cancels the re-pings of its check-in and, when the person answered yes to
    "do you want to talk with your counsellor?", queues the counsellor's alert
    to go out at once. A run opened without going through a check-in's
    button is tied to the latest due check-in still unanswered.
    """
    me = _own(actor)
    now = now or utcnow()
    row = await session.scalar(
        select(FollowupCheckin).where(
            FollowupCheckin.beneficiary_id == me.beneficiary_id,
            FollowupCheckin.run_id == run_id,
        )
    )
    if row is None:
        candidates = [
            s
            for s in await _statuses(session, [me.beneficiary_id], now)
            if s.state in (CheckinState.DUE, CheckinState.UNANSWERED) and s.run_id is None
        ]
        if not candidates:
            return None
        row = await session.get(FollowupCheckin, candidates[-1].id)
        assert row is not None
        row.run_id = run_id
        await session.flush()
    await outbox.cancel(session, prefix=reping_prefix(me.beneficiary_id, row.months))
    wants = await session.scalar(
        select(Answer.value).where(Answer.run_id == run_id, Answer.answer_id == TALK_QUESTION)
    )
    if wants is True:
        beneficiary = await load_beneficiary_for(session, me, me.beneficiary_id)
        await outbox.enqueue(
            session,
            kind=TALK_KIND,
            recipient=Recipient.counsellor(beneficiary.counsellor_id),
            due_at=now,
            dedupe_key=talk_key(me.beneficiary_id, row.months),
            payload={"checkin_id": row.id, "run_id": run_id, "months": row.months},
            beneficiary_id=me.beneficiary_id,
            now=now,
        )
    statuses = await _statuses(session, [me.beneficiary_id], now)
    return next(s for s in statuses if s.id == row.id)


# --- where each check-in stands -------------------------------------------------------


async def _statuses(
    session: AsyncSession,
    beneficiary_ids: Iterable[int] | None,
    now: datetime,
    own: Select[int] | None = None,
) -> list[CheckinStatus]:
    query = (
        select(
            FollowupCheckin,
            InstrumentRun.status,
            InstrumentRun.submitted_at,
        )
        .outerjoin(InstrumentRun, InstrumentRun.id == FollowupCheckin.run_id)
        .order_by(FollowupCheckin.beneficiary_id, FollowupCheckin.months)
    )
    if beneficiary_ids is not None:
        query = query.where(FollowupCheckin.beneficiary_id.in_(list(beneficiary_ids)))
    if own is not None:
        query = query.where(FollowupCheckin.beneficiary_id.in_(own))
    rows = await session.execute(query.execution_options(populate_existing=True))
    found = []
    for row, status, submitted_at in rows:
        submitted = status == RunStatus.SUBMITTED
        found.append(
            CheckinStatus(
                row.id,
                row.beneficiary_id,
                row.months,
                row.due_at,
                checkin_state(row.due_at, submitted, now),
                row.run_id,
                status == RunStatus.IN_PROGRESS,
                submitted_at if submitted else None,
            )
        )
    return found


async def followup_status(
    session: AsyncSession, actor: Actor, beneficiary_id: int, now: datetime | None = None
) -> list[CheckinStatus]:
    """Each check-in of one beneficiary, by months: due / answered / unanswered / scheduled.

    For the beneficiary themself, their own counsellor, or the system. States
    and dates only, never answers: no audit needed (the card's opening is).
    """
    await load_beneficiary_for(session, actor, beneficiary_id)
    return await _statuses(session, [beneficiary_id], now or utcnow())


async def followup_statuses(
    session: AsyncSession, actor: Actor, now: datetime | None = None
) -> dict[int, list[CheckinStatus]]:
    """Every check-in of a counsellor's beneficiaries in one query (for the digest)."""
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only a counsellor lists their follow-ups")
    own = select(Beneficiary.id).where(Beneficiary.counsellor_id == actor.counsellor_id)
    grouped: dict[int, list[CheckinStatus]] = {}
    for status in await _statuses(session, None, now or utcnow(), own):
        grouped.setdefault(status.beneficiary_id, []).append(status)
    return grouped


async def checkin_for_message(
    session: AsyncSession, actor: Actor, checkin_id: int, now: datetime | None = None
) -> tuple[CheckinStatus, Phase] | None:
    """For the outbox renderer (system): the check-in and the bilan's phase, or None."""
    if not isinstance(actor, SystemActor):
        raise AccessDenied("only the system renders follow-up messages")
    row = await session.get(FollowupCheckin, checkin_id)
    if row is None:
        return None
    beneficiary = await load_beneficiary_for(session, actor, row.beneficiary_id)
    statuses = await _statuses(session, [row.beneficiary_id], now or utcnow())
    status = next((s for s in statuses if s.id == checkin_id), None)
    return None if status is None else (status, beneficiary.phase)
