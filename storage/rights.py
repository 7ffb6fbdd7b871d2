"""The beneficiary's rights over their data, and how long anything is kept.

What the person can do (``/mesdonnees``), all through :class:`BeneficiaryActor`:

* **see** and **export** everything kept about them: :func:`collect` gathers
  it into one :class:`Dossier` (the bot summarises it, or prints it as PDF and
  JSON), with the dates it will be erased and who opened it (the audit log);
* **erase** it: two confirmations (:func:`request_erasure`,
  :func:`confirm_erasure`), then :func:`erase_own_data` deletes every row
  about them and returns what the counsellor's notice needs, since the name
  is gone afterwards;
* **withdraw consent** (:func:`withdraw_consent`): every pending message to
  them is cancelled at once; their data stays until they erase it or its
  retention ends, and ``/mesdonnees`` still answers them;
* answer whether the **synthesis** may be kept for a year
  (:func:`record_synthesis_agreement`; asked once the synthesis is delivered,
  see :mod:`storage.synthesis`, which also deletes the organisation's copy).

How a person's data is found
    Each data module contributes its part of the dossier with a *collector*::

        @register_collector("sessions", tables=("sessions",))
        async def _sessions(session: AsyncSession, beneficiary_id: int) -> list[Record]:
            ...

    and any other table with a ``beneficiary_id`` column (or a foreign key to
    ``beneficiaries.id``) that no collector claims is still exported, row by
    row, by generic discovery over ``Base.metadata``: a new table cannot be
    forgotten by the export. Erasure uses the same discovery, following
    foreign keys down to child tables (an answer belongs to a run that
    belongs to the person), so it does not depend on every foreign key
    having ``ON DELETE CASCADE``.

Retention (:class:`RetentionPolicy`, :func:`plan_purge`, :func:`purge`)
    * a concluded bilan whose person **agreed** that the synthesis be kept:
      everything is erased ``dossier_days`` (one year at most) after
      conclusion;
    * **without that agreement**: after the last follow-up
      (``followup_days`` after conclusion) only the follow-up contact remains
      (the beneficiary row: name, Telegram link, phase); it goes too at
      ``dossier_days``;
    * a bilan never concluded is erased after ``inactive_days`` without any
      activity (abandoned, or consent withdrawn and never erased);
    * an invitation nobody accepted is erased, with the name typed for it,
      once it has expired;
    * sent, cancelled and failed outbox rows go after ``finished_messages_days``;
    * audit rows go with the data they describe.

    Before anything about a person is deleted, their figures are folded into
    the anonymous counters of :mod:`storage.indicators`.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    ForeignKey,
    Table,
    and_,
    delete,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage import conversation, indicators, outbox
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    SystemActor,
    load_beneficiary_for,
)
from storage.conversation import ConversationRow
from storage.models import (
    AuditEvent,
    Base,
    Beneficiary,
    BeneficiaryStatus,
    Counsellor,
    Invitation,
    Phase,
    UTCDateTime,
    utcnow,
)
from storage.outbox import FORGET_ONCE_SENT, OutboxMessage, OutboxStatus, Recipient, purge_finished
from storage.responses import Answer, InstrumentRun
from storage.skills import CurrentJobRow

ERASURE_WINDOW = timedelta(minutes=10)
ERASED_KIND = "data_erased"
"""Tells the counsellor one of their beneficiaries erased their data (rendered by the bot)."""
WITHDRAWN_KIND = "consent_withdrawn"
"""Tells the counsellor one of their beneficiaries withdrew consent (rendered by the bot)."""
MAX_RETENTION_DAYS = 365
BENEFICIARIES = "beneficiaries"


class RightsError(Exception):
    """A right cannot be exercised in this state. The message carries no personal content."""


class DataRightsRow(Base):
    """Per beneficiary: the synthesis agreement, consent withdrawal, a pending erasure.

    ``erasure_step`` is 1 after the first "erase" press and 2 after the
    second; the erasure itself requires step 2 less than
    :data:`ERASURE_WINDOW` old, so a forged press cannot skip a confirmation.
    """

    __tablename__ = "data_rights"

    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True
    )
    synthesis_agreed: Mapped[bool | None]
    synthesis_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synthesis_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erasure_step: Mapped[int] = mapped_column(default=0)
    erasure_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dossier_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- collectors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One thing kept about the person.

    ``label`` is a short key, not prose (an instrument key, a status); ``data``
    holds the content as JSON-ready values, decrypted: it is the person's own.
    """

    at: datetime | None
    label: str
    data: Mapping[str, Any]


Collector = Callable[[AsyncSession, int], Awaitable[list[Record]]]


@dataclass(frozen=True)
class _Registration:
    kind: str
    collect: Collector
    tables: tuple[str, ...]


_COLLECTORS: dict[str, _Registration] = {}

# Tables the dossier shows through its own fields rather than as parts.
_OWN_SECTIONS = frozenset(
    {BENEFICIARIES, "invitations", "audit_events", "data_rights", "indicator_folds"}
)


