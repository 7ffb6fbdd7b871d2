"""Who is waiting on their counsellor, and for what: the list puts these people first.

A counsellor with thirty beneficiaries should not page through them to find
the one who asked to move a session. Each reason is one query over the
counsellor's own beneficiaries (a join on ``beneficiaries.counsellor_id``),
whatever their number, and none decrypts a text: only *that* something waits.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.actors import AccessDenied, Actor, CounsellorActor
from storage.followups import TALK_KIND
from storage.models import Beneficiary, BeneficiaryStatus, utcnow
from storage.outbox import OutboxMessage
from storage.plans import PlanStep, StepState
from storage.sessions import CounsellingSession, SessionStatus
from storage.synthesis import SynthesisComment, SynthesisVersion

TALK_STAYS = timedelta(days=30)
"""A wish to talk waits this long, unless a session is planned after it."""


class Waiting(enum.StrEnum):
    MOVE = "move"
    """Asked to move a coming session."""
    TALK = "talk"
    """Said at a follow-up check-in that they want to talk."""
    COMMENT = "comment"
    """Commented the latest version of the synthesis."""
    STEP = "step"
    """Proposed a step of the action plan, to agree."""
    CLOSE = "close"
    """A session is over and not marked done (its real length is the hours' source)."""


ORDER = (Waiting.MOVE, Waiting.TALK, Waiting.COMMENT, Waiting.STEP, Waiting.CLOSE)


async def waiting_on(
    session: AsyncSession, actor: Actor, now: datetime | None = None
) -> dict[int, list[Waiting]]:
    """For each of the counsellor's active beneficiaries who waits on them, why (in ORDER)."""
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only a counsellor has people waiting")
    now = now or utcnow()
    mine = and_(
        Beneficiary.counsellor_id == actor.counsellor_id,
        Beneficiary.status == BeneficiaryStatus.ACTIVE,
    )
    found: dict[int, set[Waiting]] = {}

    def add(rows: object, reason: Waiting) -> None:
        for (beneficiary_id,) in rows:  # type: ignore[attr-defined]
            found.setdefault(int(beneficiary_id), set()).add(reason)

    planned = CounsellingSession.status == SessionStatus.PLANNED
    add(
        await session.execute(
            select(CounsellingSession.beneficiary_id)
            .join(Beneficiary, Beneficiary.id == CounsellingSession.beneficiary_id)
            .where(
                mine,
                planned,
                CounsellingSession.starts_at > now,
                CounsellingSession.move_requested_at.is_not(None),
            )
            .distinct()
        ),
        Waiting.MOVE,
    )
    # Over means started more than its length ago; the longest session is a day.
    ended = CounsellingSession.starts_at <= now
    for beneficiary_id, starts_at, minutes in await session.execute(
        select(
            CounsellingSession.beneficiary_id,
            CounsellingSession.starts_at,
            CounsellingSession.duration_minutes,
        )
        .join(Beneficiary, Beneficiary.id == CounsellingSession.beneficiary_id)
        .where(mine, planned, ended)
    ):
        if starts_at + timedelta(minutes=minutes) <= now:
            found.setdefault(int(beneficiary_id), set()).add(Waiting.CLOSE)
    session_after = exists().where(
        CounsellingSession.beneficiary_id == OutboxMessage.beneficiary_id,
        CounsellingSession.status != SessionStatus.CANCELLED,
        CounsellingSession.starts_at > OutboxMessage.created_at,
    )
    add(
        await session.execute(
            select(OutboxMessage.beneficiary_id)
            .join(Beneficiary, Beneficiary.id == OutboxMessage.beneficiary_id)
            .where(
                mine,
                OutboxMessage.kind == TALK_KIND,
                OutboxMessage.created_at > now - TALK_STAYS,
                ~session_after,
            )
            .distinct()
        ),
        Waiting.TALK,
    )
    latest = (
        select(
            SynthesisVersion.beneficiary_id.label("bid"),
            func.max(SynthesisVersion.number).label("number"),
        )
        .group_by(SynthesisVersion.beneficiary_id)
        .subquery()
    )
    add(
        await session.execute(
            select(SynthesisComment.beneficiary_id)
            .join(Beneficiary, Beneficiary.id == SynthesisComment.beneficiary_id)
            .join(latest, latest.c.bid == SynthesisComment.beneficiary_id)
            .where(mine, SynthesisComment.version == latest.c.number)
            .distinct()
        ),
        Waiting.COMMENT,
    )
    add(
        await session.execute(
            select(PlanStep.beneficiary_id)
            .join(Beneficiary, Beneficiary.id == PlanStep.beneficiary_id)
            .where(mine, PlanStep.state == StepState.PROPOSED)
            .distinct()
        ),
        Waiting.STEP,
    )
    return {bid: [r for r in ORDER if r in reasons] for bid, reasons in found.items()}
