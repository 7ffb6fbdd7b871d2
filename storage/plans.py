"""The professional project and the action plan, recorded in the conclusion phase.

The guide asks the bilan to end on a **professional project** — a main one and
an alternative — and an **action plan**: steps, each with a target date. The
counsellor writes them; the beneficiary may *propose* a step, which waits
until the counsellor agrees to it, and marks agreed steps done (or not done
again) at any time. The follow-up check-ins later ask about each agreed step.

Who may do what, checked here on every call (ids from buttons are input from
strangers):

=====================  ============================  =============================
                       beneficiary (themself)        their own counsellor
=====================  ============================  =============================
read the plan          yes                           yes (audited)
write the project      no                            yes
add a step             yes, as a proposal            yes, agreed at once
agree to a proposal    no                            yes
remove a step          their own pending proposal    any step
mark a step done       yes, agreed steps             no
=====================  ============================  =============================

Every text (projects, step titles, a title typed while its date is asked) is
encrypted; target dates stay in clear, like every other scheduling fact, so
that "overdue" can be counted without decrypting anything.

Typing a project or a step takes several messages: what the bot waits for
is the person's conversation state (:mod:`storage.conversation`), never memory; it lapses
after :data:`INPUT_WAIT` so that an old wait does not swallow a later message.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import Date, ForeignKey, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage import audit, conversation, outbox
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    PersonActor,
    SystemActor,
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

PROPOSED_KIND = "plan_step_proposed"
"""Tells the counsellor a step waits for their agreement (rendered by the bot)."""
MAX_STEPS = 12
"""More than a plan needs; with the lengths below, a whole plan fits one Telegram message."""
TITLE_MAX = 150
PROJECT_MAX = 500
INPUT_WAIT = timedelta(minutes=30)
FLOW = "plan"
"""The conversation flow of a typed project or step (:mod:`storage.conversation`)."""

ProjectField = Literal["main", "alternative", "training"]
PROJECT_FIELDS: tuple[ProjectField, ...] = ("main", "alternative", "training")
InputField = Literal["main", "alternative", "training", "step_title", "step_date"]
INPUT_FIELDS: tuple[InputField, ...] = (
    "main",
    "alternative",
    "training",
    "step_title",
    "step_date",
)


class StepState(enum.StrEnum):
    PROPOSED = "proposed"
    """Proposed by the beneficiary, waiting for the counsellor."""
    AGREED = "agreed"


class ProfessionalProject(Base):
    """One row per beneficiary: the main and the alternative project, and the training
    project if the plan needs one (the regulation names it apart), in their words."""

    __tablename__ = "professional_projects"

    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True
    )
    main: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    alternative: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    training: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanStep(Base):
    __tablename__ = "plan_steps"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(EncryptedText)
    target_date: Mapped[date] = mapped_column(Date)
    state: Mapped[StepState] = mapped_column(string_enum(StepState, "plan_step_state"))
    proposed_by: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Step:
    id: int
    beneficiary_id: int
    title: str
    target_date: date
    state: StepState
    proposed_by: str
    created_at: datetime
    done_at: datetime | None

    @property
    def agreed(self) -> bool:
        return self.state == StepState.AGREED

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class Plan:
    beneficiary_id: int
    main: str | None
    alternative: str | None
    steps: tuple[Step, ...]
    """Agreed steps and pending proposals, by target date."""
    training: str | None = None

    @property
    def agreed_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.agreed)

    @property
    def is_empty(self) -> bool:
        return not (self.main or self.alternative or self.training or self.steps)


@dataclass(frozen=True)
class PlanSummary:
    """What a card or a digest may say of a plan: counts, never text."""

    has_main: bool = False
    has_alternative: bool = False
    steps: int = 0
    done: int = 0
    overdue: int = 0
    proposed: int = 0


@dataclass(frozen=True)
class PendingInput:
    beneficiary_id: int
    field: InputField
    draft: str | None
    since: datetime


def _step(row: PlanStep) -> Step:
    return Step(
        row.id,
        row.beneficiary_id,
        row.title,
        row.target_date,
        row.state,
        row.proposed_by,
        row.created_at,
        row.done_at,
    )


async def _active_beneficiary(
    session: AsyncSession, actor: Actor, beneficiary_id: int
) -> Beneficiary:
    beneficiary = await load_beneficiary_for(session, actor, beneficiary_id)
    if beneficiary.status != BeneficiaryStatus.ACTIVE:
        raise AccessDenied("the bilan has no consent")
    return beneficiary


async def _step_row(session: AsyncSession, actor: Actor, step_id: int) -> PlanStep:
    """A step the actor may reach; unknown ids and others' ids are refused alike."""
    row = await session.get(PlanStep, step_id, populate_existing=True)
    if row is None:
        raise AccessDenied(f"step {step_id} is not reachable")
    await _active_beneficiary(session, actor, row.beneficiary_id)
    return row


