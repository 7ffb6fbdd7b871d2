"""Enquêtes métiers: the field inquiries a beneficiary prepares and reports.

The investigation phase asks the person to go and meet the real world: talk
with someone who does the job they explore, then bring back what they
learned. One row per inquiry, the beneficiary's own:

* *preparing*: which métier (a ROME code and title), with whom (a contact
  their counsellor shared, or someone of their own), the questions they want
  to ask, and the agreed meeting date, before which the outbox reminds them;
* *reported*: when it took place, what they learned, whether it confirms the
  project (yes / partly / no) and what they will do next. Their counsellor is
  told through the outbox, and reads the report on the card, in the digest
  and in the synthesis draft.

Every word is encrypted; dates and the state are in clear for the reminder
and the digest. Only the beneficiary writes; their own counsellor reads the
*reports* (audited), never a preparation in progress. Erasing a contact
(:func:`storage.contacts.erase_contact`) leaves every inquiry here: the
person's words are theirs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, ForeignKey, and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage import audit, outbox
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    SystemActor,
    load_beneficiary_for,
)
from storage.contacts import ROME_CODE, Share, shared_contact
from storage.crypto import EncryptedText
from storage.models import NEVER_REUSED, Base, Beneficiary, UTCDateTime, string_enum, utcnow
from storage.outbox import Recipient
from storage.rights import Record, register_collector

TEXT_MAX = 2000
TITLE_MAX = 160
OWN_CONTACT_MAX = 200
MAX_OPEN = 20
REMINDER_BEFORE = timedelta(days=1)
REMINDER_SOON = timedelta(hours=2)

REMINDER_KIND = "enquete_reminder"
REPORTED_KIND = "enquete_reported"


class InquiryStatus(enum.StrEnum):
    PREPARING = "preparing"
    REPORTED = "reported"


class Confirms(enum.StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class InquiryRefused(Exception):
    """``reason``: ``empty``, ``too_long``, ``past``, ``future``, ``reported``, ``too_many``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FieldInquiry(Base):
    __tablename__ = "field_inquiries"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[InquiryStatus] = mapped_column(
        string_enum(InquiryStatus, "inquiry_status"), default=InquiryStatus.PREPARING
    )
    # Which métier the person explores is theirs to tell: encrypted like their job.
    rome_code: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    title: Mapped[str] = mapped_column(EncryptedText)
    share_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_shares.id", ondelete="SET NULL"), nullable=True
    )
    own_contact: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    questions: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    met_on: Mapped[date | None] = mapped_column(Date)
    learned: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    confirms: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    next_step: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    plan_step_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_steps.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True)
class Inquiry:
    id: int
    beneficiary_id: int
    status: InquiryStatus
    rome_code: str | None
    title: str
    share: Share | None
    own_contact: str | None
    questions: str | None
    meeting_at: datetime | None
    met_on: date | None
    learned: str | None
    confirms: Confirms | None
    next_step: str | None
    plan_step_id: int | None
    created_at: datetime
    reported_at: datetime | None

    @property
    def reported(self) -> bool:
        return self.status == InquiryStatus.REPORTED

    @property
    def contact_erased(self) -> bool:
        """Met through a shared contact the file no longer holds."""
        return self.share is not None and self.share.contact is None


@dataclass(frozen=True)
class Report:
    """What the person says after the meeting (the bot gathers it step by step)."""

    met_on: date
    learned: str
    confirms: Confirms
    next_step: str | None = None


def _own(actor: Actor) -> BeneficiaryActor:
    if not isinstance(actor, BeneficiaryActor):
        raise AccessDenied("only the beneficiary writes their inquiries")
    return actor


def _clean(text: str | None, limit: int, *, required: bool = False) -> str | None:
    if text is None:
        if required:
            raise InquiryRefused("empty")
        return None
    text = text.strip()
    if not text:
        if required:
            raise InquiryRefused("empty")
        return None
    if len(text) > limit:
        raise InquiryRefused("too_long")
    return text


async def _inquiry(session: AsyncSession, actor: Actor, row: FieldInquiry) -> Inquiry:
    share = None
    if row.share_id is not None:
        share = await shared_contact(session, actor, row.share_id)
    confirms = Confirms(row.confirms) if row.confirms in set(Confirms) else None
    return Inquiry(
        row.id,
        row.beneficiary_id,
        row.status,
        row.rome_code,
        row.title,
        share,
        row.own_contact,
        row.questions,
        row.meeting_at,
        row.met_on,
        row.learned,
        confirms,
        row.next_step,
        row.plan_step_id,
        row.created_at,
        row.reported_at,
    )


