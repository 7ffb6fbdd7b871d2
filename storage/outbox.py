"""The durable outbox: every message that is not a direct reply is a row first.

A reminder, a digest, a follow-up or a notice is written here, in the same
transaction as whatever made it necessary (scheduling a session writes its
reminders; cancelling it cancels them). One dispatcher (``bot.dispatcher``)
later claims the due rows, renders them in the recipient's current language
and sends them. Nothing that must happen later lives only in memory.

Why the columns look the way they do:

- ``dedupe_key`` is unique: a caller that enqueues the same logical message
  twice (a retried handler, two processes) updates one row instead of
  creating a second one. Keys name what the message is about, e.g.
  ``session:42:reminder:24h``; :func:`cancel` takes a key or a key prefix.
- The recipient is ``(recipient_kind, recipient_id)``, never a Telegram chat
  id: the chat is looked up when the row is sent, so a person who withdrew
  their consent, was erased, or blocked the bot is not written to.
- ``beneficiary_id`` names the beneficiary a row concerns (the recipient
  itself, or the subject of a notice to their counsellor); its foreign key
  cascades, so erasing a beneficiary erases every message about them.
- ``payload`` may quote personal content: it is encrypted like every other
  personal column.
- ``due_at`` is when the message is meant for and never moves for technical
  reasons; ``not_before`` is when it may next be tried (quiet hours, backoff,
  per-chat pacing push it later). Staleness is judged on ``due_at``.
- ``claim_token`` + ``lease_until`` make a claim: a dispatcher owns a row
  until its lease expires, and every later write about the row names the
  token, so a dispatcher that lost its lease cannot overwrite the work of the
  one that took over.
- ``claimed_by`` names the dispatcher run that made the claim (see
  ``bot.claimer``): a restarted bot gives back at once what its own previous
  run held, instead of waiting for those leases to expire. Meaningful only
  while the row is ``claimed``.
- ``last_error`` holds an exception *type* name only, never its text (which
  can quote a message).
- A row whose ``dedupe_key`` starts with ``FORGET_ONCE_SENT`` drops its
  payload when it is sent or cancelled. Such a row speaks of someone who is
  gone: the notice of an erasure carries the erased person's name to their
  counsellor, and has no ``beneficiary_id`` (nothing left to cascade from) so
  that it outlives them. Once it went out, no row names them any more.

Times are UTC. Every function takes ``now`` so that tests control the clock.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    Enum,
    ForeignKey,
    Index,
    String,
    and_,
    case,
    delete,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from storage.actors import AccessDenied, Actor, CounsellorActor, SystemActor
from storage.crypto import EncryptedJSON
from storage.models import (
    NEVER_REUSED,
    Base,
    Beneficiary,
    BeneficiaryStatus,
    Counsellor,
    UTCDateTime,
    utcnow,
)

RecipientKind = Literal["beneficiary", "counsellor"]

DEDUPE_KEY_MAX = 200
ERROR_MAX = 64
CLAIMER_MAX = 160
DEFAULT_STALE_AFTER = timedelta(days=3)
DEFAULT_RETURN_SPACING = timedelta(minutes=1)
UNREACHABLE_NOTICE = "unreachable_notice"
# Key prefix of rows that keep their payload only until sent or cancelled (see above).
FORGET_ONCE_SENT = "forget:"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    HELD = "held"


# Rows whose due time or payload a caller may still change.
_OPEN = (OutboxStatus.PENDING, OutboxStatus.HELD)


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[int]
    beneficiary_id: Mapped[int | None] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    dedupe_key: Mapped[str] = mapped_column(String(DEDUPE_KEY_MAX), unique=True)
    payload: Mapped[Any] = mapped_column(EncryptedJSON, nullable=True)
    # Plain strings, not a native ENUM, as in storage.models.
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(
            OutboxStatus,
            name="outbox_status",
            native_enum=False,
            length=12,
            values_callable=lambda members: [m.value for m in members],
        ),
        default=OutboxStatus.PENDING,
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(CLAIMER_MAX))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_outbox_status_not_before", "status", "not_before"),
        Index("ix_outbox_status_lease_until", "status", "lease_until"),
        Index("ix_outbox_recipient", "recipient_kind", "recipient_id", "status"),
        NEVER_REUSED,
    )


@dataclass(frozen=True)
class Recipient:
    """Who a row is for: a beneficiary or a counsellor, by database id."""

    kind: RecipientKind
    id: int

    @classmethod
    def beneficiary(cls, beneficiary_id: int) -> Recipient:
        return cls("beneficiary", beneficiary_id)

    @classmethod
    def counsellor(cls, counsellor_id: int) -> Recipient:
        return cls("counsellor", counsellor_id)


@dataclass(frozen=True)
class ClaimedMessage:
    """A row a dispatcher owns until ``lease_until``; ``claim_token`` proves it."""

    id: int
    kind: str
    recipient: Recipient
    beneficiary_id: int | None
    dedupe_key: str
    payload: Any
    due_at: datetime
    attempts: int
    claim_token: str
    lease_until: datetime


@dataclass(frozen=True)
class Addressee:
    """Where and how to reach a recipient now, read from their own table.

    ``chat_id`` is ``None`` when the bot must not write to them any more
    (consent withdrawn, account deactivated, person erased).
    """

    recipient: Recipient
    chat_id: int | None
    locale: str
    timezone: str
    unreachable: bool


@dataclass(frozen=True)
class UndeliveredMessage:
    """What a counsellor may see of a message that could not be delivered: no content."""

    id: int
    kind: str
    recipient: Recipient
    beneficiary_id: int | None
    status: OutboxStatus
    due_at: datetime
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class ReturnOutcome:
    resumed: int
    cancelled: int


def _recipient_is(recipient: Recipient) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.recipient_kind == recipient.kind,
        OutboxMessage.recipient_id == recipient.id,
    )


def _check_key(dedupe_key: str) -> None:
    if not dedupe_key or len(dedupe_key) > DEDUPE_KEY_MAX:
        raise ValueError(f"dedupe key must be 1 to {DEDUPE_KEY_MAX} characters")


def error_name(error: BaseException | str) -> str:
    """The type name of an error, cut to the column: never its message."""
    name = error if isinstance(error, str) else type(error).__name__
    return name[:ERROR_MAX]


# ---------------------------------------------------------------------------
# What callers do, in their own transaction
# ---------------------------------------------------------------------------


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    recipient: Recipient,
    due_at: datetime,
    dedupe_key: str,
    payload: Any = None,
    beneficiary_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Schedule a message; returns its row id. Idempotent on ``dedupe_key``.

    The same key never makes a second row. If the row exists and is still
    open (pending or held) its due time and payload are replaced; a
    cancelled row comes back as pending (a session cancelled then scheduled
    again at the same id gets its reminders back). A row already claimed,
    sent or failed is left as it is: what went out is not sent again.

    One ``INSERT … ON CONFLICT`` statement on both back ends, so two
    transactions enqueueing the same key at once cannot both insert.
    ``beneficiary_id`` defaults to the recipient when it is a beneficiary.
    """
    _check_key(dedupe_key)
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware (UTC)")
    now = now or utcnow()
    if beneficiary_id is None and recipient.kind == "beneficiary":
        beneficiary_id = recipient.id
    values = {
        "kind": kind,
        "recipient_kind": recipient.kind,
        "recipient_id": recipient.id,
        "beneficiary_id": beneficiary_id,
        "dedupe_key": dedupe_key,
        "payload": payload,
        "status": OutboxStatus.PENDING,
        "due_at": due_at,
        "not_before": due_at,
        "attempts": 0,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(OutboxMessage).values(values)
    table = OutboxMessage.__table__.c
    reopen = table.status == OutboxStatus.CANCELLED.value
    statement = statement.on_conflict_do_update(
        index_elements=[table.dedupe_key],
        set_={
            "payload": statement.excluded.payload,
            "due_at": statement.excluded.due_at,
            "not_before": statement.excluded.not_before,
            "status": _case(reopen, OutboxStatus.PENDING.value, table.status),
            "attempts": _case(reopen, 0, table.attempts),
            "last_error": _case(reopen, None, table.last_error),
        },
        where=table.status.in_([s.value for s in (*_OPEN, OutboxStatus.CANCELLED)]),
    )
    await session.execute(statement)
    row_id = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    assert row_id is not None
    return row_id


def _case(condition: ColumnElement[bool], then: Any, otherwise: Any) -> Any:
    return case((condition, null() if then is None else literal(then)), else_=otherwise)


async def cancel(
    session: AsyncSession, *, dedupe_key: str | None = None, prefix: str | None = None
) -> int:
    """Cancel the open rows with this key, or whose key starts with ``prefix``.

    Claimed rows are cancelled too: the dispatcher confirms its claim right
    before sending, so a cancellation committed before that moment is
    honoured. Returns how many rows were cancelled.
    """
    if (dedupe_key is None) == (prefix is None):
        raise ValueError("give exactly one of dedupe_key and prefix")
    if dedupe_key is not None:
        match = OutboxMessage.dedupe_key == dedupe_key
    else:
        assert prefix is not None
        _check_key(prefix)
        match = OutboxMessage.dedupe_key.startswith(prefix, autoescape=True)
    result = await session.execute(
        update(OutboxMessage)
        .where(
            match,
            OutboxMessage.status.in_([*_OPEN, OutboxStatus.CLAIMED]),
        )
        .values(
            status=OutboxStatus.CANCELLED,
            claim_token=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


_UNCHANGED: Any = object()


async def reschedule(
    session: AsyncSession,
    dedupe_key: str,
    due_at: datetime,
    *,
    payload: Any = _UNCHANGED,
) -> bool:
    """Move an open row to a new due time (and payload); False if none is open."""
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware (UTC)")
    values: dict[str, Any] = {"due_at": due_at, "not_before": due_at}
    if payload is not _UNCHANGED:
        values["payload"] = payload
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.status.in_(_OPEN))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_recipient(session: AsyncSession, recipient: Recipient) -> int:
    """Delete every row addressed to a person (erasure). Returns the count.

    Rows *about* a beneficiary go with the beneficiary row itself (foreign key
    cascade); this covers a counsellor, or a beneficiary row that is kept.
    """
    result = await session.execute(
        delete(OutboxMessage)
        .where(_recipient_is(recipient))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def purge_finished(session: AsyncSession, older_than: datetime) -> int:
    """Delete sent, cancelled and failed rows created before ``older_than``.

    Their payload may quote personal content: they are kept only as long as
    the counsellor's view of failures needs them.
    """
    result = await session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.status.in_(
                [OutboxStatus.SENT, OutboxStatus.CANCELLED, OutboxStatus.FAILED]
            ),
            OutboxMessage.created_at < older_than,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# What the dispatcher does
# ---------------------------------------------------------------------------


def new_claim_token() -> str:
    return secrets.token_hex(16)


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now),
        # A claim whose lease ran out belongs to a dispatcher that died (or
        # stalled): its rows are up for grabs again.
        and_(OutboxMessage.status == OutboxStatus.CLAIMED, OutboxMessage.lease_until < now),
    )


async def claim(
    session: AsyncSession,
    *,
    limit: int,
    lease: timedelta,
    now: datetime | None = None,
    token: str | None = None,
    claimer: str | None = None,
) -> list[ClaimedMessage]:
    """Take up to ``limit`` due rows for ``lease``; no two claimers get the same row.

    SQLite: one ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING``. SQLite
    runs one writer at a time (and ``storage.db`` begins every transaction
    IMMEDIATE), so the statement that picks and the statement that marks are
    the same statement: there is no window between them for another process.

    PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` then ``UPDATE … RETURNING``
    in the same transaction. Rows another claimer has locked are skipped, not
    waited for; a row it has already committed as claimed is re-checked
    against the ``WHERE`` clause when locked, and no longer matches.
    """
    now = now or utcnow()
    token = token or new_claim_token()
    pick = (
        select(OutboxMessage.id)
        .where(_claimable(now))
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
    )
    dialect = session.get_bind().dialect.name
    ids: Sequence[int] | Any
    if dialect == "postgresql":
        ids = (await session.scalars(pick.with_for_update(skip_locked=True))).all()
        if not ids:
            return []
    else:
        ids = pick.scalar_subquery()
    lease_until = now + lease
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(
            status=OutboxStatus.CLAIMED,
            claim_token=token,
            lease_until=lease_until,
            claimed_by=claimer[:CLAIMER_MAX] if claimer else None,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.recipient_kind,
            OutboxMessage.recipient_id,
            OutboxMessage.beneficiary_id,
            OutboxMessage.dedupe_key,
            OutboxMessage.payload,
            OutboxMessage.due_at,
            OutboxMessage.not_before,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    rows = sorted(result.all(), key=lambda r: (r.not_before, r.id))
    return [
        ClaimedMessage(
            id=r.id,
            kind=r.kind,
            recipient=Recipient(r.recipient_kind, r.recipient_id),
            beneficiary_id=r.beneficiary_id,
            dedupe_key=r.dedupe_key,
            payload=r.payload,
            due_at=r.due_at,
            attempts=r.attempts,
            claim_token=token,
            lease_until=lease_until,
        )
        for r in rows
    ]


async def live_claimers(session: AsyncSession, prefix: str) -> list[str]:
    """The distinct ``claimed_by`` of rows still claimed whose claimer starts with ``prefix``."""
    found = await session.scalars(
        select(OutboxMessage.claimed_by)
        .where(
            OutboxMessage.status == OutboxStatus.CLAIMED,
            OutboxMessage.claimed_by.startswith(prefix, autoescape=True),
        )
        .distinct()
    )
    return [c for c in found if c is not None]


async def release_claims_of(session: AsyncSession, claimers: Sequence[str]) -> int:
    """Give back as pending, at once and uncounted, every row these claimers still hold.

    For a dispatcher that knows these claimers are gone (its own previous
    runs): their rows need not wait for their leases to run out. A row whose
    send Telegram had accepted just before the crash is sent again, as it
    would be after the lease: the one resend per crash the dispatcher allows.
    """
    if not claimers:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.CLAIMED,
            OutboxMessage.claimed_by.in_(list(claimers)),
        )
        .values(status=OutboxStatus.PENDING, claim_token=None, lease_until=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _owned(message: ClaimedMessage) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.id == message.id,
        OutboxMessage.claim_token == message.claim_token,
        OutboxMessage.status == OutboxStatus.CLAIMED,
    )


async def _settle(session: AsyncSession, message: ClaimedMessage, **values: Any) -> bool:
    """Write the outcome of a claim, only if the claim is still ours."""
    result = await session.execute(
        update(OutboxMessage)
        .where(_owned(message))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def confirm(
    session: AsyncSession, message: ClaimedMessage, *, lease: timedelta, now: datetime
) -> bool:
    """Right before sending: is the row still ours and still wanted? Renews the lease.

    False when it was cancelled or when our lease ran out and another
    dispatcher took it: then we must not send.
    """
    return await _settle(session, message, lease_until=now + lease)


async def mark_sent(session: AsyncSession, message: ClaimedMessage, *, now: datetime) -> bool:
    """Record a send Telegram accepted.

    If the claim is no longer ours (our lease ran out during the send), the
    message went out all the same: record it as sent unless someone already
    did, and return False so the caller can log the possible duplicate.
    """
    done: dict[str, Any] = {
        "status": OutboxStatus.SENT,
        "sent_at": now,
        "claim_token": None,
        "lease_until": None,
        **_forgotten(message),
    }
    if await _settle(session, message, **done):
        return True
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status != OutboxStatus.SENT)
        .values(**done)
        .execution_options(synchronize_session=False)
    )
    return False