def _counsellor(actor: Actor) -> CounsellorActor:
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only the counsellor does this")
    return actor


def _clean(text: str, limit: int) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("empty text")
    if len(cleaned) > limit:
        raise ValueError("text too long")
    return cleaned


# --- reading -------------------------------------------------------------------------


async def read_plan(session: AsyncSession, actor: Actor, beneficiary_id: int) -> Plan:
    """The project and the steps, for the beneficiary or their counsellor (audited)."""
    await load_beneficiary_for(session, actor, beneficiary_id)
    project = await session.get(ProfessionalProject, beneficiary_id, populate_existing=True)
    rows = await session.scalars(
        select(PlanStep)
        .where(PlanStep.beneficiary_id == beneficiary_id)
        .order_by(PlanStep.target_date, PlanStep.id)
        .execution_options(populate_existing=True)
    )
    if isinstance(actor, CounsellorActor):
        await audit.record(session, actor, "read:plan", beneficiary_id)
    return Plan(
        beneficiary_id,
        project.main if project else None,
        project.alternative if project else None,
        tuple(_step(row) for row in rows),
        project.training if project else None,
    )


async def read_step(session: AsyncSession, actor: Actor, step_id: int) -> Step:
    """One step, for the beneficiary or their counsellor (audited like the whole plan)."""
    row = await _step_row(session, actor, step_id)
    if isinstance(actor, CounsellorActor):
        await audit.record(session, actor, "read:plan", row.beneficiary_id)
    return _step(row)


async def plan_summaries(
    session: AsyncSession,
    actor: Actor,
    today: date,
    beneficiary_ids: Iterable[int] | None = None,
) -> dict[int, PlanSummary]:
    """Counts per beneficiary for a counsellor's card or digest: two queries, no text read.

    ``today`` decides what is overdue (an agreed step not done whose target
    date is before it). Beneficiaries without a plan are absent.
    """
    if isinstance(actor, CounsellorActor):
        own = select(Beneficiary.id).where(Beneficiary.counsellor_id == actor.counsellor_id)
    elif isinstance(actor, SystemActor):
        own = select(Beneficiary.id)
    else:
        raise AccessDenied("only a counsellor or the system counts plans")
    if beneficiary_ids is not None:
        own = own.where(Beneficiary.id.in_(list(beneficiary_ids)))
    agreed = PlanStep.state == StepState.AGREED
    rows = await session.execute(
        select(
            PlanStep.beneficiary_id,
            func.count().filter(agreed),
            func.count().filter(agreed, PlanStep.done_at.is_not(None)),
            func.count().filter(agreed, PlanStep.done_at.is_(None), PlanStep.target_date < today),
            func.count().filter(PlanStep.state == StepState.PROPOSED),
        )
        .where(PlanStep.beneficiary_id.in_(own))
        .group_by(PlanStep.beneficiary_id)
    )
    counts = {bid: (int(n), int(d), int(o), int(p)) for bid, n, d, o, p in rows}
    projects = await session.execute(
        select(
            ProfessionalProject.beneficiary_id,
            ProfessionalProject.main.is_not(None),
            ProfessionalProject.alternative.is_not(None),
        ).where(ProfessionalProject.beneficiary_id.in_(own))
    )
    written = {bid: (bool(m), bool(a)) for bid, m, a in projects}
    summaries: dict[int, PlanSummary] = {}
    for bid in set(counts) | set(written):
        steps, done, overdue, proposed = counts.get(bid, (0, 0, 0, 0))
        has_main, has_alternative = written.get(bid, (False, False))
        summaries[bid] = PlanSummary(has_main, has_alternative, steps, done, overdue, proposed)
    return summaries