def register_collector(kind: str, *, tables: Iterable[str]) -> Callable[[Collector], Collector]:
    """Decorator: ``kind`` is the part's name in the export; ``tables`` those it covers."""

    def decorate(collect: Collector) -> Collector:
        if kind in _COLLECTORS:
            raise ValueError(f"collector {kind!r} is already registered")
        _COLLECTORS[kind] = _Registration(kind, collect, tuple(tables))
        return collect

    return decorate


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    return value


@register_collector("questionnaires", tables=("instrument_runs", "answers"))
async def _questionnaires(session: AsyncSession, beneficiary_id: int) -> list[Record]:
    runs = list(
        await session.scalars(
            select(InstrumentRun)
            .where(InstrumentRun.beneficiary_id == beneficiary_id)
            .order_by(InstrumentRun.started_at, InstrumentRun.id)
        )
    )
    answers: dict[int, dict[str, Any]] = {run.id: {} for run in runs}
    if runs:
        rows = await session.execute(
            select(Answer.run_id, Answer.answer_id, Answer.value)
            .where(Answer.run_id.in_(answers))
            .order_by(Answer.id)
        )
        for run_id, answer_id, value in rows:
            answers[run_id][answer_id] = value
    return [
        Record(
            run.submitted_at or run.started_at,
            run.instrument_key,
            {
                "instrument": run.instrument_key,
                "version": run.instrument_version,
                "status": run.status.value,
                "started_at": _json(run.started_at),
                "submitted_at": _json(run.submitted_at),
                "answers": answers[run.id],
                "result": run.result,
            },
        )
        for run in runs
    ]


@register_collector("current_job", tables=("current_jobs",))
async def _current_job(session: AsyncSession, beneficiary_id: int) -> list[Record]:
    row = await session.get(CurrentJobRow, beneficiary_id)
    if row is None:
        return []
    return [
        Record(
            row.chosen_at,
            row.sheet_code,
            {
                "appellation_id": row.appellation_id,
                "sheet_code": row.sheet_code,
                "chosen_at": _json(row.chosen_at),
                "ticked_skills": list(row.ticked_skills or []),
                "skills_saved_at": _json(row.skills_saved_at),
            },
        )
    ]


@register_collector("waiting", tables=("conversations",))
async def _waiting(session: AsyncSession, beneficiary_id: int) -> list[Record]:
    """What the bot waits for from the person, with what they have typed so far.

    Their counsellor's wait about them (a task being written for them, say) is
    the counsellor's unfinished work, not the person's data: it is erased with
    them but not exported to them.
    """
    row = await session.scalar(
        select(ConversationRow).where(
            ConversationRow.person_kind == "beneficiary",
            ConversationRow.person_id == beneficiary_id,
        )
    )
    if row is None:
        return []
    data = {
        "flow": row.flow,
        "step": row.step,
        "since": _json(row.since),
        "until": _json(row.until),
        "details": dict(row.payload or {}),
    }
    return [Record(row.since, row.flow, data)]


@register_collector("messages", tables=("outbox",))
async def _messages(session: AsyncSession, beneficiary_id: int) -> list[Record]:
    """Messages to the person, or about them to their counsellor: kinds and dates.

    The text of a message is made when it is sent; what is kept is its kind,
    its dates and, for messages to the person, the parameters it is made from.
    """
    rows = await session.scalars(
        select(OutboxMessage)
        .where(_outbox_about(beneficiary_id))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
    )
    records = []
    for row in rows:
        to_them = row.recipient_kind == "beneficiary"
        data: dict[str, Any] = {
            "kind": row.kind,
            "to": "you" if to_them else "your counsellor",
            "status": row.status.value,
            "due_at": _json(row.due_at),
            "sent_at": _json(row.sent_at),
        }
        if to_them:
            data["payload"] = row.payload
        records.append(Record(row.due_at, row.kind, data))
    return records


def _outbox_about(beneficiary_id: int) -> ColumnElement[bool]:
    return or_(
        OutboxMessage.beneficiary_id == beneficiary_id,
        and_(
            OutboxMessage.recipient_kind == "beneficiary",
            OutboxMessage.recipient_id == beneficiary_id,
        ),
    )


def collectors() -> list[str]:
    return list(_COLLECTORS)


# --- discovery over the schema -------------------------------------------------------------


def _tables() -> list[Table]:
    import storage.schema  # noqa: F401  (every module registers its tables and collectors)

    return list(Base.metadata.sorted_tables)


def _direct_columns(table: Table) -> list[Column[Any]]:
    """Columns of ``table`` that hold a beneficiary id."""
    found = []
    for col in table.columns:
        points_to_person = any(fk.column.table.name == BENEFICIARIES for fk in col.foreign_keys)
        if points_to_person or col.name == "beneficiary_id":
            found.append(col)
    return found