async def _own_row(session: AsyncSession, actor: Actor, inquiry_id: int) -> FieldInquiry:
    me = _own(actor)
    row = await session.get(FieldInquiry, inquiry_id, populate_existing=True)
    if row is None or row.beneficiary_id != me.beneficiary_id:
        raise AccessDenied(f"inquiry {inquiry_id} is not reachable")
    return row


async def start_inquiry(
    session: AsyncSession,
    actor: Actor,
    *,
    title: str,
    rome_code: str | None = None,
    share_id: int | None = None,
    own_contact: str | None = None,
    now: datetime | None = None,
) -> Inquiry:
    """A new inquiry in preparation, with a shared contact or someone of the person's own."""
    me = _own(actor)
    clean_title = _clean(title, TITLE_MAX, required=True)
    assert clean_title is not None
    if rome_code is not None and not ROME_CODE.fullmatch(rome_code):
        raise InquiryRefused("empty")
    if share_id is not None:
        await shared_contact(session, me, share_id)  # refuses another person's share
    open_count = await session.scalar(
        select(func.count())
        .select_from(FieldInquiry)
        .where(
            FieldInquiry.beneficiary_id == me.beneficiary_id,
            FieldInquiry.status == InquiryStatus.PREPARING,
        )
    )
    if (open_count or 0) >= MAX_OPEN:
        raise InquiryRefused("too_many")
    row = FieldInquiry(
        beneficiary_id=me.beneficiary_id,
        status=InquiryStatus.PREPARING,
        rome_code=rome_code,
        title=clean_title,
        share_id=share_id,
        own_contact=_clean(own_contact, OWN_CONTACT_MAX),
        created_at=now or utcnow(),
    )
    session.add(row)
    await session.flush()
    return await _inquiry(session, me, row)


async def own_inquiry(session: AsyncSession, actor: Actor, inquiry_id: int) -> Inquiry:
    return await _inquiry(session, actor, await _own_row(session, actor, inquiry_id))


async def own_inquiries(session: AsyncSession, actor: Actor) -> list[Inquiry]:
    """The person's inquiries: in preparation first, then reported, newest first."""
    me = _own(actor)
    rows = await session.scalars(
        select(FieldInquiry)
        .where(FieldInquiry.beneficiary_id == me.beneficiary_id)
        .order_by(FieldInquiry.created_at.desc(), FieldInquiry.id.desc())
    )
    found = [await _inquiry(session, me, r) for r in rows]
    return sorted(found, key=lambda i: i.reported)


async def set_questions(
    session: AsyncSession, actor: Actor, inquiry_id: int, questions: str
) -> Inquiry:
    """The questions the person wants to ask, in their words (the guide's prompts help)."""
    row = await _own_row(session, actor, inquiry_id)
    if row.status != InquiryStatus.PREPARING:
        raise InquiryRefused("reported")
    row.questions = _clean(questions, TEXT_MAX, required=True)
    return await _inquiry(session, actor, row)


def reminder_due(meeting_at: datetime, now: datetime) -> datetime | None:
    """The day before; two hours before when the meeting is sooner; none if it is too close."""
    for before in (REMINDER_BEFORE, REMINDER_SOON):
        due = meeting_at - before
        if due > now:
            return due
    return None


def reminder_key(inquiry_id: int) -> str:
    return f"enq:{inquiry_id}:remind"


async def set_meeting(
    session: AsyncSession,
    actor: Actor,
    inquiry_id: int,
    meeting_at: datetime,
    *,
    now: datetime | None = None,
) -> Inquiry:
    """The agreed meeting date; schedules (or moves) the reminder before it."""
    row = await _own_row(session, actor, inquiry_id)
    if row.status != InquiryStatus.PREPARING:
        raise InquiryRefused("reported")
    now = now or utcnow()
    if meeting_at <= now:
        raise InquiryRefused("past")
    if meeting_at - now > timedelta(days=366):
        raise InquiryRefused("future")
    row.meeting_at = meeting_at
    due = reminder_due(meeting_at, now)
    if due is None:
        await outbox.cancel(session, dedupe_key=reminder_key(row.id))
    else:
        await outbox.enqueue(
            session,
            kind=REMINDER_KIND,
            recipient=Recipient.beneficiary(row.beneficiary_id),
            due_at=due,
            dedupe_key=reminder_key(row.id),
            payload={"inquiry_id": row.id, "meeting_at": meeting_at.isoformat()},
            now=now,
        )
    return await _inquiry(session, actor, row)