async def release(
    session: AsyncSession,
    message: ClaimedMessage,
    *,
    not_before: datetime,
    error: str | None = None,
    count_attempt: bool = False,
) -> bool:
    """Give a claimed row back as pending, to be tried at ``not_before``.

    Used for quiet hours and pacing (not an attempt), flood control (not an
    attempt either: nothing failed) and transient faults (an attempt).
    """
    values: dict[str, Any] = {
        "status": OutboxStatus.PENDING,
        "not_before": not_before,
        "claim_token": None,
        "lease_until": None,
    }
    if count_attempt:
        values["attempts"] = message.attempts + 1
    if error is not None:
        values["last_error"] = error_name(error)
    return await _settle(session, message, **values)


def _forgotten(message: ClaimedMessage) -> dict[str, Any]:
    """The payload of a row that must not outlive its sending, dropped."""
    return {"payload": None} if message.dedupe_key.startswith(FORGET_ONCE_SENT) else {}


async def mark_failed(session: AsyncSession, message: ClaimedMessage, *, error: str) -> bool:
    """Give up on a row (permanent refusal, or too many attempts)."""
    return await _settle(
        session,
        message,
        status=OutboxStatus.FAILED,
        attempts=message.attempts + 1,
        last_error=error_name(error),
        claim_token=None,
        lease_until=None,
    )


