"""The document de synthèse: its versions, the person's review, delivery and what is kept.

The guide asks three things of the synthesis: that it be **co-written** at
conclusion, that it belong **exclusively** to the beneficiary, and that the
organisation keep a copy only with their **written agreement**, for one year.
Its life here:

``drafting``
    The counsellor generates a draft from the stored material, or sends back
    an edited file; each becomes a new *version* (the editable file and its
    PDF, both encrypted). Versions are kept until delivery.
``in_review``
    The counsellor shows the current version to the person, who comments
    (the counsellor reads the comments) or agrees. A new version sent while
    in review starts drafting again: agreement is always to one version.
``agreed``
    The person agreed to the current version; only that version can be
    delivered.
``delivered``
    The final PDF goes to the person; every other version is deleted at
    once. The bot then asks whether the organisation may keep its copy for a
    year. A refusal deletes the copy at once; an agreement keeps it until
    :data:`KEEP_FOR` after delivery; no answer within :data:`ANSWER_WINDOW`
    counts as a refusal, and the daily purge deletes the copy.

The answer is kept with its date and the fingerprint (SHA-256) of the
delivered PDF: that is the *signed-by-tap* record the person also receives.
What stays after the copy is deleted is that record and the dates, never the
document.

Who may do what, checked on every call (ids from buttons are input from
strangers): the person's own counsellor writes versions, reads them (every
generation, upload, download, delivery and comment reading is audited),
and delivers; the person reads the version under review and the delivered
one, comments, agrees, and answers the retention question. Nobody else.
"""

from __future__ import annotations

import enum
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, QueryableAttribute, defer, mapped_column

from storage import audit, conversation, outbox
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    SystemActor,
    load_beneficiary_for,
)
from storage.crypto import EncryptedBytes, EncryptedText
from storage.indicators import Ids, register_source
from storage.models import (
    NEVER_REUSED,
    Base,
    Beneficiary,
    BeneficiaryStatus,
    Phase,
    UTCDateTime,
    string_enum,
    utcnow,
)
from storage.outbox import OutboxMessage, OutboxStatus, Recipient
from storage.rights import (
    PurgeKind,
    Record,
    mark_synthesis_asked,
    record_synthesis_agreement,
    register_collector,
    register_purge_step,
)

# The messages each step sets off, queued by the step itself and rendered by the bot.
REVIEW_KIND = "synthesis_review"
"""To the person: the version to read, comment on or agree to."""
FINAL_KIND = "synthesis_final"
"""To the person: the final PDF."""
RETENTION_KIND = "synthesis_retention"
"""To the person: may the organisation keep a copy? (after the final PDF)"""
COMMENT_KIND = "synthesis_comment"
"""To the counsellor: the person's comment."""
AGREED_KIND = "synthesis_agreed"
"""To the counsellor: the person agreed to a version."""
RETENTION_ANSWERED_KIND = "synthesis_retention_answered"
"""To the counsellor: the person's answer on keeping the copy."""
QUESTION_DELAY = timedelta(seconds=10)
"""The retention question follows the final document, as a message of its own."""
KEEP_FOR = timedelta(days=365)
ANSWER_WINDOW = timedelta(days=7)
COMMENT_MAX = 2000
WAIT = timedelta(minutes=30)
FLOW = "synthesis"
"""The conversation flow of a typed comment or a sent file (:mod:`storage.conversation`)."""
MAX_VERSIONS = 30
"""More than a bilan needs; a bound on what repeated presses can make us store."""
DRAFTING_PHASES = (Phase.CONCLUSION, Phase.SUIVI)

Origin = Literal["draft", "upload"]
EditableFormat = Literal["docx", "odt"]
WaitPurpose = Literal["comment", "upload"]


class SynthesisState(enum.StrEnum):
    DRAFTING = "drafting"
    IN_REVIEW = "in_review"
    AGREED = "agreed"
    DELIVERED = "delivered"