async def report_inquiry(
    session: AsyncSession,
    actor: Actor,
    inquiry_id: int,
    report: Report,
    *,
    now: datetime | None = None,
) -> Inquiry:
    """The person reports the meeting; their counsellor is told through the outbox."""
    row = await _own_row(session, actor, inquiry_id)
    if row.status != InquiryStatus.PREPARING:
        raise InquiryRefused("reported")
    now = now or utcnow()
    if report.met_on > now.date() + timedelta(days=1):
        raise InquiryRefused("future")
    row.learned = _clean(report.learned, TEXT_MAX, required=True)
    row.next_step = _clean(report.next_step, TEXT_MAX)
    row.confirms = Confirms(report.confirms).value
    row.met_on = report.met_on
    row.status = InquiryStatus.REPORTED
    row.reported_at = now
    await outbox.cancel(session, dedupe_key=reminder_key(row.id))
    beneficiary = await load_beneficiary_for(session, actor, row.beneficiary_id)
    await outbox.enqueue(
        session,
        kind=REPORTED_KIND,
        recipient=Recipient.counsellor(beneficiary.counsellor_id),
        due_at=now,
        dedupe_key=f"enq:{row.id}:reported",
        payload={"inquiry_id": row.id},
        beneficiary_id=row.beneficiary_id,
        now=now,
    )
    return await _inquiry(session, actor, row)


async def link_plan_step(
    session: AsyncSession, actor: Actor, inquiry_id: int, step_id: int
) -> Inquiry:
    """Remember that the person turned this report's next step into a plan step."""
    row = await _own_row(session, actor, inquiry_id)
    row.plan_step_id = step_id
    return await _inquiry(session, actor, row)


async def delete_inquiry(session: AsyncSession, actor: Actor, inquiry_id: int) -> None:
    """The person erases one inquiry (and its reminder) for good."""
    row = await _own_row(session, actor, inquiry_id)
    await outbox.cancel(session, dedupe_key=reminder_key(row.id))
    await session.execute(
        delete(FieldInquiry)
        .where(FieldInquiry.id == row.id)
        .execution_options(synchronize_session=False)
    )
    session.expunge(row)


# ---------------------------------------------------------------------------
# What the counsellor and the bot read
# ---------------------------------------------------------------------------


async def reports_of(
    session: AsyncSession, actor: Actor, beneficiary_id: int, *, audited: bool = True
) -> list[Inquiry]:
    """The reported inquiries of one beneficiary, oldest meeting first.

    The beneficiary themself, their own counsellor (audited) or the system;
    a preparation in progress is never in it.
    """
    if isinstance(actor, BeneficiaryActor) and actor.beneficiary_id != beneficiary_id:
        raise AccessDenied("a beneficiary reads only their own inquiries")
    await load_beneficiary_for(session, actor, beneficiary_id)
    rows = await session.scalars(
        select(FieldInquiry)
        .where(
            FieldInquiry.beneficiary_id == beneficiary_id,
            FieldInquiry.status == InquiryStatus.REPORTED,
        )
        .order_by(FieldInquiry.met_on, FieldInquiry.id)
    )
    found = [await _inquiry(session, actor, r) for r in rows]
    if audited and isinstance(actor, CounsellorActor):
        await audit.record(session, actor, "read:enquetes", beneficiary_id)
    return found


async def report_for(session: AsyncSession, actor: Actor, inquiry_id: int) -> Inquiry:
    """One reported inquiry, for the counsellor's notice (their own beneficiary only)."""
    row = await session.get(FieldInquiry, inquiry_id, populate_existing=True)
    if row is None:
        raise AccessDenied(f"inquiry {inquiry_id} is not reachable")
    await load_beneficiary_for(session, actor, row.beneficiary_id)
    if isinstance(actor, BeneficiaryActor) and actor.beneficiary_id != row.beneficiary_id:
        raise AccessDenied(f"inquiry {inquiry_id} is not reachable")
    if isinstance(actor, CounsellorActor) and row.status != InquiryStatus.REPORTED:
        raise AccessDenied("a preparation is the person's own")
    return await _inquiry(session, actor, row)


