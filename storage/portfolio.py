"""The skills portfolio (*portefeuille de compétences*): its rows and who may touch them.

One row per skill of a beneficiary, whatever its source: gathered from the
dossier auto-bilan or from the ROME skills they ticked (``source`` "dossier"
or "rome", kept in step by :func:`sync_gathered`), or added by hand ("own").
On each the person may set a self-rated level, one piece of evidence (an
experience or a réussite of their dossier, snapshotted verbatim, or a
sentence they type) and a star: "carry this into my project", which the
synthesis reads.

A gathered skill the person does not want is *hidden*, not deleted, or the
next gathering would bring it back; a skill added by hand is deleted.

Who may do what, checked on every call (ids from buttons are input from
strangers):

=====================  ===================  ===============================
                       beneficiary          their own counsellor
=====================  ===================  ===============================
read the portfolio     yes                  yes (audited ``read:portfolio``)
anything else          yes                  no
=====================  ===================  ===============================

Labels, evidence texts and the source references of gathered skills (which
hold a folded label) are encrypted. A gathering therefore matches rows in
Python, not in SQL: a portfolio is at most a few hundred rows.

Typing a label or a sentence takes a message: what the bot waits for is a
the person's conversation state (:mod:`storage.conversation`), lapsing after
:data:`INPUT_WAIT`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ForeignKey, String, func, select
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
from storage.crypto import EncryptedText
from storage.models import NEVER_REUSED, Base, Beneficiary, BeneficiaryStatus, UTCDateTime, utcnow
from storage.rights import Record, register_collector

if TYPE_CHECKING:
    from dialogues.portfolio import GatheredSkill

LABEL_MIN = 2
LABEL_MAX = 150
EVIDENCE_MAX = 500
"""A typed sentence; a snapshot of a dossier answer may be longer (:data:`SNAPSHOT_MAX`)."""
SNAPSHOT_MAX = 4000
MAX_OWN = 60
MAX_GATHERED = 400
"""More than a dossier and a ROME sheet give: a bound on what one gathering stores."""
INPUT_WAIT = timedelta(minutes=30)
FLOW = "portfolio"
"""The conversation flow of a typed skill or sentence (:mod:`storage.conversation`)."""

KINDS = ("savoir_faire", "savoir_etre")
SOURCES = ("dossier", "rome", "own")
GATHERED_SOURCES = ("dossier", "rome")
_EVIDENCE_REF = {
    "experience": re.compile(r"exp_poste#\d{1,2}"),
    "achievement": re.compile(r"reussite_[1-9]"),
}


class Level(enum.StrEnum):
    DEBUTANT = "debutant"
    AUTONOME = "autonome"
    EXPERT = "expert"


LEVELS: tuple[str, ...] = tuple(level.value for level in Level)
EvidenceSource = Literal["experience", "achievement", "own"]
WaitFor = Literal["label", "evidence"]


class PortfolioSkillRow(Base):
    __tablename__ = "portfolio_skills"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(8))
    # "dossier:savoir_faire:<folded label>", "rome:<ogr>"…; None for a skill added by hand.
    source_ref: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    label: Mapped[str] = mapped_column(EncryptedText)
    level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    evidence_source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # An answer id of the dossier ("exp_poste#2", "reussite_1"): no content.
    evidence_ref: Mapped[str | None] = mapped_column(String(24), nullable=True)
    evidence_text: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    carried: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Evidence:
    source: EvidenceSource
    ref: str | None
    """``exp_poste#2``, ``reussite_1``; None for a typed sentence."""
    text: str
    """The experience title, the réussite or the sentence, verbatim."""


@dataclass(frozen=True)
class PortfolioSkill:
    id: int
    kind: str
    """``savoir_faire`` or ``savoir_etre``."""
    source: str
    """``dossier``, ``rome`` or ``own``."""
    label: str
    level: str | None
    evidence: Evidence | None
    carried: bool
    hidden: bool

    @property
    def gathered(self) -> bool:
        return self.source in GATHERED_SOURCES

    @property
    def annotated(self) -> bool:
        """What the person gave it: kept even when its source disappears."""
        return self.level is not None or self.evidence is not None or self.carried


