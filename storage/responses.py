"""Instrument runs and their answers: the questionnaire's state, kept in the database.

A *run* is one pass of one beneficiary through one instrument version. Its
answers are a mapping ``answer id → JSON value`` (encrypted), saved the moment
each is accepted, so a restart loses nothing and the engine in ``dialogues``
can recompute where the person stands from the mapping alone. ``current_step``
says which step the person was last shown (a question, a prompt for an "other"
text, or the recap), so that typed text goes to the right question.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage import audit, conversation, outbox
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    load_beneficiary_for,
)
from storage.crypto import EncryptedJSON
from storage.models import NEVER_REUSED, Base, UTCDateTime, string_enum, utcnow
from storage.outbox import Recipient

SUBMITTED_KIND = "instrument_submitted"
"""Tells the counsellor a questionnaire was sent to them (rendered by the bot)."""

FLOW = "questionnaire"
"""The conversation flow of a questionnaire's shown step (:mod:`storage.conversation`)."""
QUESTION_LASTS = timedelta(days=7)
"""A question shown a week ago no longer takes a typed message: the menu answers,
and /reprendre shows the question again."""


class RunStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class InstrumentRun(Base):
    __tablename__ = "instrument_runs"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    instrument_key: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[int]
    status: Mapped[RunStatus] = mapped_column(
        string_enum(RunStatus, "run_status"), default=RunStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_step: Mapped[str | None] = mapped_column(String(80))
    # Scores of a scored instrument (interests, values): computed at submission.
    result: Mapped[Any] = mapped_column(EncryptedJSON, nullable=True)


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("run_id", "answer_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("instrument_runs.id", ondelete="CASCADE"))
    answer_id: Mapped[str] = mapped_column(String(80))
    value: Mapped[Any] = mapped_column(EncryptedJSON)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass
class RunState:
    """A run and its answers as the engine needs them."""

    id: int
    beneficiary_id: int
    instrument_key: str
    instrument_version: int
    status: RunStatus
    started_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    current_step: str | None
    result: Any
    answers: dict[str, Any] = field(default_factory=dict)


def _state(run: InstrumentRun, answers: dict[str, Any] | None = None) -> RunState:
    return RunState(
        run.id,
        run.beneficiary_id,
        run.instrument_key,
        run.instrument_version,
        run.status,
        run.started_at,
        run.updated_at,
        run.submitted_at,
        run.current_step,
        run.result,
        answers or {},
    )


def _own(actor: Actor) -> BeneficiaryActor:
    """Only the beneficiary answers their own questionnaires."""
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary answers their questionnaires")
    return actor


async def _load(session: AsyncSession, run_id: int, beneficiary_id: int) -> RunState:
    """One query: the run and all its answers (outer join, so an empty run loads too)."""
    rows = (
        await session.execute(
            select(InstrumentRun, Answer.answer_id, Answer.value)
            .outerjoin(Answer, Answer.run_id == InstrumentRun.id)
            .where(InstrumentRun.id == run_id, InstrumentRun.beneficiary_id == beneficiary_id)
        )
    ).all()
    if not rows:
        raise AccessDenied(f"run {run_id} is not reachable")
    answers = {answer_id: value for _run, answer_id, value in rows if answer_id is not None}
    return _state(rows[0][0], answers)


async def open_run(
    session: AsyncSession,
    actor: Actor,
    instrument_key: str,
    version: int,
    readable_versions: tuple[int, ...] = (),
) -> RunState:
    """The beneficiary's run in progress for this instrument, or a new one.

    A run begun under a version whose answers the current one cannot read
    (``readable_versions`` lists those it can, besides its own) is left
    aside and a new run starts, so old answers are never misread.
    """
    me = _own(actor)
    run_id = await session.scalar(
        select(InstrumentRun.id)
        .where(
            InstrumentRun.beneficiary_id == me.beneficiary_id,
            InstrumentRun.instrument_key == instrument_key,
            InstrumentRun.status == RunStatus.IN_PROGRESS,
            InstrumentRun.instrument_version.in_((version, *readable_versions)),
        )
        .order_by(InstrumentRun.id.desc())
        .limit(1)
    )
    if run_id is not None:
        return await _load(session, run_id, me.beneficiary_id)
    run = InstrumentRun(
        beneficiary_id=me.beneficiary_id,
        instrument_key=instrument_key,
        instrument_version=version,
    )
    session.add(run)
    await session.flush()
    return _state(run)


async def latest_open_run(session: AsyncSession, actor: Actor) -> RunState | None:
    """The run in progress the beneficiary touched last: where typed answers go."""
    me = _own(actor)
    run_id = await session.scalar(
        select(InstrumentRun.id)
        .where(
            InstrumentRun.beneficiary_id == me.beneficiary_id,
            InstrumentRun.status == RunStatus.IN_PROGRESS,
        )
        .order_by(InstrumentRun.updated_at.desc(), InstrumentRun.id.desc())
        .limit(1)
    )
    return None if run_id is None else await _load(session, run_id, me.beneficiary_id)


async def own_runs_with_answers(session: AsyncSession, actor: Actor) -> list[RunState]:
    """All the beneficiary's runs, answers included, in two queries (for the menu)."""
    me = _own(actor)
    runs = list(
        await session.scalars(
            select(InstrumentRun)
            .where(InstrumentRun.beneficiary_id == me.beneficiary_id)
            .order_by(InstrumentRun.id.desc())
        )
    )
    states = {run.id: _state(run) for run in runs}
    open_ids = [run.id for run in runs if run.status == RunStatus.IN_PROGRESS]
    if open_ids:
        rows = await session.execute(
            select(Answer.run_id, Answer.answer_id, Answer.value).where(Answer.run_id.in_(open_ids))
        )
        for run_id, answer_id, value in rows:
            states[run_id].answers[answer_id] = value
    return list(states.values())


async def load_own_run(session: AsyncSession, actor: Actor, run_id: int) -> RunState:
    """A run of the beneficiary themself (ids from buttons are re-checked here)."""
    me = _own(actor)
    return await _load(session, run_id, me.beneficiary_id)


async def save_answer(
    session: AsyncSession,
    actor: Actor,
    run_id: int,
    answer_id: str,
    value: Any,
    next_step: str | None,
    now: datetime | None = None,
) -> None:
    """Store one accepted answer and where the person goes next: two statements.

    The run must be the actor's own and still in progress, which the UPDATE's
    WHERE checks in the same statement that moves the position.
    """
    me = _own(actor)
    now = now or utcnow()
    moved = await session.execute(
        update(InstrumentRun)
        .where(
            InstrumentRun.id == run_id,
            InstrumentRun.beneficiary_id == me.beneficiary_id,
            InstrumentRun.status == RunStatus.IN_PROGRESS,
        )
        .values(current_step=next_step, updated_at=now)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise AccessDenied(f"run {run_id} is not open to this actor")
    await _wait_on(session, me, run_id, next_step)
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    values = {"run_id": run_id, "answer_id": answer_id, "value": value, "answered_at": now}
    statement = insert(Answer).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Answer.run_id, Answer.answer_id],
            set_={"value": statement.excluded.value, "answered_at": now},
        )
    )