async def mark_cancelled(session: AsyncSession, message: ClaimedMessage, *, reason: str) -> bool:
    """No longer relevant (renderer said so, or the person is gone)."""
    return await _settle(
        session,
        message,
        status=OutboxStatus.CANCELLED,
        last_error=error_name(reason),
        claim_token=None,
        lease_until=None,
        **_forgotten(message),
    )


async def hold(session: AsyncSession, message: ClaimedMessage, *, reason: str) -> bool:
    """Park a row for a person the bot cannot reach, until they come back."""
    return await _settle(
        session,
        message,
        status=OutboxStatus.HELD,
        last_error=error_name(reason),
        claim_token=None,
        lease_until=None,
    )


async def resolve_addressees(
    session: AsyncSession, recipients: Iterable[Recipient]
) -> dict[Recipient, Addressee]:
    """Where each recipient can be reached now (two queries whatever the count).

    Read at send time, not at enqueue time, so that withdrawal, erasure and
    unlinking take effect on messages already scheduled. A recipient missing
    from the result no longer exists.
    """
    wanted = set(recipients)
    found: dict[Recipient, Addressee] = {}
    beneficiary_ids = [r.id for r in wanted if r.kind == "beneficiary"]
    counsellor_ids = [r.id for r in wanted if r.kind == "counsellor"]
    if beneficiary_ids:
        rows = await session.execute(
            select(
                Beneficiary.id,
                Beneficiary.telegram_id,
                Beneficiary.status,
                Beneficiary.locale,
                Beneficiary.timezone,
                Beneficiary.unreachable_at,
            ).where(Beneficiary.id.in_(beneficiary_ids))
        )
        for b in rows:
            reachable_by_consent = b.status == BeneficiaryStatus.ACTIVE
            recipient = Recipient.beneficiary(b.id)
            found[recipient] = Addressee(
                recipient,
                b.telegram_id if reachable_by_consent else None,
                b.locale,
                b.timezone,
                b.unreachable_at is not None,
            )
    if counsellor_ids:
        rows = await session.execute(
            select(
                Counsellor.id,
                Counsellor.telegram_id,
                Counsellor.active,
                Counsellor.locale,
                Counsellor.timezone,
                Counsellor.unreachable_at,
            ).where(Counsellor.id.in_(counsellor_ids))
        )
        for c in rows:
            recipient = Recipient.counsellor(c.id)
            found[recipient] = Addressee(
                recipient,
                c.telegram_id if c.active else None,
                c.locale,
                c.timezone,
                c.unreachable_at is not None,
            )
    return found