@dataclass(frozen=True)
class Counts:
    preparing: int = 0
    reported: int = 0


async def counts_of(session: AsyncSession, actor: Actor, beneficiary_id: int) -> Counts:
    """How many inquiries are in preparation and reported (counts, no words)."""
    await load_beneficiary_for(session, actor, beneficiary_id)
    rows = await session.execute(
        select(FieldInquiry.status, func.count())
        .where(FieldInquiry.beneficiary_id == beneficiary_id)
        .group_by(FieldInquiry.status)
    )
    totals = {status: int(n) for status, n in rows}
    return Counts(totals.get(InquiryStatus.PREPARING, 0), totals.get(InquiryStatus.REPORTED, 0))


async def reported_between(
    session: AsyncSession, actor: Actor, counsellor_id: int, since: datetime, now: datetime
) -> dict[int, int]:
    """Per beneficiary of this counsellor, the reports that came in ``(since, now]``."""
    if not (
        isinstance(actor, SystemActor)
        or (isinstance(actor, CounsellorActor) and actor.counsellor_id == counsellor_id)
    ):
        raise AccessDenied("a digest is its counsellor's own")
    rows = await session.execute(
        select(FieldInquiry.beneficiary_id, func.count())
        .join(Beneficiary, Beneficiary.id == FieldInquiry.beneficiary_id)
        .where(
            Beneficiary.counsellor_id == counsellor_id,
            FieldInquiry.status == InquiryStatus.REPORTED,
            and_(FieldInquiry.reported_at > since, FieldInquiry.reported_at <= now),
        )
        .group_by(FieldInquiry.beneficiary_id)
    )
    return {beneficiary_id: int(n) for beneficiary_id, n in rows}


async def rome_codes_of(session: AsyncSession, actor: Actor, beneficiary_id: int) -> list[str]:
    """The métiers this person inquires about, newest first (for matching contacts)."""
    await load_beneficiary_for(session, actor, beneficiary_id)
    codes = await session.scalars(
        select(FieldInquiry.rome_code)
        .where(FieldInquiry.beneficiary_id == beneficiary_id)
        .order_by(FieldInquiry.created_at.desc())
    )
    return list(dict.fromkeys(c for c in codes if c))


# ---------------------------------------------------------------------------
# The person's export (``/mesdonnees``)
# ---------------------------------------------------------------------------


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@register_collector("enquetes", tables=("field_inquiries", "contact_shares"))
async def _collect(session: AsyncSession, beneficiary_id: int) -> list[Record]:
    """The contacts shared with the person (as they received them), then their inquiries."""
    from storage.contacts import ContactShare, ResourceContact

    records: list[Record] = []
    shares = await session.execute(
        select(ContactShare, ResourceContact)
        .outerjoin(ResourceContact, ResourceContact.id == ContactShare.contact_id)
        .where(ContactShare.beneficiary_id == beneficiary_id)
        .order_by(ContactShare.shared_at)
    )
    for share, contact in shares:
        card = None
        if contact is not None:
            card = {
                "name": contact.name,
                "role": contact.role,
                "organisation": contact.organisation,
                "reach": contact.reach,
                "area": contact.area,
                "mention": contact.mention,
            }
        records.append(
            Record(
                share.shared_at,
                "shared_contact",
                {
                    "share": share.id,
                    "contact": card,
                    "rome_code": share.rome_code,
                    "shared_at": share.shared_at.isoformat(),
                },
            )
        )
    rows = await session.scalars(
        select(FieldInquiry)
        .where(FieldInquiry.beneficiary_id == beneficiary_id)
        .order_by(FieldInquiry.created_at, FieldInquiry.id)
    )
    for row in rows:
        records.append(
            Record(
                row.created_at,
                row.status.value,
                {
                    "status": row.status.value,
                    "title": row.title,
                    "rome_code": row.rome_code,
                    "share": row.share_id,
                    "own_contact": row.own_contact,
                    "questions": row.questions,
                    "meeting_at": _iso(row.meeting_at),
                    "met_on": _iso(row.met_on),
                    "learned": row.learned,
                    "confirms": row.confirms,
                    "next_step": row.next_step,
                    "created_at": _iso(row.created_at),
                    "reported_at": _iso(row.reported_at),
                },
            )
        )
    return records
