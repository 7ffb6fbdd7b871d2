"""What changed for a counsellor's beneficiaries in a window: the raw material of a digest.

Built with a fixed number of queries (one per kind of change), whatever the
number of beneficiaries, each limited to the counsellor's own beneficiaries
by a join on ``beneficiaries.counsellor_id``. It says *that* things happened,
never what an answer or a journal entry says.

Digest preferences (daily, weekly on a day and hour, or off) live in their own
table; ``claim_due_digests`` hands each due digest to exactly one process, and
``queue_digest`` writes its messages to the outbox.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, String, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage import outbox
from storage.actors import AccessDenied, Actor, CounsellorActor, SystemActor
from storage.enquetes import reported_between
from storage.followups import UNANSWERED_AFTER, FollowupCheckin
from storage.journal import JournalEntry
from storage.models import (
    Base,
    Beneficiary,
    BeneficiaryStatus,
    Counsellor,
    UTCDateTime,
    string_enum,
    utcnow,
)
from storage.outbox import Recipient
from storage.responses import Answer, InstrumentRun, RunStatus
from storage.sessions import CounsellingSession, SessionStatus
from storage.tasks import Task, TaskStatus

DIGEST_KIND = "digest"
"""One message of a digest, to the counsellor (rendered by the bot)."""
INVITATION_REMINDER = timedelta(days=7)
UPCOMING = timedelta(days=7)


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


class DigestPreference(Base):
    __tablename__ = "digest_preferences"

    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), primary_key=True
    )
    frequency: Mapped[Frequency] = mapped_column(
        string_enum(Frequency, "digest_frequency"), default=Frequency.WEEKLY
    )
    weekday: Mapped[int] = mapped_column(default=0)  # Monday
    at: Mapped[str] = mapped_column(String(5), default="08:30")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    marks: Mapped[int] = mapped_column(default=0, server_default="0")
    """How many times ``last_digest_at`` moved: the number of the mark it now holds.

    A digest is keyed by the number of the mark it starts from, not by a time."""


@dataclass(frozen=True)
class Preference:
    frequency: Frequency
    weekday: int
    at: time


DEFAULT = Preference(Frequency.WEEKLY, 0, time(8, 30))


def next_time(preference: Preference, timezone: str, after: datetime) -> datetime | None:
    """The next digest instant after ``after``, on the local wall clock (DST-proof)."""
    if preference.frequency == Frequency.OFF:
        return None
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    day = local.date()
    for offset in range(0, 9):
        candidate_day = day + timedelta(days=offset)
        if (
            preference.frequency == Frequency.WEEKLY
            and candidate_day.weekday() != preference.weekday
        ):
            continue
        candidate = datetime.combine(candidate_day, preference.at, tzinfo=zone)
        if candidate > local:
            return candidate.astimezone(ZoneInfo("UTC"))
    raise AssertionError("a digest day exists within nine days")


def _counsellor(actor: Actor) -> CounsellorActor:
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only a counsellor has digest settings")
    return actor


async def get_preference(session: AsyncSession, actor: Actor) -> Preference:
    me = _counsellor(actor)
    row = await session.get(DigestPreference, me.counsellor_id)
    if row is None:
        return DEFAULT
    return Preference(row.frequency, row.weekday, time.fromisoformat(row.at))


async def last_digest_at(session: AsyncSession, actor: Actor) -> datetime | None:
    me = _counsellor(actor)
    row = await session.get(DigestPreference, me.counsellor_id)
    return None if row is None else row.last_digest_at


async def mark_point(session: AsyncSession, actor: Actor, now: datetime) -> None:
    """``/point`` was read at ``now``: the next point, asked or scheduled, starts there.

    One mark per counsellor, shared with the scheduled digest (which moves it
    when it is claimed), so two points never repeat the same changes."""
    me = _counsellor(actor)
    row = await session.get(DigestPreference, me.counsellor_id)
    if row is None:
        session.add(
            DigestPreference(
                counsellor_id=me.counsellor_id,
                next_digest_at=next_time(DEFAULT, me.timezone, now),
                last_digest_at=now,
                marks=1,
            )
        )
        return
    row.last_digest_at = now
    # Counted in the database, never from a value read earlier: no two marks share a number.
    row.marks = DigestPreference.marks + 1


async def set_preference(
    session: AsyncSession, actor: Actor, preference: Preference, now: datetime | None = None
) -> datetime | None:
    """Save the counsellor's choice; returns when the next digest will come."""
    me = _counsellor(actor)
    now = now or utcnow()
    upcoming = next_time(preference, me.timezone, now)
    row = await session.get(DigestPreference, me.counsellor_id)
    if row is None:
        row = DigestPreference(counsellor_id=me.counsellor_id, last_digest_at=now)
        session.add(row)
    row.frequency = preference.frequency
    row.weekday = preference.weekday
    row.at = preference.at.strftime("%H:%M")
    row.next_digest_at = upcoming
    return upcoming