async def mark_unreachable(
    session: AsyncSession, message: ClaimedMessage, *, now: datetime
) -> bool:
    """Telegram said 403: the person blocked the bot (or deleted their account).

    In one transaction: note it on the person, hold this row, every other
    pending row for them and those of our own claims (nothing is lost,
    nothing is retried against a closed door), and, the first time for a beneficiary, tell their
    counsellor with an ``unreachable_notice`` that carries no content.
    Returns True when the person was newly marked.
    """
    recipient = message.recipient
    person: type[Beneficiary] | type[Counsellor] = (
        Beneficiary if recipient.kind == "beneficiary" else Counsellor
    )
    result = await session.execute(
        update(person)
        .where(person.id == recipient.id, person.unreachable_at.is_(None))
        .values(unreachable_at=now)
        .execution_options(synchronize_session=False)
    )
    newly = bool(result.rowcount)  # type: ignore[attr-defined]
    await hold(session, message, reason="Forbidden")
    await session.execute(
        update(OutboxMessage)
        .where(
            _recipient_is(recipient),
            or_(
                OutboxMessage.status == OutboxStatus.PENDING,
                # Our own other claims for them: their confirm() now fails,
                # so no further call is made against the closed door.
                and_(
                    OutboxMessage.status == OutboxStatus.CLAIMED,
                    OutboxMessage.claim_token == message.claim_token,
                ),
            ),
        )
        .values(
            status=OutboxStatus.HELD, last_error="Unreachable", claim_token=None, lease_until=None
        )
        .execution_options(synchronize_session=False)
    )
    if newly and recipient.kind == "beneficiary":
        counsellor_id = await session.scalar(
            select(Beneficiary.counsellor_id).where(Beneficiary.id == recipient.id)
        )
        if counsellor_id is not None:
            await enqueue(
                session,
                kind=UNREACHABLE_NOTICE,
                recipient=Recipient.counsellor(counsellor_id),
                due_at=now,
                # One notice per episode of being unreachable, named by the
                # message that found the door closed.
                dedupe_key=f"unreachable:{recipient.id}:{message.id}",
                payload={"beneficiary_id": recipient.id},
                beneficiary_id=recipient.id,
                now=now,
            )
    return newly