@dataclass(frozen=True)
class PendingWait:
    wait_for: WaitFor
    kind: str | None
    skill_id: int | None
    since: datetime


def _evidence(row: PortfolioSkillRow) -> Evidence | None:
    if row.evidence_source not in ("experience", "achievement", "own"):
        return None
    if row.evidence_text is None:
        return None
    source: EvidenceSource = row.evidence_source  # type: ignore[assignment]
    return Evidence(source, row.evidence_ref, row.evidence_text)


def _skill(row: PortfolioSkillRow) -> PortfolioSkill:
    return PortfolioSkill(
        row.id,
        row.kind,
        row.source,
        row.label,
        row.level,
        _evidence(row),
        row.carried,
        row.hidden,
    )


def _own(actor: Actor) -> BeneficiaryActor:
    """Only the beneficiary edits their portfolio."""
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary edits their own portfolio")
    return actor


def clean_label(text: str) -> str:
    """A typed label as stored: spaces collapsed, ends trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def _check_label(label: str) -> str:
    label = clean_label(label)
    if not LABEL_MIN <= len(label) <= LABEL_MAX:
        raise ValueError("label length out of bounds")
    return label


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError("unknown skill kind")
    return kind


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def _rows(session: AsyncSession, beneficiary_id: int) -> list[PortfolioSkillRow]:
    return list(
        await session.scalars(
            select(PortfolioSkillRow)
            .where(PortfolioSkillRow.beneficiary_id == beneficiary_id)
            .order_by(PortfolioSkillRow.id)
            .execution_options(populate_existing=True)
        )
    )


async def _own_row(session: AsyncSession, actor: Actor, skill_id: int) -> PortfolioSkillRow:
    """The skill if it is the actor's own; unknown and other people's ids are refused alike."""
    me = _own(actor)
    row = await session.scalar(
        select(PortfolioSkillRow)
        .where(
            PortfolioSkillRow.id == skill_id,
            PortfolioSkillRow.beneficiary_id == me.beneficiary_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise AccessDenied(f"skill {skill_id} is not reachable")
    return row


# --- reading ------------------------------------------------------------------------------


async def read_portfolio(
    session: AsyncSession, actor: Actor, beneficiary_id: int
) -> list[PortfolioSkill]:
    """Every skill, hidden ones included (flagged), in the order they came.

    For the beneficiary, their own counsellor (audited, and only while the
    bilan has consent) or the system.
    """
    beneficiary = await load_beneficiary_for(session, actor, beneficiary_id)
    if isinstance(actor, CounsellorActor):
        if beneficiary.status != BeneficiaryStatus.ACTIVE:
            raise AccessDenied("the bilan has no consent")
        await audit.record(session, actor, "read:portfolio", beneficiary_id)
    return [_skill(row) for row in await _rows(session, beneficiary_id)]


async def read_skill(session: AsyncSession, actor: Actor, skill_id: int) -> PortfolioSkill:
    """One of the beneficiary's own skills (the id comes from a button)."""
    return _skill(await _own_row(session, actor, skill_id))


# --- gathering -----------------------------------------------------------------------------


