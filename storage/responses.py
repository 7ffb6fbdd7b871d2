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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CompoundSelect,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
    and_,
    bindparam,
    null,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from storage import audit, conversation, outbox
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    load_beneficiary_for,
)
from storage.crypto import EncryptedJSON
from storage.models import (
    NEVER_REUSED,
    Base,
    Beneficiary,
    Phase,
    UTCDateTime,
    string_enum,
    utcnow,
)
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


def _state(run: Any, answers: dict[str, Any] | None = None) -> RunState:
    """A run's state from its entity or from a row of its table's columns."""
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


# The statements of every answer, built once: a typed answer or a press runs them
# with its values as parameters, so SQLAlchemy neither rebuilds them nor recomputes
# their cache keys. They read and write the tables' columns (no ORM entity), so
# rows come back without the identity map's bookkeeping.
_runs = cast(Table, InstrumentRun.__table__)
_answers = cast(Table, Answer.__table__)
_beneficiaries = cast(Table, Beneficiary.__table__)
_open = _runs.c.status == RunStatus.IN_PROGRESS
_latest = _runs.alias("latest")


def _run_then_answers(*which: Any) -> CompoundSelect[Any]:
    """The run's columns in one row, then one row per answer with only its columns.

    A join would repeat the run's columns on every answer, and convert them
    again on each (its status, its three dates): on a dossier of 80 answers,
    most of the work of loading it. Both halves have the same WHERE
    (``which``), so an answer loads only with its run. The run's row is the
    one without an answer id (:func:`_rows_state`).
    """
    run_row = select(
        *_runs.c,
        type_coerce(null(), _answers.c.answer_id.type).label("answer_id"),
        type_coerce(null(), _answers.c.value.type).label("value"),
    ).where(*which)
    answer_rows = (
        select(
            *(type_coerce(null(), column.type).label(column.name) for column in _runs.c),
            _answers.c.answer_id,
            _answers.c.value,
        )
        .select_from(_answers.join(_runs, _answers.c.run_id == _runs.c.id))
        .where(*which)
    )
    return union_all(run_row, answer_rows)


_RUN = _run_then_answers(
    _runs.c.id == bindparam("run"), _runs.c.beneficiary_id == bindparam("owner")
)
"""One run of one beneficiary and all its answers (an empty run loads too)."""
_LATEST_OPEN = _run_then_answers(
    _runs.c.beneficiary_id == bindparam("owner"),
    _runs.c.id
    == select(_latest.c.id)
    .where(
        _latest.c.beneficiary_id == bindparam("owner"),
        _latest.c.status == RunStatus.IN_PROGRESS,
    )
    .order_by(_latest.c.updated_at.desc(), _latest.c.id.desc())
    .limit(1)
    .scalar_subquery(),
)
"""The run in progress the beneficiary touched last, with its answers."""
_STANDING = (
    select(_beneficiaries.c.phase, *_runs.c, _answers.c.answer_id, _answers.c.value)
    .select_from(
        _beneficiaries.outerjoin(_runs, _runs.c.beneficiary_id == _beneficiaries.c.id).outerjoin(
            _answers, and_(_answers.c.run_id == _runs.c.id, _open)
        )
    )
    .where(_beneficiaries.c.id == bindparam("owner"))
    .order_by(_runs.c.id.desc())
)
"""A beneficiary's phase, each of their runs, and the answers of those in progress:
one row per answer of a run in progress, one per other run, one with no run at
all for a beneficiary who started none; newest run first."""
_MOVE = (
    update(_runs)
    .where(_runs.c.id == bindparam("run"), _runs.c.beneficiary_id == bindparam("owner"), _open)
    .values(current_step=bindparam("step"), updated_at=bindparam("now"))
)
"""Where the person goes next, in a run of theirs still in progress."""
_POSITION = (
    update(_runs)
    .where(_runs.c.id == bindparam("run"), _runs.c.beneficiary_id == bindparam("owner"))
    .values(current_step=bindparam("step"), updated_at=bindparam("now"))
)


def _upsert(insert: Any) -> Any:
    statement = insert(_answers)
    return statement.on_conflict_do_update(
        index_elements=[_answers.c.run_id, _answers.c.answer_id],
        set_={"value": statement.excluded.value, "answered_at": statement.excluded.answered_at},
    )