async def on_person_returned(
    session: AsyncSession,
    recipient: Recipient,
    *,
    now: datetime | None = None,
    stale_after: Callable[[str], timedelta] | Mapping[str, timedelta] | None = None,
    spacing: timedelta = DEFAULT_RETURN_SPACING,
) -> ReturnOutcome:
    """Call when an unreachable person writes to the bot again (``/start``).

    Clears the mark, then looks at what was held for them: rows due longer
    ago than their kind's ``stale_after`` are cancelled, and of the rest only
    the latest of each kind is kept (three missed reminders of the same kind
    are not worth three messages). The kept rows go back to pending one
    ``spacing`` apart, so the person is not flooded the moment they return;
    their renderer still decides, at send time, whether they matter.
    """
    now = now or utcnow()
    person: type[Beneficiary] | type[Counsellor] = (
        Beneficiary if recipient.kind == "beneficiary" else Counsellor
    )
    await session.execute(
        update(person)
        .where(person.id == recipient.id)
        .values(unreachable_at=None)
        .execution_options(synchronize_session=False)
    )
    held = (
        await session.execute(
            select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.due_at)
            .where(_recipient_is(recipient), OutboxMessage.status == OutboxStatus.HELD)
            .order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc())
        )
    ).all()

    def max_age(kind: str) -> timedelta:
        if stale_after is None:
            return DEFAULT_STALE_AFTER
        if isinstance(stale_after, Mapping):
            return stale_after.get(kind, DEFAULT_STALE_AFTER)
        return stale_after(kind)

    keep: list[tuple[datetime, int]] = []
    drop: list[tuple[int, str]] = []
    seen_kinds: set[str] = set()
    for row_id, kind, due_at in held:
        if due_at < now - max_age(kind):
            drop.append((row_id, "Stale"))
        elif kind in seen_kinds:
            drop.append((row_id, "Superseded"))
        else:
            seen_kinds.add(kind)
            keep.append((due_at, row_id))
    for reason in ("Stale", "Superseded"):
        ids = [row_id for row_id, why in drop if why == reason]
        if ids:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.HELD)
                .values(status=OutboxStatus.CANCELLED, last_error=reason)
                .execution_options(synchronize_session=False)
            )
    for position, (due_at, row_id) in enumerate(sorted(keep)):
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.HELD)
            .values(
                status=OutboxStatus.PENDING,
                not_before=max(due_at, now + spacing * position),
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )
    return ReturnOutcome(resumed=len(keep), cancelled=len(drop))