async def sync_gathered(
    session: AsyncSession, actor: BeneficiaryActor, gathered: Sequence[GatheredSkill]
) -> None:
    """Bring the gathered rows in step with what the sources say now.

    New skills are added, labels and kinds follow their source (a choice
    label in another language, a ROME label), and a row whose source is gone
    is removed unless the person annotated it (level, evidence or star): what
    they wrote is never lost to a re-gathering. A hidden row stays hidden.
    """
    me = _own(actor)
    # Two gatherings at once (two presses, two processes) must not both insert:
    # lock the person's row (SQLite's BEGIN IMMEDIATE already serialises writers).
    await session.scalar(
        select(Beneficiary.id).where(Beneficiary.id == me.beneficiary_id).with_for_update()
    )
    rows = [r for r in await _rows(session, me.beneficiary_id) if r.source in GATHERED_SOURCES]
    by_ref = {row.source_ref: row for row in rows if row.source_ref is not None}
    wanted: dict[str, GatheredSkill] = {}
    for skill in gathered[:MAX_GATHERED]:
        if skill.source in GATHERED_SOURCES and skill.kind in KINDS:
            wanted.setdefault(skill.source_ref, skill)
    now = utcnow()
    for ref, skill in wanted.items():
        label = clean_label(skill.label)[:LABEL_MAX]
        existing = by_ref.get(ref)
        if existing is None:
            session.add(
                PortfolioSkillRow(
                    beneficiary_id=me.beneficiary_id,
                    kind=skill.kind,
                    source=skill.source,
                    source_ref=ref,
                    label=label,
                    created_at=now,
                    updated_at=now,
                )
            )
        elif existing.label != label or existing.kind != skill.kind:
            existing.label = label
            existing.kind = skill.kind
            existing.updated_at = now
    for ref, row in by_ref.items():
        if ref not in wanted and not _skill(row).annotated:
            await session.delete(row)
    for row in rows:
        if row.source_ref is None:  # a gathered row cannot lose its reference; tidy if it did
            await session.delete(row)
    await session.flush()


# --- editing -------------------------------------------------------------------------------


