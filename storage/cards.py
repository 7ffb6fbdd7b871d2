"""What a counsellor sees of one beneficiary: the card, and moving the bilan's phase.

Only the beneficiary's own counsellor reaches it, and each opening is audited.
The card says *that* answers exist and where the person stands, never what
the answers say: reading them is one more tap, through ``storage.responses``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.actors import AccessDenied, Actor, CounsellorActor, load_beneficiary_for
from storage.models import BeneficiaryStatus, Phase
from storage.people import BeneficiarySummary, get_beneficiary
from storage.responses import Answer, InstrumentRun, RunStatus

PHASE_ORDER = (
    Phase.PRELIMINAIRE,
    Phase.INVESTIGATION,
    Phase.CONCLUSION,
    Phase.SUIVI,
    Phase.CLOS,
)


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


@dataclass(frozen=True)
class Card:
    person: BeneficiarySummary
    last_activity_at: datetime | None
    unreachable_at: datetime | None
    runs: list[RunLine]


def _code_of(result: Any) -> str | None:
    if isinstance(result, dict):
        code = result.get("code")
        return code if isinstance(code, str) else None
    return None


async def open_card(session: AsyncSession, actor: Actor, beneficiary_id: int) -> Card:
    """The card of one of the counsellor's own beneficiaries (three queries, audited)."""
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
        )
        for run, count in rows
    ]
    await audit.record(session, actor, "open:card", beneficiary_id)
    return Card(
        await get_beneficiary(session, actor, beneficiary_id),
        beneficiary.last_activity_at,
        beneficiary.unreachable_at,
        runs,
    )


def next_phases(phase: Phase) -> list[Phase]:
    """Where a counsellor may move the bilan from ``phase``: one step on, or one back."""
    index = PHASE_ORDER.index(phase)
    return [PHASE_ORDER[i] for i in (index + 1, index - 1) if 0 <= i < len(PHASE_ORDER)]


async def set_phase(
    session: AsyncSession, actor: Actor, beneficiary_id: int, phase: Phase
) -> Phase:
    """Move the bilan to ``phase``; returns the phase it left."""
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only the counsellor moves the phase")
    beneficiary = await load_beneficiary_for(session, actor, beneficiary_id)
    if beneficiary.status != BeneficiaryStatus.ACTIVE:
        raise AccessDenied("the bilan has no consent")
    previous = beneficiary.phase
    if phase not in next_phases(previous):
        raise ValueError("phases move one step at a time")
    beneficiary.phase = phase
    await audit.record(session, actor, f"phase:{phase.value}", beneficiary_id)
    return previous