# ---------------------------------------------------------------------------
# What a counsellor may see
# ---------------------------------------------------------------------------


def _of_counsellor(counsellor_id: int) -> ColumnElement[bool]:
    own_beneficiaries = select(Beneficiary.id).where(Beneficiary.counsellor_id == counsellor_id)
    return or_(
        and_(
            OutboxMessage.recipient_kind == "counsellor",
            OutboxMessage.recipient_id == counsellor_id,
        ),
        and_(
            OutboxMessage.recipient_kind == "beneficiary",
            OutboxMessage.recipient_id.in_(own_beneficiaries),
        ),
    )


async def failed_for_counsellor(
    session: AsyncSession,
    actor: Actor,
    *,
    include_held: bool = False,
    limit: int = 50,
) -> list[UndeliveredMessage]:
    """Messages to a counsellor or to their beneficiaries that could not go out.

    Newest first. Ids, kinds, times and error types only: the counsellor's
    view names the beneficiary and the kind of message, never its text.
    """
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only a counsellor sees undelivered messages")
    statuses = [OutboxStatus.FAILED, *([OutboxStatus.HELD] if include_held else [])]
    rows = await session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.recipient_kind,
            OutboxMessage.recipient_id,
            OutboxMessage.beneficiary_id,
            OutboxMessage.status,
            OutboxMessage.due_at,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
        )
        .where(_of_counsellor(actor.counsellor_id), OutboxMessage.status.in_(statuses))
        .order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return [
        UndeliveredMessage(
            r.id,
            r.kind,
            Recipient(r.recipient_kind, r.recipient_id),
            r.beneficiary_id,
            r.status,
            r.due_at,
            r.attempts,
            r.last_error,
        )
        for r in rows
    ]


async def retry_failed(
    session: AsyncSession, actor: Actor, outbox_id: int, *, now: datetime | None = None
) -> bool:
    """A counsellor (or the system) puts a failed message back in the queue."""
    now = now or utcnow()
    conditions = [OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.FAILED]
    if isinstance(actor, CounsellorActor):
        conditions.append(_of_counsellor(actor.counsellor_id))
    elif not isinstance(actor, SystemActor):
        raise AccessDenied("only a counsellor or the system retries a message")
    result = await session.execute(
        update(OutboxMessage)
        .where(*conditions)
        .values(status=OutboxStatus.PENDING, not_before=now, attempts=0, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def count_by_status(session: AsyncSession) -> dict[OutboxStatus, int]:
    """How many rows in each state (for the administrator and the benchmark)."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {OutboxStatus(status): int(count) for status, count in rows}