class SynthesisRefused(Exception):
    """Not possible in this state; ``reason`` is a short code, never content."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SynthesisRow(Base):
    """One per beneficiary: where their synthesis stands, and the retention record."""

    __tablename__ = "syntheses"

    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[SynthesisState] = mapped_column(
        string_enum(SynthesisState, "synthesis_state"), default=SynthesisState.DRAFTING
    )
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    review_version: Mapped[int | None] = mapped_column(Integer)
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agreed_version: Mapped[int | None] = mapped_column(Integer)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_version: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_sha256: Mapped[str | None] = mapped_column(String(64))
    retention_agreed: Mapped[bool | None]
    retention_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    keep_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    copy_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SynthesisVersion(Base):
    """One version: the editable file and its PDF, both encrypted."""

    __tablename__ = "synthesis_versions"
    __table_args__ = (UniqueConstraint("beneficiary_id", "number"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    origin: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    editable_format: Mapped[str] = mapped_column(String(4))
    editable: Mapped[bytes] = mapped_column(EncryptedBytes)
    pdf: Mapped[bytes] = mapped_column(EncryptedBytes)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int]
    to_write: Mapped[int] = mapped_column(Integer, default=0)
    """Passages still marked "to write" in this version (the counsellor is warned)."""


class SynthesisComment(Base):
    __tablename__ = "synthesis_comments"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- what callers see ------------------------------------------------------------------


@dataclass(frozen=True)
class VersionInfo:
    number: int
    origin: str
    created_at: datetime
    pages: int
    to_write: int
    editable_format: str


@dataclass(frozen=True)
class VersionFiles:
    info: VersionInfo
    editable: bytes
    pdf: bytes


@dataclass(frozen=True)
class Status:
    """Where a synthesis stands: dates and numbers only, no content."""

    beneficiary_id: int
    state: SynthesisState
    current: VersionInfo | None
    versions: int
    review_version: int | None
    agreed_version: int | None
    agreed_at: datetime | None
    comments: int
    delivered_at: datetime | None
    delivered_sha256: str | None
    retention_agreed: bool | None
    retention_answered_at: datetime | None
    keep_until: datetime | None
    copy_deleted_at: datetime | None


@dataclass(frozen=True)
class Comment:
    id: int
    version: int
    text: str
    created_at: datetime


@dataclass(frozen=True)
class RetentionRecord:
    """The person's answer, as the signed-by-tap record prints it."""

    agreed: bool
    answered_at: datetime
    delivered_at: datetime | None
    delivered_sha256: str | None
    keep_until: datetime | None
    copy_deleted: bool


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _info(row: SynthesisVersion) -> VersionInfo:
    return VersionInfo(
        row.number, row.origin, row.created_at, row.pages, row.to_write, row.editable_format
    )


def _counsellor(actor: Actor) -> CounsellorActor:
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only the counsellor writes and delivers the synthesis")
    return actor


def _own(actor: Actor) -> BeneficiaryActor:
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary answers for their synthesis")
    return actor