async def add_own_skill(
    session: AsyncSession, actor: Actor, kind: str, label: str
) -> PortfolioSkill:
    """A skill the person adds by hand; ValueError for a bad label or a full portfolio."""
    me = _own(actor)
    _check_kind(kind)
    label = _check_label(label)
    count = await session.scalar(
        select(func.count())
        .select_from(PortfolioSkillRow)
        .where(
            PortfolioSkillRow.beneficiary_id == me.beneficiary_id,
            PortfolioSkillRow.source == "own",
        )
    )
    if (count or 0) >= MAX_OWN:
        raise ValueError("too many skills added by hand")
    now = utcnow()
    row = PortfolioSkillRow(
        beneficiary_id=me.beneficiary_id,
        kind=kind,
        source="own",
        source_ref=None,
        label=label,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return _skill(row)


async def set_level(
    session: AsyncSession, actor: Actor, skill_id: int, level: str | None
) -> PortfolioSkill:
    if level is not None and level not in LEVELS:
        raise ValueError("unknown level")
    row = await _own_row(session, actor, skill_id)
    row.level = level
    row.updated_at = utcnow()
    await session.flush()
    return _skill(row)


async def set_evidence(
    session: AsyncSession, actor: Actor, skill_id: int, evidence: Evidence | None
) -> PortfolioSkill:
    """Attach one piece of evidence (replacing any), or remove it with ``None``."""
    if evidence is not None:
        text = evidence.text.strip()
        if evidence.source == "own":
            if evidence.ref is not None or not 1 <= len(text) <= EVIDENCE_MAX:
                raise ValueError("a typed sentence has no reference and a bounded length")
        else:
            pattern = _EVIDENCE_REF.get(evidence.source)
            if pattern is None or evidence.ref is None or not pattern.fullmatch(evidence.ref):
                raise ValueError("malformed evidence reference")
            if not 1 <= len(text) <= SNAPSHOT_MAX:
                raise ValueError("evidence text length out of bounds")
    row = await _own_row(session, actor, skill_id)
    row.evidence_source = evidence.source if evidence else None
    row.evidence_ref = evidence.ref if evidence else None
    row.evidence_text = evidence.text.strip() if evidence else None
    row.updated_at = utcnow()
    await session.flush()
    return _skill(row)


async def toggle_carried(session: AsyncSession, actor: Actor, skill_id: int) -> PortfolioSkill:
    """Star or unstar a skill to carry into the project; a hidden skill cannot be starred."""
    row = await _own_row(session, actor, skill_id)
    if row.hidden and not row.carried:
        raise ValueError("a hidden skill cannot be carried")
    row.carried = not row.carried
    row.updated_at = utcnow()
    await session.flush()
    return _skill(row)


async def set_hidden(
    session: AsyncSession, actor: Actor, skill_id: int, hidden: bool
) -> PortfolioSkill:
    """Hide a gathered skill (its star goes with it) or show it again."""
    row = await _own_row(session, actor, skill_id)
    if row.source not in GATHERED_SOURCES:
        raise ValueError("a skill added by hand is deleted, not hidden")
    row.hidden = hidden
    if hidden:
        row.carried = False
    row.updated_at = utcnow()
    await session.flush()
    return _skill(row)


async def delete_own_skill(session: AsyncSession, actor: Actor, skill_id: int) -> PortfolioSkill:
    """Delete a skill added by hand; returns what it was (for the reply)."""
    row = await _own_row(session, actor, skill_id)
    if row.source != "own":
        raise ValueError("a gathered skill is hidden, not deleted")
    gone = _skill(row)
    wait = await conversation.current(session, _own(actor), flows=[FLOW])
    if wait is not None and wait.payload.get("skill_id") == skill_id:
        await conversation.end(session, _own(actor), flows=[FLOW])
    await session.delete(row)
    await session.flush()
    return gone


# --- waiting for typed text ------------------------------------------------------------------


async def start_wait(
    session: AsyncSession,
    actor: Actor,
    wait_for: WaitFor,
    *,
    kind: str | None = None,
    skill_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Remember what the next text is: a new skill's label (of ``kind``), or evidence."""
    me = _own(actor)
    if wait_for == "label":
        _check_kind(kind or "")
        skill_id = None
    elif wait_for == "evidence":
        if skill_id is None:
            raise ValueError("evidence for which skill?")
        await _own_row(session, actor, skill_id)
        kind = None
    else:
        raise ValueError("unknown wait")
    await conversation.begin(
        session,
        me,
        FLOW,
        wait_for,
        {"kind": kind, "skill_id": skill_id},
        lasts=INPUT_WAIT,
        now=now,
    )


async def pending_wait(
    session: AsyncSession, actor: Actor, now: datetime | None = None
) -> PendingWait | None:
    """What a typed text from this person is for, or None (no wait, or lapsed)."""
    if not isinstance(actor, BeneficiaryActor):
        return None
    wait = await conversation.current(session, actor, flows=[FLOW], now=now)
    return pending_of(wait) if wait is not None else None


def pending_of(wait: conversation.Wait) -> PendingWait:
    """What a typed text is for, from a portfolio wait already read (with the caller)."""
    wait_for: WaitFor = "evidence" if wait.step == "evidence" else "label"
    kind, skill_id = wait.payload.get("kind"), wait.payload.get("skill_id")
    return PendingWait(
        wait_for,
        kind if isinstance(kind, str) else None,
        skill_id if isinstance(skill_id, int) else None,
        wait.since or utcnow(),
    )


async def stop_wait(session: AsyncSession, actor: Actor) -> bool:
    """Stop waiting for typed text; True if the bot was waiting (lapsed or not)."""
    if not isinstance(actor, BeneficiaryActor):
        return False
    return await conversation.end(session, actor, flows=[FLOW]) is not None


# --- the person's export -----------------------------------------------------------------------


@register_collector("portfolio", tables=("portfolio_skills",))
async def _portfolio(session: AsyncSession, beneficiary_id: int) -> list[Record]:
    """One record per skill; a pending wait is machinery and says nothing the skills do not."""
    records = []
    for row in await _rows(session, beneficiary_id):
        evidence = _evidence(row)
        records.append(
            Record(
                row.created_at,
                row.kind,
                {
                    "kind": row.kind,
                    "source": row.source,
                    "label": row.label,
                    "level": row.level,
                    "evidence": None
                    if evidence is None
                    else {"source": evidence.source, "ref": evidence.ref, "text": evidence.text},
                    "carried": row.carried,
                    "hidden": row.hidden,
                    "created_at": row.created_at.isoformat(),
                    "updated_at": row.updated_at.isoformat(),
                },
            )
        )
    return records