def _about(table: Table, beneficiary_id: int, depth: int = 0) -> ColumnElement[bool] | None:
    """Rows of ``table`` that belong to the person, directly or through a parent row.

    ``None`` when the table holds nothing of theirs. The outbox and the audit
    log also name people as recipient or actor, not only as subject.
    """
    if table.name == BENEFICIARIES:
        return table.c.id == beneficiary_id
    if depth > 5:
        return None
    conditions: list[ColumnElement[bool]] = [
        col == beneficiary_id for col in _direct_columns(table)
    ]
    if table.name == "outbox":
        conditions.append(
            and_(table.c.recipient_kind == "beneficiary", table.c.recipient_id == beneficiary_id)
        )
    if table.name == "audit_events":
        conditions.append(
            and_(table.c.actor_kind == "beneficiary", table.c.actor_id == beneficiary_id)
        )
    for col in table.columns:
        for fk in col.foreign_keys:
            parent = fk.column.table
            if parent.name == BENEFICIARIES or parent is table:
                continue
            parent_rows = _about(parent, beneficiary_id, depth + 1)
            if parent_rows is not None:
                conditions.append(col.in_(select(fk.column).where(parent_rows)))
    return or_(*conditions) if conditions else None


def personal_tables() -> list[str]:
    """Every table that can hold a row about a beneficiary (for documentation and tests)."""
    return [t.name for t in _tables() if _about(t, 0) is not None]


async def rows_about(session: AsyncSession, beneficiary_id: int) -> dict[str, int]:
    """How many rows of each table are about this person (tables with none left out)."""
    found: dict[str, int] = {}
    for table in _tables():
        condition = _about(table, beneficiary_id)
        if condition is None:
            continue
        n = int(await session.scalar(select(func.count()).select_from(table).where(condition)) or 0)
        if n:
            found[table.name] = n
    return found


# --- rows that name the person only inside encrypted content ---------------------------------

Eraser = Callable[[AsyncSession, int, int], Awaitable[int]]
"""``(session, beneficiary_id, counsellor_id) -> rows deleted``."""

_ERASERS: dict[str, Eraser] = {}


def register_eraser(table: str) -> Callable[[Eraser], Eraser]:
    """Decorator: delete rows of ``table`` that name the person in an encrypted value.

    For what discovery by column cannot see, such as a counsellor's draft
    that holds the id of the beneficiary it is about.
    """

    def decorate(eraser: Eraser) -> Eraser:
        _ERASERS[table] = eraser
        return eraser

    return decorate


async def _delete_about(
    session: AsyncSession, beneficiary_id: int, keep: frozenset[str] = frozenset()
) -> dict[str, int]:
    """Delete the person's rows, children first; ``keep`` names tables left alone."""
    await session.flush()
    deleted: dict[str, int] = {}
    counsellor_id = await session.scalar(
        select(Beneficiary.counsellor_id).where(Beneficiary.id == beneficiary_id)
    )
    if counsellor_id is not None:
        for name, eraser in _ERASERS.items():
            if name not in keep and (n := await eraser(session, beneficiary_id, counsellor_id)):
                deleted[name] = n
    for table in reversed(_tables()):
        if table.name in keep:
            continue
        condition = _about(table, beneficiary_id)
        if condition is None:
            continue
        result = await session.execute(
            delete(table).where(condition).execution_options(synchronize_session=False)
        )
        n = int(result.rowcount)  # type: ignore[attr-defined]
        if n:
            deleted[table.name] = n
    session.expunge_all()
    return deleted


async def _generic_parts(session: AsyncSession, beneficiary_id: int) -> dict[str, list[Record]]:
    """Rows of tables no collector claims, exported column by column."""
    covered = {t for reg in _COLLECTORS.values() for t in reg.tables} | _OWN_SECTIONS
    parts: dict[str, list[Record]] = {}
    for table in _tables():
        direct = _direct_columns(table)
        if table.name in covered or not direct:
            continue
        rows = (
            await session.execute(select(table).where(or_(*(c == beneficiary_id for c in direct))))
        ).mappings()
        records = []
        for row in rows:
            data = {
                name: _json(value)
                for name, value in row.items()
                if name != "id" and table.c[name] not in direct
            }
            moment = next((v for v in row.values() if isinstance(v, datetime)), None)
            records.append(Record(moment, table.name, data))
        if records:
            parts[table.name] = records
    return parts


