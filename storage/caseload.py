"""The counsellor's caseload in one table: where each of their people stands.

Built for the desk's caseload page, which lists 20 to 40 people at once: a
fixed number of queries whatever the number of people (each one groups by
beneficiary), so the page costs the same with 4 people or 40. Only states,
counts and dates leave here, never answers; the names are the counsellor's
own list (as ``/beneficiaires`` shows them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.actors import AccessDenied, Actor, CounsellorActor
from storage.followups import CheckinState, followup_statuses
from storage.models import AuditEvent, Beneficiary, BeneficiaryStatus, Phase, utcnow
from storage.responses import Answer, InstrumentRun, RunStatus
from storage.sessions import CounsellingSession, SessionStatus
from storage.tasks import Task, TaskStatus, local_date


@dataclass(frozen=True)
class RunProgress:
    instrument_key: str
    status: RunStatus
    answers: int


@dataclass
class CaseloadRow:
    beneficiary_id: int
    name: str
    status: BeneficiaryStatus
    phase: Phase
    last_activity_at: datetime | None
    done_minutes: int = 0
    planned_minutes: int = 0
    next_session_at: datetime | None = None
    next_session_confirmed: bool = False
    moves_asked: int = 0
    open_tasks: int = 0
    overdue_tasks: int = 0
    followup_due_at: datetime | None = None
    followup_late: bool = False
    runs: list[RunProgress] = field(default_factory=list)
    unread_submissions: int = 0
    """Questionnaires sent since the counsellor last read this person's answers."""

    @property
    def waiting_on_me(self) -> bool:
        """Something only the counsellor can answer: a move asked, answers not read yet."""
        return bool(self.moves_asked or self.unread_submissions)


async def caseload(
    session: AsyncSession, actor: Actor, now: datetime | None = None
) -> list[CaseloadRow]:
    """Every beneficiary of the counsellor with their figures; seven queries in all."""
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only a counsellor has a caseload")
    now = now or utcnow()
    own = select(Beneficiary.id).where(Beneficiary.counsellor_id == actor.counsellor_id)
    people = await session.scalars(
        select(Beneficiary)
        .where(Beneficiary.counsellor_id == actor.counsellor_id)
        .order_by(Beneficiary.id)
    )
    rows = {b.id: CaseloadRow(b.id, b.name, b.status, b.phase, b.last_activity_at) for b in people}
    if not rows:
        return []

    minutes = await session.execute(
        select(
            CounsellingSession.beneficiary_id,
            CounsellingSession.status,
            func.sum(
                func.coalesce(
                    CounsellingSession.actual_minutes, CounsellingSession.duration_minutes
                )
            ),
        )
        .where(CounsellingSession.beneficiary_id.in_(own))
        .group_by(CounsellingSession.beneficiary_id, CounsellingSession.status)
    )
    for beneficiary_id, status, total in minutes:
        if status == SessionStatus.DONE:
            rows[beneficiary_id].done_minutes = int(total or 0)
        elif status == SessionStatus.PLANNED:
            rows[beneficiary_id].planned_minutes = int(total or 0)

    upcoming = await session.execute(
        select(
            CounsellingSession.beneficiary_id,
            CounsellingSession.starts_at,
            CounsellingSession.confirmed_at,
            CounsellingSession.move_requested_at,
        )
        .where(
            CounsellingSession.beneficiary_id.in_(own),
            CounsellingSession.status == SessionStatus.PLANNED,
            CounsellingSession.starts_at > now,
        )
        .order_by(CounsellingSession.starts_at)
    )
    for beneficiary_id, starts_at, confirmed_at, move_requested_at in upcoming:
        row = rows[beneficiary_id]
        if row.next_session_at is None:
            row.next_session_at = starts_at
            row.next_session_confirmed = confirmed_at is not None
        if move_requested_at is not None:
            row.moves_asked += 1

    answered = (
        select(Answer.run_id, func.count().label("n"))
        .where(~Answer.answer_id.like("%#draft"))
        .group_by(Answer.run_id)
        .subquery()
    )
    runs = await session.execute(
        select(
            InstrumentRun.beneficiary_id,
            InstrumentRun.instrument_key,
            InstrumentRun.status,
            InstrumentRun.submitted_at,
            func.coalesce(answered.c.n, 0),
        )
        .outerjoin(answered, answered.c.run_id == InstrumentRun.id)
        .where(
            InstrumentRun.beneficiary_id.in_(own), ~InstrumentRun.instrument_key.like("followup%")
        )
        .order_by(InstrumentRun.id)
    )
    submitted: dict[int, list[datetime]] = {}
    for beneficiary_id, key, status, submitted_at, count in runs:
        progress = rows[beneficiary_id].runs
        # The newest run of an instrument speaks for it (a re-take replaces the first).
        progress[:] = [p for p in progress if p.instrument_key != key]
        progress.append(RunProgress(key, status, int(count)))
        if status == RunStatus.SUBMITTED and submitted_at is not None:
            submitted.setdefault(beneficiary_id, []).append(submitted_at)

    last_reads = await session.execute(
        select(AuditEvent.beneficiary_id, func.max(AuditEvent.at))
        .where(
            AuditEvent.beneficiary_id.in_(own),
            AuditEvent.actor_kind == "counsellor",
            AuditEvent.actor_id == actor.counsellor_id,
            AuditEvent.action.like("read:%"),
        )
        .group_by(AuditEvent.beneficiary_id)
    )
    read_at = {beneficiary_id: _aware(moment) for beneficiary_id, moment in last_reads}
    for beneficiary_id, moments in submitted.items():
        seen = read_at.get(beneficiary_id)
        rows[beneficiary_id].unread_submissions = sum(
            1 for moment in moments if seen is None or moment > seen
        )

    today = local_date(now, actor.timezone)
    tasks = await session.execute(
        select(
            Task.beneficiary_id,
            func.count(),
            func.sum(case((Task.due_on < today, 1), else_=0)),
        )
        .where(Task.beneficiary_id.in_(own), Task.status == TaskStatus.OPEN)
        .group_by(Task.beneficiary_id)
    )
    for beneficiary_id, count, late in tasks:
        rows[beneficiary_id].open_tasks = int(count)
        rows[beneficiary_id].overdue_tasks = int(late or 0)

    for beneficiary_id, checkins in (await followup_statuses(session, actor, now)).items():
        open_ones = [c for c in checkins if c.state in (CheckinState.DUE, CheckinState.UNANSWERED)]
        upcoming_ones = [c for c in checkins if c.state == CheckinState.SCHEDULED]
        if beneficiary_id not in rows:
            continue
        if open_ones:
            rows[beneficiary_id].followup_due_at = open_ones[0].due_at
            rows[beneficiary_id].followup_late = True
        elif upcoming_ones:
            rows[beneficiary_id].followup_due_at = upcoming_ones[0].due_at
    return list(rows.values())


def _aware(moment: datetime | None) -> datetime | None:
    """``max()`` over a UTC column may come back naive on SQLite."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