async def plan_summary(
    session: AsyncSession, actor: Actor, beneficiary_id: int, today: date
) -> PlanSummary:
    """:func:`plan_summaries` for one beneficiary, access-checked."""
    await load_beneficiary_for(session, actor, beneficiary_id)
    if isinstance(actor, BeneficiaryActor):
        actor = SystemActor("own plan")
    found = await plan_summaries(session, actor, today, [beneficiary_id])
    return found.get(beneficiary_id, PlanSummary())


# --- writing -------------------------------------------------------------------------


async def set_project(
    session: AsyncSession,
    actor: Actor,
    beneficiary_id: int,
    which: ProjectField,
    text: str | None,
    now: datetime | None = None,
) -> None:
    """The counsellor writes (or, with ``None``, clears) one of the projects."""
    counsellor = _counsellor(actor)
    await _active_beneficiary(session, counsellor, beneficiary_id)
    value = None if text is None else _clean(text, PROJECT_MAX)
    now = now or utcnow()
    project = await session.get(ProfessionalProject, beneficiary_id)
    if project is None:
        project = ProfessionalProject(beneficiary_id=beneficiary_id)
        session.add(project)
    if which == "main":
        project.main = value
    elif which == "alternative":
        project.alternative = value
    elif which == "training":
        project.training = value
    else:
        raise ValueError("unknown project field")
    project.updated_at = now
    await audit.record(session, counsellor, f"write:project:{which}", beneficiary_id)


async def add_step(
    session: AsyncSession,
    actor: Actor,
    beneficiary_id: int,
    title: str,
    target_date: date,
    now: datetime | None = None,
) -> Step:
    """A step from the counsellor (agreed at once) or a proposal from the beneficiary.

    A proposal queues the counsellor's notice, keyed by the step: once per step.
    """
    if not isinstance(actor, BeneficiaryActor | CounsellorActor):
        raise AccessDenied("only the beneficiary or their counsellor adds a step")
    beneficiary = await _active_beneficiary(session, actor, beneficiary_id)
    clean = _clean(title, TITLE_MAX)
    count = await session.scalar(
        select(func.count()).where(PlanStep.beneficiary_id == beneficiary_id)
    )
    if (count or 0) >= MAX_STEPS:
        raise ValueError("the plan has as many steps as it may")
    now = now or utcnow()
    by_counsellor = isinstance(actor, CounsellorActor)
    row = PlanStep(
        beneficiary_id=beneficiary_id,
        title=clean,
        target_date=target_date,
        state=StepState.AGREED if by_counsellor else StepState.PROPOSED,
        proposed_by=actor.kind,
        created_at=now,
        agreed_at=now if by_counsellor else None,
    )
    session.add(row)
    await session.flush()
    if by_counsellor:
        await audit.record(session, actor, "write:plan:step", beneficiary_id)
    else:
        await outbox.enqueue(
            session,
            kind=PROPOSED_KIND,
            recipient=Recipient.counsellor(beneficiary.counsellor_id),
            due_at=now,
            dedupe_key=f"plan:{beneficiary_id}:proposed:{row.id}",
            payload={"step_id": row.id},
            beneficiary_id=beneficiary_id,
            now=now,
        )
    return _step(row)