# --- retention --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionPolicy:
    """How long things are kept; the organisation may shorten, never lengthen past a year."""

    dossier_days: int = MAX_RETENTION_DAYS
    followup_days: int = 213  # the 6-month follow-up, and a month to answer it
    inactive_days: int = MAX_RETENTION_DAYS
    finished_messages_days: int = 30

    def __post_init__(self) -> None:
        if not 1 <= self.dossier_days <= MAX_RETENTION_DAYS:
            raise ValueError(f"dossier retention must be 1 to {MAX_RETENTION_DAYS} days")
        if not 0 <= self.followup_days <= self.dossier_days:
            raise ValueError("the follow-up window must end within the dossier retention")
        if not 1 <= self.inactive_days <= MAX_RETENTION_DAYS:
            raise ValueError(f"inactivity retention must be 1 to {MAX_RETENTION_DAYS} days")
        if self.finished_messages_days < 1:
            raise ValueError("finished messages must be kept at least a day")

    @property
    def dossier(self) -> timedelta:
        return timedelta(days=self.dossier_days)

    @property
    def followup(self) -> timedelta:
        return timedelta(days=self.followup_days)

    @property
    def inactive(self) -> timedelta:
        return timedelta(days=self.inactive_days)


DEFAULT_POLICY = RetentionPolicy()


class RetentionBasis(enum.StrEnum):
    INVITATION = "invitation"  # never accepted: erased when the invitation expires
    INACTIVITY = "inactivity"  # not concluded: erased after a year without activity
    SYNTHESIS_KEPT = "synthesis_kept"  # concluded, agreement given
    FOLLOWUP_ONLY = "followup_only"  # concluded, no agreement


@dataclass(frozen=True)
class RetentionDates:
    """When the person's working dossier and their contact will be erased.

    For a bilan not yet concluded these move with activity; the dates are
    then "at the latest if nothing happens", and the bot says so.
    """

    basis: RetentionBasis
    dossier_until: datetime
    contact_until: datetime


@dataclass(frozen=True)
class RetentionFacts:
    """The few dates retention depends on (no name: the purge decrypts nothing)."""

    created_at: datetime
    consent_at: datetime | None
    last_activity_at: datetime | None
    concluded_at: datetime | None
    synthesis_agreed: bool | None
    invitation_expiry: datetime | None = None


_FACT_COLUMNS = (
    Beneficiary.created_at,
    Beneficiary.consent_at,
    Beneficiary.last_activity_at,
    Beneficiary.concluded_at,
    DataRightsRow.synthesis_agreed,
)


def retention_dates(
    facts: RetentionFacts, policy: RetentionPolicy = DEFAULT_POLICY
) -> RetentionDates:
    """When the dossier and the contact go, by the rules in this module's docstring."""
    if facts.consent_at is None:
        until = facts.invitation_expiry or facts.created_at
        return RetentionDates(RetentionBasis.INVITATION, until, until)
    if facts.concluded_at is None:
        moments = (facts.last_activity_at, facts.consent_at, facts.created_at)
        until = max(m for m in moments if m is not None) + policy.inactive
        return RetentionDates(RetentionBasis.INACTIVITY, until, until)
    end = facts.concluded_at + policy.dossier
    if facts.synthesis_agreed:
        return RetentionDates(RetentionBasis.SYNTHESIS_KEPT, end, end)
    followup_end = facts.concluded_at + policy.followup
    return RetentionDates(RetentionBasis.FOLLOWUP_ONLY, followup_end, end)


# --- what the person sees and exports ------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """One opening of the person's data by someone else (from the audit log)."""

    at: datetime
    actor_kind: str
    actor_name: str | None
    action: str


@dataclass(frozen=True)
class Profile:
    id: int
    name: str
    status: BeneficiaryStatus
    phase: Phase
    locale: str
    timezone: str
    invited_at: datetime
    consent_at: datetime | None
    concluded_at: datetime | None
    last_activity_at: datetime | None
    consent_withdrawn_at: datetime | None


@dataclass(frozen=True)
class Synthesis:
    agreed: bool | None
    asked_at: datetime | None
    answered_at: datetime | None


@dataclass(frozen=True)
class Dossier:
    """Everything kept about one person, as they may see and export it."""

    profile: Profile
    counsellor_name: str
    retention: RetentionDates
    synthesis: Synthesis
    parts: dict[str, list[Record]] = field(default_factory=dict)
    accesses: list[Access] = field(default_factory=list)
    collected_at: datetime = field(default_factory=utcnow)


def _own(actor: Actor) -> BeneficiaryActor:
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the person themself exercises their rights")
    return actor


async def rights_holder(session: AsyncSession, telegram_id: int) -> BeneficiaryActor | None:
    """The person behind a Telegram id for ``/mesdonnees``: consent given *or withdrawn*.

    Withdrawing consent makes a person a stranger to the rest of the bot, but
    not to their rights: they can still see, export and erase their data.
    A counsellor's account is never a rights holder here.
    """
    is_counsellor = await session.scalar(
        select(Counsellor.id).where(Counsellor.telegram_id == telegram_id, Counsellor.active)
    )
    if is_counsellor is not None:
        return None
    b = await session.scalar(
        select(Beneficiary).where(
            Beneficiary.telegram_id == telegram_id,
            Beneficiary.status.in_([BeneficiaryStatus.ACTIVE, BeneficiaryStatus.WITHDRAWN]),
        )
    )
    if b is None:
        return None
    return BeneficiaryActor(b.id, telegram_id, b.locale, b.timezone)