_UPSERT = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}
"""One answer stored, or the earlier answer to the same question replaced."""

LATEST_KEY = "responses.latest_open"
"""``session.info`` key: :func:`latest_open_run`'s answer in this transaction, by
beneficiary, until a write here changes the runs. Typed text reaches the
check-in's handler, then the questionnaire's: both ask, one SELECT serves."""


def _rows_state(rows: Sequence[Any]) -> RunState | None:
    """The state of the one run these rows hold (:func:`_run_then_answers`), if any."""
    run = next((row for row in rows if row.answer_id is None), None)
    if run is None:
        return None
    answers = {row.answer_id: row.value for row in rows if row.answer_id is not None}
    return _state(run, answers)


def _copy(state: RunState) -> RunState:
    return replace(state, answers=dict(state.answers))


def _changed(session: AsyncSession, run_id: int, step: str | None, now: datetime) -> None:
    """After a write to a run: forget the remembered latest run, and bring the run's
    entity, if this session holds one, up to date as an ORM UPDATE would."""
    session.info.pop(LATEST_KEY, None)
    sync = session.sync_session
    held = sync.identity_map.get(sync.identity_key(InstrumentRun, run_id))
    if held is not None:
        set_committed_value(held, "current_step", step)
        set_committed_value(held, "updated_at", now)


async def _load(session: AsyncSession, run_id: int, beneficiary_id: int) -> RunState:
    """One query: the run and all its answers."""
    rows = (await session.execute(_RUN, {"run": run_id, "owner": beneficiary_id})).all()
    state = _rows_state(rows)
    if state is None:
        raise AccessDenied(f"run {run_id} is not reachable")
    return state


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
    session.info.pop(LATEST_KEY, None)
    return _state(run)


async def latest_open_run(session: AsyncSession, actor: Actor) -> RunState | None:
    """The run in progress the beneficiary touched last: where typed answers go (one query,
    asked once per transaction until a write here)."""
    me = _own(actor)
    known: dict[int, RunState | None] = session.info.setdefault(LATEST_KEY, {})
    if me.beneficiary_id not in known:
        rows = (await session.execute(_LATEST_OPEN, {"owner": me.beneficiary_id})).all()
        known[me.beneficiary_id] = _rows_state(rows)
    found = known[me.beneficiary_id]
    return None if found is None else _copy(found)


@dataclass(frozen=True)
class Standing:
    """Where a beneficiary stands, for the menu: their phase and their runs."""

    phase: Phase
    runs: list[RunState]


async def standing(session: AsyncSession, actor: Actor) -> Standing:
    """The beneficiary's own phase and runs (answers of those in progress included),
    in one query: the menu shows them on every message nothing else waits for."""
    me = _own(actor)
    rows = (await session.execute(_STANDING, {"owner": me.beneficiary_id})).all()
    if not rows:
        raise AccessDenied(f"beneficiary {me.beneficiary_id} is not reachable")
    states: dict[int, RunState] = {}
    for row in rows:
        if row.id is None:
            continue
        state = states.get(row.id)
        if state is None:
            state = states[row.id] = _state(row)
        if row.answer_id is not None:
            state.answers[row.answer_id] = row.value
    return Standing(rows[0].phase, list(states.values()))


async def own_runs_with_answers(session: AsyncSession, actor: Actor) -> list[RunState]:
    """All the beneficiary's runs, newest first, with the answers of those in progress."""
    return (await standing(session, actor)).runs


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
        _MOVE, {"run": run_id, "owner": me.beneficiary_id, "step": next_step, "now": now}
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise AccessDenied(f"run {run_id} is not open to this actor")
    _changed(session, run_id, next_step, now)
    await _wait_on(session, me, run_id, next_step)
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    await session.execute(
        _UPSERT[dialect],
        {"run_id": run_id, "answer_id": answer_id, "value": value, "answered_at": now},
    )


async def set_position(
    session: AsyncSession,
    actor: Actor,
    run_id: int,
    step: str | None,
) -> None:
    """Remember which step the person is shown (going back, resuming, the recap)."""
    me = _own(actor)
    now = utcnow()
    await session.execute(
        _POSITION, {"run": run_id, "owner": me.beneficiary_id, "step": step, "now": now}
    )
    _changed(session, run_id, step, now)
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
    session.info.pop(LATEST_KEY, None)
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
