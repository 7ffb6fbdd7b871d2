"""The beneficiary's current (or last) job, the skills they tick on it, and one small wait.

Three things are kept, all for the investigation phase's "what can I carry
elsewhere?" question:

* the job they chose from ROME's titles (an appellation id and its job sheet),
  encrypted, because which job a person holds is theirs to tell;
* the skills of that sheet they ticked: a *draft* changed at every press and
  the *ticked* set saved by "Valider", so a restart in the middle of ticking
  loses nothing and an unfinished draft never reaches the counsellor;
* whether the bot is waiting for them to type a job title, so that the text
  router knows where a typed message belongs without any state in memory.

Only the beneficiary writes these rows; they and their own counsellor read
them (the counsellor's reads are audited). Nothing here knows ROME: ids are
checked for shape here and against the job sheet by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage import audit, conversation
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    load_beneficiary_for,
)
from storage.crypto import EncryptedJSON, EncryptedText
from storage.models import Base, UTCDateTime, utcnow

# A typed job title is expected for this long after the bot asked for it; after
# that a message is no longer taken for a job title (the person has moved on, and
# their text may be meant for another flow).
JOB_TITLE_WAIT = timedelta(minutes=30)
FLOW = "job_title"
"""The conversation flow of a typed job title (:mod:`storage.conversation`)."""
# More than any ROME sheet lists (84 at most in version 60): a bound on what
# presses from strangers can make us store.
MAX_TICKED = 200

_SKILL_ID = re.compile(r"\d{1,9}")
_APPELLATION_ID = re.compile(r"\d{1,9}")
_SHEET_CODE = re.compile(r"[A-Z]\d{4}")


class CurrentJobRow(Base):
    """One row per beneficiary: the job they named and the skills they ticked on it."""

    __tablename__ = "current_jobs"

    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True
    )
    appellation_id: Mapped[str] = mapped_column(EncryptedText)
    sheet_code: Mapped[str] = mapped_column(EncryptedText)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Lists of skill ids (ROME code_ogr as strings).
    ticked_skills: Mapped[Any] = mapped_column(EncryptedJSON)
    draft_skills: Mapped[Any] = mapped_column(EncryptedJSON)
    skills_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class CurrentJob:
    beneficiary_id: int
    appellation_id: str
    sheet_code: str
    chosen_at: datetime
    ticked: tuple[str, ...]
    draft: tuple[str, ...]
    skills_saved_at: datetime | None


def _own(actor: Actor) -> BeneficiaryActor:
    """Only the beneficiary names their job and ticks their skills."""
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary edits their own job and skills")
    return actor


def _ids(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _job(row: CurrentJobRow) -> CurrentJob:
    return CurrentJob(
        row.beneficiary_id,
        row.appellation_id,
        row.sheet_code,
        row.chosen_at,
        _ids(row.ticked_skills),
        _ids(row.draft_skills),
        row.skills_saved_at,
    )


def _check(pattern: re.Pattern[str], value: str, what: str) -> None:
    if not pattern.fullmatch(value):
        raise ValueError(f"malformed {what}")


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def _locked_row(session: AsyncSession, beneficiary_id: int) -> CurrentJobRow | None:
    # FOR UPDATE on PostgreSQL; on SQLite the transaction's BEGIN IMMEDIATE already
    # holds the write lock, so two presses never both read the old draft.
    return await session.scalar(
        select(CurrentJobRow)
        .where(CurrentJobRow.beneficiary_id == beneficiary_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# --- waiting for a typed job title ---------------------------------------------------


async def start_job_title_wait(
    session: AsyncSession, actor: Actor, now: datetime | None = None
) -> None:
    """Remember that the next text this beneficiary types is a job title."""
    await conversation.begin(session, _own(actor), FLOW, lasts=JOB_TITLE_WAIT, now=now)


async def awaiting_job_title(
    session: AsyncSession, actor: Actor, now: datetime | None = None
) -> bool:
    """True while a typed text from this beneficiary should be read as a job title."""
    if not isinstance(actor, BeneficiaryActor):
        return False
    return await conversation.current(session, actor, flows=[FLOW], now=now) is not None


async def stop_job_title_wait(session: AsyncSession, actor: Actor) -> bool:
    """Stop waiting for a job title; True if the bot was waiting (expired or not)."""
    if not isinstance(actor, BeneficiaryActor):
        return False
    return await conversation.end(session, actor, flows=[FLOW]) is not None


# --- the job and its skills ----------------------------------------------------------


async def choose_job(
    session: AsyncSession,
    actor: Actor,
    appellation_id: str,
    sheet_code: str,
    now: datetime | None = None,
) -> CurrentJob:
    """Store the beneficiary's job and stop waiting for a typed title.

    Ticked skills belong to a job sheet: they are kept when the new title points
    to the same sheet (another title of the same job) and cleared otherwise.
    The draft starts from the ticked skills.
    """
    me = _own(actor)
    _check(_APPELLATION_ID, appellation_id, "appellation id")
    _check(_SHEET_CODE, sheet_code, "sheet code")
    now = now or utcnow()
    await session.execute(
        _insert(session)(CurrentJobRow)
        .values(
            beneficiary_id=me.beneficiary_id,
            appellation_id=appellation_id,
            sheet_code=sheet_code,
            chosen_at=now,
            ticked_skills=[],
            draft_skills=[],
        )
        .on_conflict_do_nothing(index_elements=[CurrentJobRow.beneficiary_id])
    )
    row = await _locked_row(session, me.beneficiary_id)
    assert row is not None
    if row.sheet_code != sheet_code:
        row.ticked_skills = []
        row.skills_saved_at = None
    row.appellation_id = appellation_id
    row.sheet_code = sheet_code
    row.chosen_at = now
    row.draft_skills = list(_ids(row.ticked_skills))
    await conversation.end(session, me, flows=[FLOW])
    await session.flush()
    return _job(row)


async def current_job(
    session: AsyncSession, actor: Actor, beneficiary_id: int
) -> CurrentJob | None:
    """The job and skills of a beneficiary, for themself or their counsellor (audited)."""
    await load_beneficiary_for(session, actor, beneficiary_id)
    row = await session.scalar(
        select(CurrentJobRow)
        .where(CurrentJobRow.beneficiary_id == beneficiary_id)
        .execution_options(populate_existing=True)
    )
    if isinstance(actor, CounsellorActor):
        await audit.record(session, actor, "read:current_job", beneficiary_id)
    return None if row is None else _job(row)


async def begin_skill_edit(session: AsyncSession, actor: Actor) -> CurrentJob:
    """Start ticking afresh from the saved skills (an abandoned draft is dropped)."""
    me = _own(actor)
    row = await _locked_row(session, me.beneficiary_id)
    if row is None:
        raise LookupError("no job chosen yet")
    row.draft_skills = list(_ids(row.ticked_skills))
    await session.flush()
    return _job(row)


async def toggle_draft_skill(session: AsyncSession, actor: Actor, skill_id: str) -> CurrentJob:
    """Tick or untick one skill of the draft.

    The caller checks that the id belongs to the job sheet (it comes from a
    button press); here it must at least look like a ROME skill id.
    """
    me = _own(actor)
    _check(_SKILL_ID, skill_id, "skill id")
    row = await _locked_row(session, me.beneficiary_id)
    if row is None:
        raise LookupError("no job chosen yet")
    draft = list(_ids(row.draft_skills))
    if skill_id in draft:
        draft.remove(skill_id)
    elif len(draft) < MAX_TICKED:
        draft.append(skill_id)
    row.draft_skills = draft
    await session.flush()
    return _job(row)


async def save_skills(
    session: AsyncSession,
    actor: Actor,
    keep_only: Iterable[str] | None = None,
    now: datetime | None = None,
) -> CurrentJob:
    """The "Valider" button: the draft becomes the ticked skills.

    ``keep_only`` (the sheet's skill ids) drops anything the sheet does not list,
    so a stale draft cannot save skills of another job.
    """
    me = _own(actor)
    row = await _locked_row(session, me.beneficiary_id)
    if row is None:
        raise LookupError("no job chosen yet")
    draft = list(_ids(row.draft_skills))
    if keep_only is not None:
        allowed = set(keep_only)
        draft = [skill for skill in draft if skill in allowed]
    row.draft_skills = draft
    row.ticked_skills = list(draft)
    row.skills_saved_at = now or utcnow()
    await session.flush()
    return _job(row)
