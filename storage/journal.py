"""The beneficiary's journal: free notes between sessions, private unless they share one.

Each entry is the beneficiary's own. It is private when written; they may
let their counsellor read it, and take that back, one entry at a time. The
counsellor reads only the shared entries of their own beneficiaries, and
every such reading is audited. Nobody else reads any entry: the door is
:func:`storage.actors.load_beneficiary_for`, and a forged entry id behaves
like an unknown one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage import audit
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    load_beneficiary_for,
)
from storage.crypto import EncryptedText
from storage.models import NEVER_REUSED, Base, Beneficiary, UTCDateTime, utcnow

# As long as one Telegram message (4,096 characters): a note is typed in one message,
# so a full message must fit. (A character here is a code point, never more than
# Telegram's UTF-16 count, so anything Telegram delivered fits.)
MAX_ENTRY = 4096


class EntryRefused(Exception):
    """An entry that cannot be kept: ``reason`` is ``empty`` or ``too_long``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JournalEntry(Base):
    __tablename__ = "journal_entries"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(EncryptedText)
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Entry:
    id: int
    beneficiary_id: int
    text: str
    shared: bool
    created_at: datetime
    updated_at: datetime


def _entry(row: JournalEntry) -> Entry:
    return Entry(row.id, row.beneficiary_id, row.text, row.shared, row.created_at, row.updated_at)


def _own(actor: Actor) -> BeneficiaryActor:
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary writes and manages their journal")
    return actor


async def _own_row(session: AsyncSession, actor: Actor, entry_id: int) -> JournalEntry:
    me = _own(actor)
    row = await session.get(JournalEntry, entry_id, populate_existing=True)
    if row is None or row.beneficiary_id != me.beneficiary_id:
        raise AccessDenied(f"journal entry {entry_id} is not reachable")
    return row


async def add_entry(
    session: AsyncSession, actor: Actor, text: str, *, now: datetime | None = None
) -> Entry:
    """A new entry, private until its author shares it."""
    me = _own(actor)
    text = text.strip()
    if not text:
        raise EntryRefused("empty")
    if len(text) > MAX_ENTRY:
        raise EntryRefused("too_long")
    now = now or utcnow()
    row = JournalEntry(
        beneficiary_id=me.beneficiary_id, text=text, shared=False, created_at=now, updated_at=now
    )
    session.add(row)
    await session.flush()
    return _entry(row)


async def own_entry(session: AsyncSession, actor: Actor, entry_id: int) -> Entry:
    return _entry(await _own_row(session, actor, entry_id))


async def own_entries(
    session: AsyncSession, actor: Actor, *, offset: int = 0, limit: int = 10
) -> list[Entry]:
    """The beneficiary's entries, newest first."""
    me = _own(actor)
    rows = await session.scalars(
        select(JournalEntry)
        .where(JournalEntry.beneficiary_id == me.beneficiary_id)
        .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc())
        .offset(max(offset, 0))
        .limit(limit)
    )
    return [_entry(r) for r in rows]


async def count_own_entries(session: AsyncSession, actor: Actor) -> int:
    me = _own(actor)
    count = await session.scalar(
        select(func.count())
        .select_from(JournalEntry)
        .where(JournalEntry.beneficiary_id == me.beneficiary_id)
    )
    return int(count or 0)


async def set_shared(
    session: AsyncSession,
    actor: Actor,
    entry_id: int,
    shared: bool,
    *,
    now: datetime | None = None,
) -> Entry:
    """The author lets their counsellor read this entry, or takes it back."""
    row = await _own_row(session, actor, entry_id)
    row.shared = shared
    row.updated_at = now or utcnow()
    await session.flush()
    return _entry(row)


async def delete_entry(session: AsyncSession, actor: Actor, entry_id: int) -> None:
    """The author erases one entry for good."""
    row = await _own_row(session, actor, entry_id)
    await session.execute(
        delete(JournalEntry)
        .where(JournalEntry.id == row.id)
        .execution_options(synchronize_session=False)
    )


async def shared_entries(
    session: AsyncSession, counsellor_actor: Actor, beneficiary_id: int, *, limit: int = 50
) -> list[Entry]:
    """What one of the counsellor's beneficiaries chose to share, newest first; audited."""
    if not isinstance(counsellor_actor, CounsellorActor):
        raise AccessDenied("only the counsellor reads shared journal entries")
    await load_beneficiary_for(session, counsellor_actor, beneficiary_id)
    rows = await session.scalars(
        select(JournalEntry)
        .where(JournalEntry.beneficiary_id == beneficiary_id, JournalEntry.shared)
        .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc())
        .limit(limit)
    )
    found = [_entry(r) for r in rows]
    await audit.record(session, counsellor_actor, "journal.read_shared", beneficiary_id)
    return found


async def shared_counts(session: AsyncSession, counsellor_actor: Actor) -> dict[int, int]:
    """Per beneficiary of this counsellor, how many entries are shared (no content)."""
    if not isinstance(counsellor_actor, CounsellorActor):
        raise AccessDenied("only a counsellor counts shared entries")
    rows = await session.execute(
        select(JournalEntry.beneficiary_id, func.count())
        .join(Beneficiary, Beneficiary.id == JournalEntry.beneficiary_id)
        .where(Beneficiary.counsellor_id == counsellor_actor.counsellor_id, JournalEntry.shared)
        .group_by(JournalEntry.beneficiary_id)
    )
    return {beneficiary_id: int(count) for beneficiary_id, count in rows}