async def ensure_preferences(session: AsyncSession, now: datetime | None = None) -> int:
    """Give every active counsellor without a row the default weekly digest."""
    now = now or utcnow()
    rows = await session.execute(
        select(Counsellor.id, Counsellor.timezone)
        .outerjoin(DigestPreference, DigestPreference.counsellor_id == Counsellor.id)
        .where(Counsellor.active, DigestPreference.counsellor_id.is_(None))
    )
    count = 0
    for counsellor_id, timezone in rows:
        session.add(
            DigestPreference(
                counsellor_id=counsellor_id,
                last_digest_at=now,
                next_digest_at=next_time(DEFAULT, timezone, now),
            )
        )
        count += 1
    return count


@dataclass(frozen=True)
class DueDigest:
    counsellor_id: int
    telegram_id: int
    locale: str
    timezone: str
    since: datetime
    mark: int
    """The number of the mark ``since`` was read from (see ``DigestPreference.marks``)."""


async def claim_due_digests(
    session: AsyncSession, actor: Actor, now: datetime | None = None
) -> list[DueDigest]:
    """The digests due now; each row is moved to its next time in a guarded UPDATE,
    so with several processes only one of them gets a given digest.

    The guard names the mark too: a ``/point`` read meanwhile moved it, and
    the digest is claimed at the next round, from that newer mark."""
    if not isinstance(actor, SystemActor):
        raise AccessDenied("only the system claims digests")
    now = now or utcnow()
    rows = (
        await session.execute(
            select(DigestPreference, Counsellor)
            .join(Counsellor, Counsellor.id == DigestPreference.counsellor_id)
            .where(DigestPreference.next_digest_at <= now, Counsellor.active)
        )
    ).all()
    due = []
    for preference, counsellor in rows:
        chosen = Preference(
            preference.frequency, preference.weekday, time.fromisoformat(preference.at)
        )
        since = preference.last_digest_at or now - timedelta(days=7)
        won = await session.execute(
            update(DigestPreference)
            .where(
                DigestPreference.counsellor_id == counsellor.id,
                DigestPreference.next_digest_at == preference.next_digest_at,
                DigestPreference.marks == preference.marks,
            )
            .values(
                last_digest_at=now,
                next_digest_at=next_time(chosen, counsellor.timezone, now),
                marks=DigestPreference.marks + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if won.rowcount == 1:  # type: ignore[attr-defined]
            due.append(
                DueDigest(
                    counsellor.id,
                    counsellor.telegram_id,
                    counsellor.locale,
                    counsellor.timezone,
                    since,
                    preference.marks,
                )
            )
    return due


async def queue_digest(
    session: AsyncSession,
    actor: Actor,
    digest: DueDigest,
    parts: Sequence[Sequence[PersonChanges]],
    now: datetime | None = None,
) -> int:
    """Queue a claimed digest, one outbox row per message, in order; returns how many.

    How the changes are cut into messages is the bot's to say (it knows how
    long they are once written). Each row is keyed by the counsellor, the
    mark the digest starts from and the part: the same digest queued again
    makes no second copy, the next digest (from the next mark) is new.
    """
    if not isinstance(actor, SystemActor):
        raise AccessDenied("only the system sends digests")
    now = now or utcnow()
    for index, group in enumerate(parts, 1):
        await outbox.enqueue(
            session,
            kind=DIGEST_KIND,
            recipient=Recipient.counsellor(digest.counsellor_id),
            due_at=now,
            dedupe_key=f"digest:{digest.counsellor_id}:{digest.mark}:{index}",
            payload={
                "since": digest.since.isoformat(),
                "people": [p.to_dict() for p in group],
                "part": index,
                "parts": len(parts),
            },
            now=now,
        )
    return len(parts)


@dataclass
class PersonChanges:
    beneficiary_id: int
    name: str
    completed: list[str] = field(default_factory=list)
    """Instrument keys submitted in the window."""
    progressed: list[tuple[str, int]] = field(default_factory=list)
    """(instrument key, questions answered in the window) of runs still in progress."""
    tasks_done: int = 0
    tasks_overdue: int = 0
    moves_asked: int = 0
    journal_shared: int = 0
    followups_due: list[int] = field(default_factory=list)
    followups_unanswered: list[int] = field(default_factory=list)
    unreachable: bool = False
    invitation_unused: bool = False
    upcoming: list[tuple[datetime, bool]] = field(default_factory=list)
    """Sessions of the next seven days: (start, confirmed). Context, not a change."""
    enquetes_reported: int = 0
    """Enquêtes métiers reported in the window (``storage.enquetes``)."""

    @property
    def changed(self) -> bool:
        return bool(
            self.completed
            or self.progressed
            or self.tasks_done
            or self.tasks_overdue
            or self.moves_asked
            or self.journal_shared
            or self.followups_due
            or self.followups_unanswered
            or self.unreachable
            or self.invitation_unused
            or self.enquetes_reported
        )

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["upcoming"] = [[moment.isoformat(), confirmed] for moment, confirmed in self.upcoming]
        data["progressed"] = [[key, count] for key, count in self.progressed]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PersonChanges:
        values = dict(data)
        values["upcoming"] = [
            (datetime.fromisoformat(moment), bool(confirmed))
            for moment, confirmed in values.get("upcoming", [])
        ]
        values["progressed"] = [(str(key), int(n)) for key, n in values.get("progressed", [])]
        return cls(**values)


async def changes_since(
    session: AsyncSession, actor: Actor, counsellor_id: int, since: datetime, now: datetime
) -> list[PersonChanges]:
    """What changed for the counsellor's beneficiaries in ``(since, now]``; seven queries."""
    if not (
        isinstance(actor, SystemActor)
        or (isinstance(actor, CounsellorActor) and actor.counsellor_id == counsellor_id)
    ):
        raise AccessDenied("a digest is its counsellor's own")
    mine = Beneficiary.counsellor_id == counsellor_id
    people: dict[int, PersonChanges] = {}
    for beneficiary in await session.scalars(select(Beneficiary).where(mine)):
        person = PersonChanges(beneficiary.id, beneficiary.name)
        unreachable_at = beneficiary.unreachable_at
        person.unreachable = unreachable_at is not None and since < unreachable_at <= now
        reminder_at = beneficiary.created_at + INVITATION_REMINDER
        person.invitation_unused = (
            beneficiary.status == BeneficiaryStatus.INVITED and since < reminder_at <= now
        )
        people[beneficiary.id] = person

    def window(column: Any) -> Any:
        return and_(column > since, column <= now)

    for beneficiary_id, key in await session.execute(
        select(InstrumentRun.beneficiary_id, InstrumentRun.instrument_key)
        .join(Beneficiary, Beneficiary.id == InstrumentRun.beneficiary_id)
        .where(
            mine, InstrumentRun.status == RunStatus.SUBMITTED, window(InstrumentRun.submitted_at)
        )
    ):
        people[beneficiary_id].completed.append(key)

    for beneficiary_id, key, count in await session.execute(
        select(InstrumentRun.beneficiary_id, InstrumentRun.instrument_key, func.count())
        .join(Beneficiary, Beneficiary.id == InstrumentRun.beneficiary_id)
        .join(Answer, Answer.run_id == InstrumentRun.id)
        .where(
            mine,
            InstrumentRun.status == RunStatus.IN_PROGRESS,
            ~Answer.answer_id.like("%#draft"),
            window(Answer.answered_at),
        )
        .group_by(InstrumentRun.beneficiary_id, InstrumentRun.instrument_key)
        .order_by(InstrumentRun.instrument_key)
    ):
        people[beneficiary_id].progressed.append((key, int(count)))

    today = now.date()
    since_day = since.date()
    for beneficiary_id, status, done_at, due_on in await session.execute(
        select(Task.beneficiary_id, Task.status, Task.done_at, Task.due_on)
        .join(Beneficiary, Beneficiary.id == Task.beneficiary_id)
        .where(mine, Task.status != TaskStatus.WITHDRAWN)
    ):
        person = people[beneficiary_id]
        if status == TaskStatus.DONE and done_at is not None and since < done_at <= now:
            person.tasks_done += 1
        elif status == TaskStatus.OPEN and since_day <= due_on < today:
            person.tasks_overdue += 1

    for beneficiary_id, starts_at, confirmed_at, move_at in await session.execute(
        select(
            CounsellingSession.beneficiary_id,
            CounsellingSession.starts_at,
            CounsellingSession.confirmed_at,
            CounsellingSession.move_requested_at,
        )
        .join(Beneficiary, Beneficiary.id == CounsellingSession.beneficiary_id)
        .where(
            mine,
            CounsellingSession.status == SessionStatus.PLANNED,
            CounsellingSession.starts_at > since,
            CounsellingSession.starts_at <= now + UPCOMING,
        )
        .order_by(CounsellingSession.starts_at)
    ):
        person = people[beneficiary_id]
        if move_at is not None and since < move_at <= now:
            person.moves_asked += 1
        if starts_at > now:
            person.upcoming.append((starts_at, confirmed_at is not None))

    for beneficiary_id, count in await session.execute(
        select(JournalEntry.beneficiary_id, func.count())
        .join(Beneficiary, Beneficiary.id == JournalEntry.beneficiary_id)
        .where(mine, JournalEntry.shared, window(JournalEntry.updated_at))
        .group_by(JournalEntry.beneficiary_id)
    ):
        people[beneficiary_id].journal_shared = int(count)

    for beneficiary_id, months, due_at, submitted_at in await session.execute(
        select(
            FollowupCheckin.beneficiary_id,
            FollowupCheckin.months,
            FollowupCheckin.due_at,
            InstrumentRun.submitted_at,
        )
        .join(Beneficiary, Beneficiary.id == FollowupCheckin.beneficiary_id)
        .outerjoin(InstrumentRun, InstrumentRun.id == FollowupCheckin.run_id)
        .where(mine)
    ):
        person = people[beneficiary_id]
        if since < due_at <= now:
            person.followups_due.append(months)
        if submitted_at is None and since < due_at + UNANSWERED_AFTER <= now:
            person.followups_unanswered.append(months)

    for beneficiary_id, count in (
        await reported_between(session, actor, counsellor_id, since, now)
    ).items():
        people[beneficiary_id].enquetes_reported = count
    return [person for person in people.values() if person.changed]