async def set_position(
    session: AsyncSession,
    actor: Actor,
    run_id: int,
    step: str | None,
) -> None:
    """Remember which step the person is shown (going back, resuming, the recap)."""
    me = _own(actor)
    await session.execute(
        update(InstrumentRun)
        .where(InstrumentRun.id == run_id, InstrumentRun.beneficiary_id == me.beneficiary_id)
        .values(current_step=step, updated_at=utcnow())
    )
    await _wait_on(session, me, run_id, step)


async def wait_on(session: AsyncSession, actor: Actor, run_id: int, step: str) -> None:
    """The step the run stands at is shown again (``/reprendre``, the menu): typed text is
    for it from now on, whatever the person started in between."""
    await _wait_on(session, _own(actor), run_id, step)


async def _wait_on(
    session: AsyncSession, me: BeneficiaryActor, run_id: int, step: str | None
) -> None:
    """While a step of the run is shown, the person's typed text is for it.

    The run's ``current_step`` says which step; the conversation says that the
    questionnaire is what the bot waits for (and nothing else is). No step
    shown (the recap, /annuler) ends the wait, and only this run's.
    """
    if step is not None:
        await conversation.keep(session, me, FLOW, str(run_id), lasts=QUESTION_LASTS)
        return
    wait = await conversation.current(session, me, flows=[FLOW])
    if wait is not None and wait.step == str(run_id):
        await conversation.end(session, me, flows=[FLOW])


async def submit_run(
    session: AsyncSession,
    actor: Actor,
    run_id: int,
    result: Any = None,
    now: datetime | None = None,
) -> None:
    """The person sends a finished run to their counsellor, who is told (once per run).

    A follow-up check-in run also needs :func:`storage.followups.on_checkin_submitted`
    in the same transaction.
    """
    me = _own(actor)
    now = now or utcnow()
    instrument_key = await session.scalar(
        update(InstrumentRun)
        .where(
            InstrumentRun.id == run_id,
            InstrumentRun.beneficiary_id == me.beneficiary_id,
            InstrumentRun.status == RunStatus.IN_PROGRESS,
        )
        .values(status=RunStatus.SUBMITTED, submitted_at=now, updated_at=now, result=result)
        .returning(InstrumentRun.instrument_key)
    )
    if instrument_key is None:
        raise AccessDenied(f"run {run_id} is not open to this actor")
    await _wait_on(session, me, run_id, None)
    beneficiary = await load_beneficiary_for(session, me, me.beneficiary_id)
    await outbox.enqueue(
        session,
        kind=SUBMITTED_KIND,
        recipient=Recipient.counsellor(beneficiary.counsellor_id),
        due_at=now,
        dedupe_key=f"run:{run_id}:submitted",
        payload={"run_id": run_id, "instrument": instrument_key},
        beneficiary_id=me.beneficiary_id,
        now=now,
    )


async def runs_of(
    session: AsyncSession, actor: Actor, beneficiary_id: int, instrument_key: str | None = None
) -> list[RunState]:
    """Every run of a beneficiary (without answers), newest first, access-checked."""
    await load_beneficiary_for(session, actor, beneficiary_id)
    query = select(InstrumentRun).where(InstrumentRun.beneficiary_id == beneficiary_id)
    if instrument_key is not None:
        query = query.where(InstrumentRun.instrument_key == instrument_key)
    rows = await session.scalars(query.order_by(InstrumentRun.id.desc()))
    return [_state(run) for run in rows]


async def read_run(session: AsyncSession, actor: Actor, run_id: int) -> RunState:
    """A run with its answers, for its beneficiary or their counsellor (audited).

    A counsellor reads only submitted runs: a dossier in progress is still the
    beneficiary's draft.
    """
    beneficiary_id = await session.scalar(
        select(InstrumentRun.beneficiary_id).where(InstrumentRun.id == run_id)
    )
    if beneficiary_id is None:
        raise AccessDenied(f"run {run_id} is not reachable")
    await load_beneficiary_for(session, actor, beneficiary_id)
    state = await _load(session, run_id, beneficiary_id)
    if isinstance(actor, CounsellorActor):
        if state.status != RunStatus.SUBMITTED:
            raise AccessDenied(f"run {run_id} is not submitted")
        await audit.record(session, actor, f"read:{state.instrument_key}", beneficiary_id)
    return state