async def _rights_row(session: AsyncSession, beneficiary_id: int) -> DataRightsRow:
    row = await session.get(DataRightsRow, beneficiary_id, populate_existing=True)
    if row is None:
        row = DataRightsRow(beneficiary_id=beneficiary_id, erasure_step=0)
        session.add(row)
        await session.flush()
    return row


async def _accesses(session: AsyncSession, beneficiary_id: int) -> list[Access]:
    rows = await session.execute(
        select(AuditEvent.at, AuditEvent.actor_kind, AuditEvent.action, Counsellor.name)
        .outerjoin(
            Counsellor,
            and_(AuditEvent.actor_kind == "counsellor", Counsellor.id == AuditEvent.actor_id),
        )
        .where(
            AuditEvent.beneficiary_id == beneficiary_id,
            # The person's own reads are not someone else reaching their data.
            or_(AuditEvent.actor_kind != "beneficiary", AuditEvent.actor_id != beneficiary_id),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    return [Access(at, kind, name, action) for at, kind, action, name in rows]


async def collect(
    session: AsyncSession,
    actor: Actor,
    beneficiary_id: int | None = None,
    *,
    policy: RetentionPolicy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> Dossier:
    """Everything kept about a person, for the person themself (or the system).

    Not for their counsellor: the dossier holds the audit log and private
    parts (such as a private journal) that are the person's alone.
    """
    if isinstance(actor, BeneficiaryActor):
        if beneficiary_id not in (None, actor.beneficiary_id):
            raise AccessDenied("a person collects their own dossier only")
        beneficiary_id = actor.beneficiary_id
    elif not isinstance(actor, SystemActor) or beneficiary_id is None:
        raise AccessDenied("seeing and exporting a dossier is the person's own right")
    return await _collect(session, beneficiary_id, policy, now)


async def _collect(
    session: AsyncSession, beneficiary_id: int, policy: RetentionPolicy, now: datetime | None
) -> Dossier:
    b = await session.get(Beneficiary, beneficiary_id, populate_existing=True)
    if b is None:
        raise AccessDenied(f"beneficiary {beneficiary_id} is not reachable")
    rights = await session.get(DataRightsRow, beneficiary_id, populate_existing=True)
    counsellor = await session.get(Counsellor, b.counsellor_id)
    parts: dict[str, list[Record]] = {}
    _tables()  # every module's collector is registered once its tables are
    for registration in _COLLECTORS.values():
        records = await registration.collect(session, beneficiary_id)
        if records:
            parts[registration.kind] = records
    parts.update(await _generic_parts(session, beneficiary_id))
    expiry = await session.scalar(
        select(func.max(Invitation.expires_at)).where(Invitation.beneficiary_id == beneficiary_id)
    )
    profile = Profile(
        b.id,
        b.name,
        b.status,
        b.phase,
        b.locale,
        b.timezone,
        b.created_at,
        b.consent_at,
        b.concluded_at,
        b.last_activity_at,
        rights.consent_withdrawn_at if rights else None,
    )
    synthesis = Synthesis(
        rights.synthesis_agreed if rights else None,
        rights.synthesis_asked_at if rights else None,
        rights.synthesis_answered_at if rights else None,
    )
    facts = RetentionFacts(
        b.created_at,
        b.consent_at,
        b.last_activity_at,
        b.concluded_at,
        rights.synthesis_agreed if rights else None,
        expiry,
    )
    return Dossier(
        profile,
        counsellor.name if counsellor else "",
        retention_dates(facts, policy),
        synthesis,
        parts,
        await _accesses(session, beneficiary_id),
        now or utcnow(),
    )


# --- erasure ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erased:
    """What the counsellor's notice needs once the person's rows are gone."""

    counsellor_id: int
    name: str
    phase: Phase
    rows: dict[str, int]


async def request_erasure(session: AsyncSession, actor: Actor, now: datetime | None = None) -> None:
    """First confirmation: the person pressed "erase"."""
    me = _own(actor)
    row = await _rights_row(session, me.beneficiary_id)
    row.erasure_step, row.erasure_step_at = 1, now or utcnow()
    await session.flush()


def _step_is(row: DataRightsRow, step: int, now: datetime) -> bool:
    return (
        row.erasure_step == step
        and row.erasure_step_at is not None
        and now - row.erasure_step_at <= ERASURE_WINDOW
    )


async def confirm_erasure(session: AsyncSession, actor: Actor, now: datetime | None = None) -> bool:
    """Second confirmation; False if the first is missing or too old."""
    me = _own(actor)
    now = now or utcnow()
    row = await _rights_row(session, me.beneficiary_id)
    if not _step_is(row, 1, now):
        return False
    row.erasure_step, row.erasure_step_at = 2, now
    await session.flush()
    return True


async def cancel(session: AsyncSession, actor: Actor) -> bool:
    """For ``/annuler``: forget a pending erasure request; True if there was one."""
    if not isinstance(actor, BeneficiaryActor):
        return False
    result = await session.execute(
        update(DataRightsRow)
        .where(DataRightsRow.beneficiary_id == actor.beneficiary_id, DataRightsRow.erasure_step > 0)
        .values(erasure_step=0, erasure_step_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def erase_own_data(
    session: AsyncSession, actor: Actor, now: datetime | None = None
) -> Erased | None:
    """The person's erasure, after both confirmations; None if they are missing or stale.

    Their counsellor is told, by a message that has no beneficiary to cascade
    from (it must outlive the person) and forgets their name once sent (see
    ``storage.outbox``). A person is erased once: the key is their id.
    """
    me = _own(actor)
    now = now or utcnow()
    row = await session.get(DataRightsRow, me.beneficiary_id, populate_existing=True)
    if row is None or not _step_is(row, 2, now):
        return None
    erased = await erase_beneficiary(
        session, SystemActor("erasure"), me.beneficiary_id, "erased", now
    )
    await outbox.enqueue(
        session,
        kind=ERASED_KIND,
        recipient=Recipient.counsellor(erased.counsellor_id),
        due_at=now,
        dedupe_key=f"{FORGET_ONCE_SENT}erased:{me.beneficiary_id}",
        payload={"name": erased.name},
        now=now,
    )
    return erased


async def erase_beneficiary(
    session: AsyncSession,
    actor: SystemActor,
    beneficiary_id: int,
    reason: str,
    now: datetime | None = None,
) -> Erased:
    """Delete every row about the person; count them anonymously first.

    ``reason`` is the anonymous counter the erasure adds to (``erased`` by
    the person, ``purged`` at the end of retention). Telegram is unlinked
    with the row itself.
    """
    if not isinstance(actor, SystemActor):
        raise AccessDenied("erase_beneficiary is the system's")
    b = await load_beneficiary_for(session, actor, beneficiary_id)
    counsellor_id, name, phase, consent_at = b.counsellor_id, b.name, b.phase, b.consent_at
    folded_now = await indicators.fold(session, beneficiary_id, extra=[reason], now=now)
    if not folded_now and consent_at is not None:  # folded earlier: count the erasure alone
        await indicators.note(session, reason, consent_at)
    rows = await _delete_about(session, beneficiary_id)
    return Erased(counsellor_id, name, phase, rows)


# --- consent withdrawal -------------------------------------------------------------------------


@dataclass(frozen=True)
class Withdrawn:
    counsellor_id: int
    name: str
    cancelled_messages: int


async def withdraw_consent(
    session: AsyncSession, actor: Actor, now: datetime | None = None
) -> Withdrawn | None:
    """Stop everything at once; None if consent was not (or no longer) given.

    Every message still to go to the person is cancelled in the same
    transaction, and the dispatcher would refuse any other one anyway (it
    reads consent at send time). A pending erasure request is forgotten.
    Their counsellor is told; consent is withdrawn once per invitation
    accepted (a new one makes a new beneficiary), so the key is the id.
    """
    me = _own(actor)
    now = now or utcnow()
    b = await session.get(Beneficiary, me.beneficiary_id, populate_existing=True)
    if b is None or b.status != BeneficiaryStatus.ACTIVE:
        return None
    b.status = BeneficiaryStatus.WITHDRAWN
    row = await _rights_row(session, me.beneficiary_id)
    row.consent_withdrawn_at = now
    row.erasure_step, row.erasure_step_at = 0, None
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.recipient_kind == "beneficiary",
            OutboxMessage.recipient_id == me.beneficiary_id,
            OutboxMessage.status.in_(
                [OutboxStatus.PENDING, OutboxStatus.HELD, OutboxStatus.CLAIMED]
            ),
        )
        .values(
            status=OutboxStatus.CANCELLED,
            last_error="ConsentWithdrawn",
            claim_token=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    await outbox.enqueue(
        session,
        kind=WITHDRAWN_KIND,
        recipient=Recipient.counsellor(b.counsellor_id),
        due_at=now,
        dedupe_key=f"withdrawn:{me.beneficiary_id}",
        beneficiary_id=me.beneficiary_id,
        now=now,
    )
    await session.flush()
    return Withdrawn(b.counsellor_id, b.name, int(result.rowcount))  # type: ignore[attr-defined]


# --- conclusion and the synthesis agreement -------------------------------------------------------

_CONCLUDED_PHASES = (Phase.CONCLUSION, Phase.SUIVI, Phase.CLOS)


async def mark_concluded(
    session: AsyncSession, actor: Actor, beneficiary_id: int, now: datetime | None = None
) -> datetime:
    """Note the conclusion date once (the counsellor or the system); returns it.

    Retention counts from this date; a second call keeps the first date.
    """
    if isinstance(actor, BeneficiaryActor):
        raise AccessDenied("the conclusion is recorded by the counsellor")
    b = await load_beneficiary_for(session, actor, beneficiary_id)
    if b.concluded_at is None:
        b.concluded_at = now or utcnow()
        await session.flush()
    assert b.concluded_at is not None
    return b.concluded_at


async def mark_synthesis_asked(
    session: AsyncSession, actor: Actor, beneficiary_id: int, now: datetime | None = None
) -> None:
    """Note when the person was asked whether the synthesis may be kept (at delivery).

    Done by whoever delivers it: their counsellor (or the system), never the person.
    """
    if isinstance(actor, BeneficiaryActor):
        raise AccessDenied("the question is asked by the counsellor")
    await load_beneficiary_for(session, actor, beneficiary_id)
    row = await _rights_row(session, beneficiary_id)
    row.synthesis_asked_at = now or utcnow()
    await session.flush()


async def record_synthesis_agreement(
    session: AsyncSession, actor: Actor, agreed: bool, now: datetime | None = None
) -> None:
    """The person's written answer: may the synthesis be kept one year after conclusion?

    Only the person answers, and only once the bilan has reached its
    conclusion; they may change their answer later (``/mesdonnees``).
    """
    me = _own(actor)
    b = await session.get(Beneficiary, me.beneficiary_id, populate_existing=True)
    if b is None or b.status != BeneficiaryStatus.ACTIVE:
        raise RightsError("consent is not given")
    if b.concluded_at is None and b.phase not in _CONCLUDED_PHASES:
        raise RightsError("the bilan has not reached its conclusion")
    row = await _rights_row(session, me.beneficiary_id)
    row.synthesis_agreed = agreed
    row.synthesis_answered_at = now or utcnow()
    await session.flush()


async def synthesis_agreement(
    session: AsyncSession, actor: Actor, beneficiary_id: int
) -> bool | None:
    """The person's answer (None: not given), for them and their counsellor."""
    await load_beneficiary_for(session, actor, beneficiary_id)
    row = await session.get(DataRightsRow, beneficiary_id, populate_existing=True)
    return None if row is None else row.synthesis_agreed


async def may_answer_synthesis(session: AsyncSession, actor: Actor) -> bool:
    me = _own(actor)
    b = await session.get(Beneficiary, me.beneficiary_id, populate_existing=True)
    return (
        b is not None
        and b.status == BeneficiaryStatus.ACTIVE
        and (b.concluded_at is not None or b.phase in _CONCLUDED_PHASES)
    )


# --- the purge ----------------------------------------------------------------------


class PurgeKind(enum.StrEnum):
    EXPIRED_INVITATIONS = "expired invitations"
    DOSSIERS_AFTER_FOLLOWUP = "dossiers after the last follow-up (no synthesis agreement)"
    BILANS_AFTER_RETENTION = "bilans one year after conclusion"
    INACTIVE_BILANS = "bilans without activity for a year"
    SYNTHESIS_COPIES = "synthesis copies (no agreement, or kept a year)"
    FINISHED_MESSAGES = "sent, cancelled or failed messages"
    AUDIT_EVENTS = "audit rows"


PurgeDue = Callable[[AsyncSession, datetime], Awaitable[list[int]]]
PurgeRemove = Callable[[AsyncSession, Sequence[int], datetime], Awaitable[int]]


@dataclass(frozen=True)
class _PurgeStep:
    due: PurgeDue
    remove: PurgeRemove


_PURGE_STEPS: dict[PurgeKind, _PurgeStep] = {}


def register_purge_step(kind: PurgeKind, *, due: PurgeDue, remove: PurgeRemove) -> None:
    """A module whose data has its own retention adds it to the purge.

    ``due`` lists the beneficiary ids whose data of that kind must go at
    ``now``; ``remove`` deletes it and returns how many it removed. Both run
    in the purge's transaction, after people erased as a whole are gone.
    """
    if kind in _PURGE_STEPS:
        raise ValueError(f"purge step {kind!r} is already registered")
    _PURGE_STEPS[kind] = _PurgeStep(due, remove)


@dataclass
class PurgePlan:
    """Who and what the purge removes at ``now``: ids stay in memory, only counts are shown."""

    now: datetime
    policy: RetentionPolicy
    invitations: list[int] = field(default_factory=list)
    dossiers: list[int] = field(default_factory=list)
    concluded: list[int] = field(default_factory=list)
    inactive: list[int] = field(default_factory=list)
    finished_messages: int = 0
    audit_events: int = 0
    steps: dict[PurgeKind, list[int]] = field(default_factory=dict)
    """Beneficiary ids per registered purge step (:func:`register_purge_step`)."""

    def counts(self) -> dict[PurgeKind, int]:
        counts = {
            PurgeKind.EXPIRED_INVITATIONS: len(self.invitations),
            PurgeKind.DOSSIERS_AFTER_FOLLOWUP: len(self.dossiers),
            PurgeKind.BILANS_AFTER_RETENTION: len(self.concluded),
            PurgeKind.INACTIVE_BILANS: len(self.inactive),
        }
        counts.update({kind: len(ids) for kind, ids in self.steps.items()})
        counts[PurgeKind.FINISHED_MESSAGES] = self.finished_messages
        counts[PurgeKind.AUDIT_EVENTS] = self.audit_events
        return counts


_DOSSIER_KEEPS = frozenset({BENEFICIARIES, "invitations", "data_rights", "indicator_folds"})


async def plan_purge(
    session: AsyncSession, now: datetime | None = None, policy: RetentionPolicy = DEFAULT_POLICY
) -> PurgePlan:
    now = now or utcnow()
    plan = PurgePlan(now, policy)
    _tables()  # every module's purge step is registered once its tables are
    live_invitation = select(Invitation.beneficiary_id).where(
        Invitation.used_at.is_(None), Invitation.expires_at > now
    )
    plan.invitations = list(
        await session.scalars(
            select(Beneficiary.id).where(
                Beneficiary.status == BeneficiaryStatus.INVITED,
                Beneficiary.consent_at.is_(None),
                Beneficiary.id.not_in(live_invitation),
            )
        )
    )
    people = await session.execute(
        select(Beneficiary.id, DataRightsRow.dossier_purged_at, *_FACT_COLUMNS)
        .outerjoin(DataRightsRow, DataRightsRow.beneficiary_id == Beneficiary.id)
        .where(Beneficiary.consent_at.is_not(None))
    )
    for row in people:
        facts = RetentionFacts(
            row.created_at,
            row.consent_at,
            row.last_activity_at,
            row.concluded_at,
            row.synthesis_agreed,
        )
        dates = retention_dates(facts, policy)
        beneficiary_id, dossier_purged_at = row.id, row.dossier_purged_at
        if dates.contact_until <= now:
            target = plan.inactive if dates.basis == RetentionBasis.INACTIVITY else plan.concluded
            target.append(beneficiary_id)
        elif dates.dossier_until <= now and dossier_purged_at is None:
            plan.dossiers.append(beneficiary_id)
    plan.finished_messages = int(
        await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(_finished(now, policy))
        )
        or 0
    )
    going = [*plan.invitations, *plan.dossiers, *plan.concluded, *plan.inactive]
    erased_whole = {*plan.invitations, *plan.concluded, *plan.inactive}
    for kind, step in _PURGE_STEPS.items():
        plan.steps[kind] = [i for i in await step.due(session, now) if i not in erased_whole]
    if going:
        audit_table = AuditEvent.__table__
        assert isinstance(audit_table, Table)
        conditions = [c for c in (_about(audit_table, i) for i in going) if c is not None]
        plan.audit_events = int(
            await session.scalar(
                select(func.count()).select_from(AuditEvent).where(or_(false(), *conditions))
            )
            or 0
        )
    return plan


def _finished(now: datetime, policy: RetentionPolicy) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.CANCELLED, OutboxStatus.FAILED]),
        OutboxMessage.created_at < now - timedelta(days=policy.finished_messages_days),
    )


async def apply_purge(session: AsyncSession, plan: PurgePlan) -> dict[PurgeKind, int]:
    """Carry out a plan in the caller's transaction; returns what was removed, by kind.

    Finished messages go first, so that the counts are those the plan (and
    a dry run) gave.
    """
    system = SystemActor("purge")
    counts = plan.counts()
    counts[PurgeKind.FINISHED_MESSAGES] = await purge_finished(
        session, plan.now - timedelta(days=plan.policy.finished_messages_days)
    )
    audit_removed = 0
    for beneficiary_id in plan.invitations:
        rows = await _delete_about(session, beneficiary_id)
        audit_removed += rows.get("audit_events", 0)
    for beneficiary_id in plan.concluded + plan.inactive:
        erased = await erase_beneficiary(session, system, beneficiary_id, "purged", plan.now)
        audit_removed += erased.rows.get("audit_events", 0)
    for kind, ids in plan.steps.items():
        counts[kind] = await _PURGE_STEPS[kind].remove(session, ids, plan.now)
    for beneficiary_id in plan.dossiers:
        await indicators.fold(session, beneficiary_id, now=plan.now)
        rows = await _delete_about(session, beneficiary_id, keep=_DOSSIER_KEEPS)
        audit_removed += rows.get("audit_events", 0)
        row = await _rights_row(session, beneficiary_id)
        row.dossier_purged_at = plan.now
        row.erasure_step, row.erasure_step_at = 0, None
        await session.flush()
    counts[PurgeKind.AUDIT_EVENTS] = audit_removed
    await conversation.forget_lapsed(session, plan.now)
    return counts


async def purge(
    session: AsyncSession,
    now: datetime | None = None,
    policy: RetentionPolicy = DEFAULT_POLICY,
    dry_run: bool = False,
) -> dict[PurgeKind, int]:
    """Everything past its retention at ``now``: counts by kind (removed, or to remove)."""
    plan = await plan_purge(session, now, policy)
    return plan.counts() if dry_run else await apply_purge(session, plan)
