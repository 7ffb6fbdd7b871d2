"""What a counsellor sees of one beneficiary: the card, and moving the bilan's phase.

Only the beneficiary's own counsellor reaches it, and each opening is audited.
The card says *that* answers exist and where the person stands, never what
the answers say: reading them is one more tap, through ``storage.responses``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, outbox
from storage.actors import AccessDenied, Actor, CounsellorActor, load_beneficiary_for
from storage.models import BeneficiaryStatus, Phase, utcnow
from storage.outbox import Recipient
from storage.people import BeneficiarySummary, get_beneficiary
from storage.responses import Answer, InstrumentRun, RunStatus
from storage.sessions import BudgetUse, CounsellingSession, SessionStatus, budget_use
from storage.tasks import Task, TaskStatus, local_date

PHASE_ORDER = (
    Phase.PRELIMINAIRE,
    Phase.INVESTIGATION,
    Phase.CONCLUSION,
    Phase.SUIVI,
    Phase.CLOS,
)
PHASE_CHANGED = "phase_changed"
"""The outbox kind that tells the person their bilan moved on (rendered by the bot)."""


@dataclass(frozen=True)
class RunLine:
    id: int
    instrument_key: str
    status: RunStatus
    started_at: datetime
    submitted_at: datetime | None
    answers: int
    code: str | None
    """The Holland code of a scored interest run, shown on the card."""
    top_value: str | None = None
    """The key of the work value ranked first by a scored values run."""


@dataclass(frozen=True)
class NextSession:
    starts_at: datetime
    confirmed: bool
    move_requested: bool


@dataclass(frozen=True)
class Card:
    person: BeneficiarySummary
    last_activity_at: datetime | None
    unreachable_at: datetime | None
    runs: list[RunLine]
    budget: BudgetUse = field(default_factory=lambda: BudgetUse(0, 0))
    next_session: NextSession | None = None
    tasks_open: int = 0
    tasks_overdue: int = 0


def _code_of(result: Any) -> str | None:
    if isinstance(result, dict):
        code = result.get("code")
        return code if isinstance(code, str) else None
    return None


def _top_value_of(result: Any) -> str | None:
    if isinstance(result, dict) and result.get("kind") == "values" and result.get("complete"):
        order = result.get("order")
        if isinstance(order, list) and order and isinstance(order[0], str):
            return order[0]
    return None


async def open_card(
    session: AsyncSession, actor: Actor, beneficiary_id: int, now: datetime | None = None
) -> Card:
    """The card of one of the counsellor's own beneficiaries (audited): where the person
    stands and what waits — a fixed handful of queries, none of them decrypting a text."""
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only a counsellor opens a card")
    beneficiary = await load_beneficiary_for(session, actor, beneficiary_id)
    answered = (
        select(Answer.run_id, func.count().label("n"))
        .where(~Answer.answer_id.like("%#draft"))
        .group_by(Answer.run_id)
        .subquery()
    )
    rows = await session.execute(
        select(InstrumentRun, func.coalesce(answered.c.n, 0))
        .outerjoin(answered, answered.c.run_id == InstrumentRun.id)
        .where(InstrumentRun.beneficiary_id == beneficiary_id)
        .order_by(InstrumentRun.id.desc())
    )
    runs = [
        RunLine(
            run.id,
            run.instrument_key,
            run.status,
            run.started_at,
            run.submitted_at,
            int(count),
            _code_of(run.result) if run.status == RunStatus.SUBMITTED else None,
            _top_value_of(run.result) if run.status == RunStatus.SUBMITTED else None,
        )
        for run, count in rows
    ]
    now = now or utcnow()
    upcoming = (
        await session.execute(
            select(
                CounsellingSession.starts_at,
                CounsellingSession.confirmed_at,
                CounsellingSession.move_requested_at,
            )
            .where(
                CounsellingSession.beneficiary_id == beneficiary_id,
                CounsellingSession.status == SessionStatus.PLANNED,
                CounsellingSession.starts_at > now,
            )
            .order_by(CounsellingSession.starts_at)
            .limit(1)
        )
    ).first()
    today = local_date(now, beneficiary.timezone)
    open_count, overdue_count = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((Task.due_on < today, 1), else_=0)), 0),
            ).where(Task.beneficiary_id == beneficiary_id, Task.status == TaskStatus.OPEN)
        )
    ).one()
    await audit.record(session, actor, "open:card", beneficiary_id)
    return Card(
        await get_beneficiary(session, actor, beneficiary_id),
        beneficiary.last_activity_at,
        beneficiary.unreachable_at,
        runs,
        await budget_use(session, actor, beneficiary_id),
        None
        if upcoming is None
        else NextSession(upcoming[0], upcoming[1] is not None, upcoming[2] is not None),
        int(open_count),
        int(overdue_count),
    )


def next_phases(phase: Phase) -> list[Phase]:
    """Where a counsellor may move the bilan from ``phase``: one step on, or one back."""
    index = PHASE_ORDER.index(phase)
    return [PHASE_ORDER[i] for i in (index + 1, index - 1) if 0 <= i < len(PHASE_ORDER)]


async def set_phase(
    session: AsyncSession,
    actor: Actor,
    beneficiary_id: int,
    phase: Phase,
    *,
    notice: bool = True,
    now: datetime | None = None,
) -> Phase:
    """Move the bilan to ``phase`` and tell the person; returns the phase it left.

    The notice is keyed by the audit event of this move, so the move is told
    once, and a later move (even back to the same phase) is told again.
    ``notice=False`` is for :func:`storage.followups.conclude`, which tells
    the person its own message instead.
    """
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only the counsellor moves the phase")
    beneficiary = await load_beneficiary_for(session, actor, beneficiary_id)
    if beneficiary.status != BeneficiaryStatus.ACTIVE:
        raise AccessDenied("the bilan has no consent")
    previous = beneficiary.phase
    if phase not in next_phases(previous):
        raise ValueError("phases move one step at a time")
    beneficiary.phase = phase
    event = await audit.record_event(session, actor, f"phase:{phase.value}", beneficiary_id)
    if notice:
        now = now or utcnow()
        await outbox.enqueue(
            session,
            kind=PHASE_CHANGED,
            recipient=Recipient.beneficiary(beneficiary_id),
            due_at=now,
            dedupe_key=f"phase:{beneficiary_id}:{event}",
            payload={"phase": phase.value},
            now=now,
        )
    return previous