async def _row(session: AsyncSession, beneficiary_id: int) -> SynthesisRow | None:
    return await session.scalar(
        select(SynthesisRow)
        .where(SynthesisRow.beneficiary_id == beneficiary_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _started_row(session: AsyncSession, beneficiary_id: int) -> SynthesisRow:
    """The synthesis row, locked, once a first version exists; else ``no_version``."""
    row = await _row(session, beneficiary_id)
    if row is None or row.current_version == 0:
        raise SynthesisRefused("no_version")
    return row


async def _version(
    session: AsyncSession, beneficiary_id: int, number: int, *, files: bool = False
) -> SynthesisVersion | None:
    """One version; its two files are read (and decrypted) only when ``files`` asks.

    A status, a card line or a delivery needs the version's facts, not the
    hundred-odd kilobytes of documents behind them.
    """
    query = select(SynthesisVersion).where(
        SynthesisVersion.beneficiary_id == beneficiary_id, SynthesisVersion.number == number
    )
    if not files:
        query = query.options(
            defer(SynthesisVersion.editable, raiseload=True),
            defer(SynthesisVersion.pdf, raiseload=True),
        )
    return await session.scalar(query)


async def _active(session: AsyncSession, actor: Actor, beneficiary_id: int) -> Beneficiary:
    person = await load_beneficiary_for(session, actor, beneficiary_id)
    if person.status != BeneficiaryStatus.ACTIVE:
        raise SynthesisRefused("not_active")
    return person


# --- the counsellor's side -----------------------------------------------------------------


async def add_version(
    session: AsyncSession,
    actor: Actor,
    beneficiary_id: int,
    *,
    origin: Origin,
    editable: bytes,
    editable_format: EditableFormat,
    pdf: bytes,
    pages: int,
    to_write: int,
    now: datetime | None = None,
) -> VersionInfo:
    """A generated draft or an edited file becomes the current version (audited).

    Possible in the conclusion phase (and during follow-up, for a synthesis
    finished late), never after delivery.
    """
    counsellor = _counsellor(actor)
    person = await _active(session, counsellor, beneficiary_id)
    if person.phase not in DRAFTING_PHASES:
        raise SynthesisRefused("not_in_conclusion")
    now = now or utcnow()
    row = await _row(session, beneficiary_id)
    if row is None:
        row = SynthesisRow(beneficiary_id=beneficiary_id, current_version=0, updated_at=now)
        session.add(row)
    if row.state == SynthesisState.DELIVERED:
        raise SynthesisRefused("delivered")
    if row.current_version >= MAX_VERSIONS:
        raise SynthesisRefused("too_many_versions")
    row.current_version += 1
    row.state = SynthesisState.DRAFTING
    row.review_version = None
    row.agreed_version = None
    row.agreed_at = None
    row.updated_at = now
    version = SynthesisVersion(
        beneficiary_id=beneficiary_id,
        number=row.current_version,
        origin=origin,
        created_at=now,
        editable_format=editable_format,
        editable=editable,
        pdf=pdf,
        pdf_sha256=sha256(pdf),
        pages=pages,
        to_write=to_write,
    )
    session.add(version)
    await conversation.end_about(session, beneficiary_id, flows=[FLOW])
    action = "synthesis:generate" if origin == "draft" else "synthesis:upload"
    await audit.record(session, counsellor, action, beneficiary_id)
    await session.flush()
    return _info(version)


async def version_files(
    session: AsyncSession, actor: Actor, beneficiary_id: int, number: int | None = None
) -> VersionFiles:
    """A version's files for the counsellor (audited): the current one unless ``number``."""
    counsellor = _counsellor(actor)
    await load_beneficiary_for(session, counsellor, beneficiary_id)
    row = await _started_row(session, beneficiary_id)
    if row.copy_deleted_at is not None:
        # Not "no version yet": an old "Files" button must say why nothing is left.
        refused = row.retention_agreed is False
        raise SynthesisRefused("copy_erased_on_request" if refused else "copy_erased_retention")
    version = await _version(session, beneficiary_id, number or row.current_version, files=True)
    if version is None:
        raise SynthesisRefused("no_version")
    await audit.record(session, counsellor, "synthesis:download", beneficiary_id)
    return VersionFiles(_info(version), version.editable, version.pdf)


async def request_review(
    session: AsyncSession, actor: Actor, beneficiary_id: int, now: datetime | None = None
) -> VersionInfo:
    """Show the current version to the person, and queue it for them.

    Once per version: showing the same version again changes nothing the
    person receives; a new version, shown, is a new message.
    """
    counsellor = _counsellor(actor)
    await _active(session, counsellor, beneficiary_id)
    row = await _started_row(session, beneficiary_id)
    if row.state == SynthesisState.DELIVERED:
        raise SynthesisRefused("delivered")
    if row.state == SynthesisState.AGREED:
        raise SynthesisRefused("already_agreed")
    version = await _version(session, beneficiary_id, row.current_version)
    assert version is not None
    now = now or utcnow()
    row.state = SynthesisState.IN_REVIEW
    row.review_version = row.current_version
    row.review_requested_at = now
    row.updated_at = now
    await audit.record(session, counsellor, "synthesis:review", beneficiary_id)
    await outbox.enqueue(
        session,
        kind=REVIEW_KIND,
        recipient=Recipient.beneficiary(beneficiary_id),
        due_at=now,
        dedupe_key=f"synthesis-review:{beneficiary_id}:{version.number}",
        payload={"version": version.number},
        now=now,
    )
    await session.flush()
    return _info(version)


async def read_comments(session: AsyncSession, actor: Actor, beneficiary_id: int) -> list[Comment]:
    """The person's comments, oldest first: for them, and their counsellor (audited)."""
    await load_beneficiary_for(session, actor, beneficiary_id)
    if isinstance(actor, SystemActor):
        raise AccessDenied("the system does not read comments")
    rows = await session.scalars(
        select(SynthesisComment)
        .where(SynthesisComment.beneficiary_id == beneficiary_id)
        .order_by(SynthesisComment.created_at, SynthesisComment.id)
    )
    if isinstance(actor, CounsellorActor):
        await audit.record(session, actor, "read:synthesis_comments", beneficiary_id)
    return [Comment(r.id, r.version, r.text, r.created_at) for r in rows]


async def read_comment(session: AsyncSession, actor: Actor, comment_id: int) -> Comment:
    """One comment, for the message that tells the counsellor about it (audited)."""
    row = await session.get(SynthesisComment, comment_id)
    if row is None:
        raise AccessDenied(f"no comment {comment_id} for this actor")
    await load_beneficiary_for(session, actor, row.beneficiary_id)
    if isinstance(actor, CounsellorActor):
        await audit.record(session, actor, "read:synthesis_comments", row.beneficiary_id)
    return Comment(row.id, row.version, row.text, row.created_at)


@dataclass(frozen=True)
class AgreedVersion:
    """The version the person agreed to, as the counsellor is about to deliver it."""

    info: VersionInfo
    editable: bytes


async def agreed_version(session: AsyncSession, actor: Actor, beneficiary_id: int) -> AgreedVersion:
    """The agreed version and its editable file, from which the final PDF is made.

    Not audited on its own: the delivery that follows is.
    """
    counsellor = _counsellor(actor)
    await _active(session, counsellor, beneficiary_id)
    row = await _started_row(session, beneficiary_id)
    if row.state == SynthesisState.DELIVERED:
        raise SynthesisRefused("delivered")
    if row.state != SynthesisState.AGREED or row.agreed_version != row.current_version:
        raise SynthesisRefused("not_agreed")
    version = await _version(session, beneficiary_id, row.current_version, files=True)
    assert version is not None
    return AgreedVersion(_info(version), version.editable)


@dataclass(frozen=True)
class FinalPdf:
    """The final document made from agreed version ``number`` (no working marks)."""

    number: int
    pdf: bytes
    pages: int


async def deliver(
    session: AsyncSession,
    actor: Actor,
    beneficiary_id: int,
    now: datetime | None = None,
    final_pdf: FinalPdf | None = None,
) -> VersionInfo:
    """The agreed version becomes final; every other version is deleted (audited).

    ``final_pdf``, made from the agreed version, replaces its working PDF:
    that is the document the person receives and whose fingerprint is kept.
    Refused if another version was agreed since it was made. Queues the
    final PDF to the person, then the retention question (noted as asked):
    a synthesis is delivered once, so these are keyed by the version.
    """
    counsellor = _counsellor(actor)
    await _active(session, counsellor, beneficiary_id)
    row = await _started_row(session, beneficiary_id)
    if row.state == SynthesisState.DELIVERED:
        raise SynthesisRefused("delivered")
    if row.state != SynthesisState.AGREED or row.agreed_version != row.current_version:
        raise SynthesisRefused("not_agreed")
    if final_pdf is not None and final_pdf.number != row.current_version:
        raise SynthesisRefused("not_agreed")
    final = await _version(session, beneficiary_id, row.current_version, files=True)
    assert final is not None
    if final_pdf is not None:
        final.pdf = final_pdf.pdf
        final.pdf_sha256 = sha256(final_pdf.pdf)
        final.pages = final_pdf.pages
    now = now or utcnow()
    row.state = SynthesisState.DELIVERED
    row.delivered_version = final.number
    row.delivered_at = now
    row.delivered_sha256 = final.pdf_sha256
    row.updated_at = now
    await session.execute(
        delete(SynthesisVersion).where(
            SynthesisVersion.beneficiary_id == beneficiary_id,
            SynthesisVersion.number != final.number,
        )
    )
    await conversation.end_about(session, beneficiary_id, flows=[FLOW])
    await audit.record(session, counsellor, "synthesis:deliver", beneficiary_id)
    person = Recipient.beneficiary(beneficiary_id)
    await outbox.enqueue(
        session,
        kind=FINAL_KIND,
        recipient=person,
        due_at=now,
        dedupe_key=f"synthesis-final:{beneficiary_id}:{final.number}",
        payload={"version": final.number},
        now=now,
    )
    await mark_synthesis_asked(session, counsellor, beneficiary_id, now)
    await outbox.enqueue(
        session,
        kind=RETENTION_KIND,
        recipient=person,
        due_at=now + QUESTION_DELAY,
        dedupe_key=f"synthesis-retention:{beneficiary_id}:{final.number}",
        payload={},
        now=now,
    )
    await session.flush()
    return _info(final)


# --- both sides ----------------------------------------------------------------------------


async def status(session: AsyncSession, actor: Actor, beneficiary_id: int) -> Status | None:
    """Where the synthesis stands (no content), for the person or their counsellor."""
    await load_beneficiary_for(session, actor, beneficiary_id)
    row = await session.get(SynthesisRow, beneficiary_id, populate_existing=True)
    if row is None:
        return None
    current = await _version(session, beneficiary_id, row.current_version)
    versions = await session.scalar(
        select(func.count())
        .select_from(SynthesisVersion)
        .where(SynthesisVersion.beneficiary_id == beneficiary_id)
    )
    comments = await session.scalar(
        select(func.count())
        .select_from(SynthesisComment)
        .where(SynthesisComment.beneficiary_id == beneficiary_id)
    )
    return Status(
        beneficiary_id,
        row.state,
        None if current is None else _info(current),
        int(versions or 0),
        row.review_version,
        row.agreed_version,
        row.agreed_at,
        int(comments or 0),
        row.delivered_at,
        row.delivered_sha256,
        row.retention_agreed,
        row.retention_answered_at,
        row.keep_until,
        row.copy_deleted_at,
    )


# --- the person's side -------------------------------------------------------------------


async def person_copy(
    session: AsyncSession, actor: Actor, which: Literal["review", "final"]
) -> tuple[int, bytes] | None:
    """The PDF the person may read: the version under review, or the delivered one.

    None when there is no such version (any more): a new version replaced
    the one under review, or the organisation's copy was deleted.
    """
    me = _own(actor)
    row = await session.get(SynthesisRow, me.beneficiary_id, populate_existing=True)
    if row is None:
        return None
    if which == "review":
        if row.state != SynthesisState.IN_REVIEW or row.review_version is None:
            return None
        number = row.review_version
    else:
        if row.state != SynthesisState.DELIVERED or row.delivered_version is None:
            return None
        number = row.delivered_version
    pdf = await session.scalar(
        select(SynthesisVersion.pdf).where(
            SynthesisVersion.beneficiary_id == me.beneficiary_id,
            SynthesisVersion.number == number,
        )
    )
    return None if pdf is None else (number, pdf)


async def _review_row(
    session: AsyncSession, me: BeneficiaryActor, version: int
) -> tuple[SynthesisRow, Recipient]:
    """The synthesis under review at ``version``, and the person's counsellor."""
    person = await session.get(Beneficiary, me.beneficiary_id, populate_existing=True)
    if person is None or person.status != BeneficiaryStatus.ACTIVE:
        raise SynthesisRefused("not_active")
    row = await _row(session, me.beneficiary_id)
    if row is None or row.state != SynthesisState.IN_REVIEW or row.review_version != version:
        raise SynthesisRefused("not_in_review")
    return row, Recipient.counsellor(person.counsellor_id)


async def add_comment(
    session: AsyncSession, actor: Actor, version: int, text: str, now: datetime | None = None
) -> int:
    """The person's comment on the version under review, queued for their counsellor.

    Returns its id, which keys the counsellor's message: one per comment.
    """
    me = _own(actor)
    cleaned = text.strip()
    if not cleaned:
        raise SynthesisRefused("empty")
    if len(cleaned) > COMMENT_MAX:
        raise SynthesisRefused("too_long")
    _state, counsellor = await _review_row(session, me, version)
    now = now or utcnow()
    comment = SynthesisComment(
        beneficiary_id=me.beneficiary_id,
        version=version,
        text=cleaned,
        created_at=now,
    )
    session.add(comment)
    await conversation.end(session, me, flows=[FLOW])
    await session.flush()
    await outbox.enqueue(
        session,
        kind=COMMENT_KIND,
        recipient=counsellor,
        due_at=now,
        dedupe_key=f"synthesis-comment:{comment.id}",
        payload={"comment": comment.id},
        beneficiary_id=me.beneficiary_id,
        now=now,
    )
    return comment.id


async def agree(
    session: AsyncSession, actor: Actor, version: int, now: datetime | None = None
) -> None:
    """The person agrees to the version under review (and only to that one).

    Their counsellor is told; a version is agreed to once, so the message is
    keyed by it.
    """
    me = _own(actor)
    row, counsellor = await _review_row(session, me, version)
    now = now or utcnow()
    row.state = SynthesisState.AGREED
    row.agreed_version = version
    row.agreed_at = now
    row.updated_at = now
    await conversation.end(session, me, flows=[FLOW])
    await outbox.enqueue(
        session,
        kind=AGREED_KIND,
        recipient=counsellor,
        due_at=now,
        dedupe_key=f"synthesis-agreed:{me.beneficiary_id}:{version}",
        payload={"version": version},
        beneficiary_id=me.beneficiary_id,
        now=now,
    )
    await session.flush()


async def answer_retention(
    session: AsyncSession, actor: Actor, agreed: bool, now: datetime | None = None
) -> RetentionRecord:
    """The person's written answer: may the organisation keep its copy for a year?

    Recorded with its date (and in the data-rights record, which governs the
    rest of the dossier). A refusal deletes the organisation's copy at once;
    the person keeps theirs. They may change their answer later; once the
    copy is deleted, agreeing again cannot bring it back.

    After delivery, the counsellor is told of each answer that changes
    something (the first, or a change of mind), keyed by its audit event; the
    same answer given again tells them nothing new.
    """
    me = _own(actor)
    now = now or utcnow()
    await record_synthesis_agreement(session, me, agreed, now)
    row = await _row(session, me.beneficiary_id)
    if row is None or row.state != SynthesisState.DELIVERED:
        return RetentionRecord(agreed, now, None, None, None, False)
    if row.retention_answered_at is None or row.retention_agreed != agreed:
        event = await audit.record_event(session, me, "synthesis:retention", me.beneficiary_id)
        person = await load_beneficiary_for(session, me, me.beneficiary_id)
        await outbox.enqueue(
            session,
            kind=RETENTION_ANSWERED_KIND,
            recipient=Recipient.counsellor(person.counsellor_id),
            due_at=now,
            dedupe_key=f"synthesis-kept:{me.beneficiary_id}:{event}",
            payload={"agreed": agreed},
            beneficiary_id=me.beneficiary_id,
            now=now,
        )
    row.retention_agreed = agreed
    row.retention_answered_at = now
    if agreed and row.copy_deleted_at is None:
        assert row.delivered_at is not None
        row.keep_until = row.delivered_at + KEEP_FOR
    else:
        row.keep_until = None
        if not await _final_on_its_way(session, me.beneficiary_id):
            await _delete_copy(session, row, now)
    await session.flush()
    return RetentionRecord(
        agreed,
        now,
        row.delivered_at,
        row.delivered_sha256,
        row.keep_until,
        row.copy_deleted_at is not None,
    )


def _final_pending(beneficiary_id: QueryableAttribute[int] | int) -> ColumnElement[bool]:
    """The final PDF is still in the outbox for this person (held, due, being sent).

    Its message is made from the organisation's copy when it is sent: erasing
    the copy before would lose the person's own document for good. So a
    refusal given before it left (in ``/mesdonnees`` during quiet hours, or
    while the person had blocked the bot) waits for it, and the purge erases
    the copy once it has gone.
    """
    return (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.kind == FINAL_KIND,
            OutboxMessage.beneficiary_id == beneficiary_id,
            OutboxMessage.status.in_(
                [OutboxStatus.PENDING, OutboxStatus.HELD, OutboxStatus.CLAIMED]
            ),
        )
        .exists()
    )


async def _final_on_its_way(session: AsyncSession, beneficiary_id: int) -> bool:
    return bool(await session.scalar(select(_final_pending(beneficiary_id))))


async def _delete_copy(session: AsyncSession, row: SynthesisRow, now: datetime) -> None:
    """Delete every version and comment; the dates and the fingerprint stay."""
    for table in (SynthesisVersion, SynthesisComment):
        await session.execute(delete(table).where(table.beneficiary_id == row.beneficiary_id))
    await conversation.end_about(session, row.beneficiary_id, flows=[FLOW])
    if row.copy_deleted_at is None:
        row.copy_deleted_at = now


# --- waiting for a comment or a file ------------------------------------------------------


async def start_wait(
    session: AsyncSession,
    actor: Actor,
    beneficiary_id: int,
    purpose: WaitPurpose,
    now: datetime | None = None,
) -> int:
    """The next comment (person) or document (counsellor) belongs to this synthesis.

    Returns the version it is about. The state is checked now and again when
    the text or file arrives.
    """
    if isinstance(actor, SystemActor):
        raise AccessDenied("the system does not wait for input")
    if purpose == "comment":
        me = _own(actor)
        if me.beneficiary_id != beneficiary_id:
            raise AccessDenied("a person comments on their own synthesis")
        row = await session.get(SynthesisRow, beneficiary_id, populate_existing=True)
        if row is None or row.state != SynthesisState.IN_REVIEW or row.review_version is None:
            raise SynthesisRefused("not_in_review")
        version = row.review_version
    else:
        counsellor = _counsellor(actor)
        person = await _active(session, counsellor, beneficiary_id)
        if person.phase not in DRAFTING_PHASES:
            raise SynthesisRefused("not_in_conclusion")
        row = await session.get(SynthesisRow, beneficiary_id, populate_existing=True)
        if row is not None and row.state == SynthesisState.DELIVERED:
            raise SynthesisRefused("delivered")
        version = 0 if row is None else row.current_version
    await conversation.begin(
        session,
        actor,
        FLOW,
        purpose,
        {"version": version},
        lasts=WAIT,
        beneficiary_id=beneficiary_id,
        now=now,
    )
    return version


@dataclass(frozen=True)
class Waiting:
    beneficiary_id: int
    purpose: str
    version: int


async def waiting(
    session: AsyncSession, actor: Actor, now: datetime | None = None
) -> Waiting | None:
    """What the bot waits for from this person, if anything and not lapsed."""
    if isinstance(actor, SystemActor):
        return None
    wait = await conversation.current(session, actor, flows=[FLOW], now=now)
    return waiting_of(wait) if wait is not None else None


def waiting_of(wait: conversation.Wait) -> Waiting | None:
    """What a synthesis wait already read (with the caller) waits for; None if about no bilan."""
    if wait.flow != FLOW or wait.beneficiary_id is None:
        return None
    version = wait.payload.get("version")
    return Waiting(wait.beneficiary_id, wait.step, version if isinstance(version, int) else 0)


async def stop_wait(session: AsyncSession, actor: Actor) -> bool:
    """Stop waiting (``/annuler``); True if the bot was waiting."""
    if isinstance(actor, SystemActor):
        return False
    return await conversation.end(session, actor, flows=[FLOW]) is not None


# --- retention ---------------------------------------------------------------------------


async def copies_due(session: AsyncSession, now: datetime) -> list[int]:
    """Delivered syntheses whose organisation copy must go now.

    Kept past their year, refused while the final PDF was still on its way
    (a refusal otherwise deletes at once), or never agreed to within
    :data:`ANSWER_WINDOW` of delivery; never while the final PDF is still to
    be sent from it.
    """
    rows = await session.execute(
        select(SynthesisRow.beneficiary_id).where(
            SynthesisRow.state == SynthesisState.DELIVERED,
            SynthesisRow.copy_deleted_at.is_(None),
            ~_final_pending(SynthesisRow.beneficiary_id),
            (
                (SynthesisRow.keep_until.is_not(None) & (SynthesisRow.keep_until <= now))
                | SynthesisRow.retention_agreed.is_(False)
                | (
                    SynthesisRow.retention_agreed.is_not(True)
                    & (SynthesisRow.delivered_at <= now - ANSWER_WINDOW)
                )
            ),
        )
    )
    return [beneficiary_id for (beneficiary_id,) in rows]


async def delete_copies(
    session: AsyncSession, beneficiary_ids: Sequence[int], now: datetime
) -> int:
    deleted = 0
    for beneficiary_id in beneficiary_ids:
        row = await _row(session, beneficiary_id)
        if row is not None and row.copy_deleted_at is None:
            await _delete_copy(session, row, now)
            deleted += 1
    await session.flush()
    return deleted


register_purge_step(PurgeKind.SYNTHESIS_COPIES, due=copies_due, remove=delete_copies)


# --- the person's export -----------------------------------------------------------------


@register_collector(
    "synthesis",
    tables=("syntheses", "synthesis_versions", "synthesis_comments"),
)
async def _collect(session: AsyncSession, beneficiary_id: int) -> list[Record]:
    """Where the synthesis stands, each version's facts and the person's comments.

    The documents themselves are not copied into the export: the person
    received the final one, and reads a version under review in the chat.
    """
    row = await session.get(SynthesisRow, beneficiary_id)
    if row is None:
        return []

    def iso(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    versions = await session.execute(
        select(
            SynthesisVersion.number,
            SynthesisVersion.origin,
            SynthesisVersion.created_at,
            SynthesisVersion.pages,
            SynthesisVersion.pdf_sha256,
        )
        .where(SynthesisVersion.beneficiary_id == beneficiary_id)
        .order_by(SynthesisVersion.number)
    )
    comments = await session.scalars(
        select(SynthesisComment)
        .where(SynthesisComment.beneficiary_id == beneficiary_id)
        .order_by(SynthesisComment.created_at, SynthesisComment.id)
    )
    return [
        Record(
            row.updated_at,
            row.state.value,
            {
                "state": row.state.value,
                "versions": [
                    {
                        "number": number,
                        "origin": origin,
                        "created_at": iso(created_at),
                        "pages": pages,
                        "pdf_sha256": digest,
                    }
                    for number, origin, created_at, pages, digest in versions
                ],
                "comments": [
                    {"version": c.version, "text": c.text, "at": iso(c.created_at)}
                    for c in comments
                ],
                "agreed_version": row.agreed_version,
                "agreed_at": iso(row.agreed_at),
                "delivered_at": iso(row.delivered_at),
                "delivered_pdf_sha256": row.delivered_sha256,
                "retention_agreed": row.retention_agreed,
                "retention_answered_at": iso(row.retention_answered_at),
                "kept_until": iso(row.keep_until),
                "copy_deleted_at": iso(row.copy_deleted_at),
            },
        )
    ]


# --- anonymous indicators ----------------------------------------------------------------


@register_source("synthesis")
async def _indicators(session: AsyncSession, ids: Ids) -> Counter[str]:
    """Syntheses delivered, and how many people agreed to a copy being kept (counts only)."""
    rows = await session.execute(
        select(SynthesisRow.retention_agreed).where(
            SynthesisRow.beneficiary_id.in_(ids), SynthesisRow.delivered_at.is_not(None)
        )
    )
    counts: Counter[str] = Counter()
    for (agreed,) in rows:
        counts["synthesis:delivered"] += 1
        counts["synthesis:kept"] += agreed is True
    return counts