async def agree_step(
    session: AsyncSession, actor: Actor, step_id: int, now: datetime | None = None
) -> Step:
    """The counsellor agrees to a step the beneficiary proposed."""
    counsellor = _counsellor(actor)
    row = await _step_row(session, counsellor, step_id)
    if row.state != StepState.PROPOSED:
        raise ValueError("the step is already agreed")
    row.state = StepState.AGREED
    row.agreed_at = now or utcnow()
    await audit.record(session, counsellor, "write:plan:agree", row.beneficiary_id)
    return _step(row)


async def remove_step(session: AsyncSession, actor: Actor, step_id: int) -> int:
    """Remove a step; returns the beneficiary id. See the module table for who may."""
    row = await _step_row(session, actor, step_id)
    if isinstance(actor, BeneficiaryActor):
        if row.state != StepState.PROPOSED or row.proposed_by != "beneficiary":
            raise AccessDenied("a beneficiary withdraws only their own pending proposal")
    elif isinstance(actor, CounsellorActor):
        await audit.record(session, actor, "write:plan:remove", row.beneficiary_id)
    else:
        raise AccessDenied("only the beneficiary or their counsellor removes a step")
    beneficiary_id = row.beneficiary_id
    await session.delete(row)
    return beneficiary_id


async def set_step_done(
    session: AsyncSession,
    actor: Actor,
    step_id: int,
    done: bool,
    now: datetime | None = None,
) -> Step:
    """The beneficiary marks an agreed step of their own plan done, or not done again."""
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary marks their steps")
    row = await _step_row(session, actor, step_id)
    if row.state != StepState.AGREED:
        raise ValueError("a proposal is marked once agreed")
    if done and row.done_at is None:
        row.done_at = now or utcnow()
    elif not done:
        row.done_at = None
    return _step(row)


# --- what the bot waits for someone to type ------------------------------------------


async def start_input(
    session: AsyncSession,
    actor: PersonActor,
    beneficiary_id: int,
    field: InputField,
    draft: str | None = None,
    now: datetime | None = None,
) -> None:
    """Remember that this person's next message is ``field`` of that beneficiary's plan.

    The same access rules as the write it prepares: a beneficiary types only
    step proposals for themself.
    """
    if field not in INPUT_FIELDS:
        raise ValueError("unknown input field")
    await _active_beneficiary(session, actor, beneficiary_id)
    if isinstance(actor, BeneficiaryActor) and field not in ("step_title", "step_date"):
        raise AccessDenied("the project is written by the counsellor")
    await conversation.begin(
        session,
        actor,
        FLOW,
        field,
        {"draft": None if draft is None else _clean(draft, TITLE_MAX)},
        lasts=INPUT_WAIT,
        beneficiary_id=beneficiary_id,
        now=now,
    )


async def pending_input(
    session: AsyncSession, actor: PersonActor, now: datetime | None = None
) -> PendingInput | None:
    """What the bot waits for from this person, if anything still fresh.

    A wait older than :data:`INPUT_WAIT`, or about a beneficiary the actor may
    no longer reach (consent withdrawn, another counsellor now), is dropped.
    """
    wait = await conversation.current(session, actor, flows=[FLOW], now=now)
    if wait is None or wait.beneficiary_id is None or wait.step not in INPUT_FIELDS:
        return None
    try:
        await _active_beneficiary(session, actor, wait.beneficiary_id)
    except AccessDenied:
        await conversation.end(session, actor, flows=[FLOW])
        return None
    field: InputField = next(f for f in INPUT_FIELDS if f == wait.step)
    draft = wait.payload.get("draft")
    typed = draft if isinstance(draft, str) else None
    return PendingInput(wait.beneficiary_id, field, typed, wait.since or utcnow())


async def stop_input(session: AsyncSession, actor: PersonActor) -> bool:
    """Forget what the bot waited for (``/annuler``, done, or another screen)."""
    return await conversation.end(session, actor, flows=[FLOW]) is not None
