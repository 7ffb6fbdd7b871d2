"""Anonymous indicators for the organisation: what a certified provider reports on.

The figures (bilans per phase, completion of each instrument, days to complete
the dossier, session and follow-up rates, satisfaction…) must outlive the
people they describe: a beneficiary who erases their data, or whose dossier
reaches the end of its retention, still counts in last year's report. Keeping
*anything* per person would defeat the erasure, so this module keeps only
**aggregate counters**: ``(name, period) → value``, with ``period`` the month
(``YYYY-MM``) the person gave consent in, and nothing else — no id, no date
finer than the month.

The counters are computed by *sources*, one per kind of data. A source takes
a set of beneficiary ids (a ``SELECT``) and returns named counts for it. The
same sources serve twice:

* for the people still in the database, :func:`report` runs them over the
  cohort of the requested period;
* the moment a person's data is about to go (erasure, purge), :func:`fold`
  runs them over that one person and *adds* the result to the stored
  counters, then marks the person as folded so that they are not counted
  twice while what remains of them (a follow-up contact) is still there.

So an erased bilan counts exactly as it would have alive, and the same code
defines both. A module that adds data the report speaks of (sessions,
follow-ups…) registers a source with :func:`register_source`; the counter
names the report reads are listed in :data:`REPORTED_COUNTERS` and in
``docs/indicators.md``.

Small numbers single people out: :func:`report` prints every count under
:data:`SMALL` as ``"< 5"``, and a rate, median or mean only when at least
:data:`SMALL` people are behind it.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Select, String, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.followups import FollowupCheckin
from storage.models import Base, Beneficiary, BeneficiaryStatus, Phase, UTCDateTime, utcnow
from storage.responses import Answer, InstrumentRun, RunStatus
from storage.sessions import CounsellingSession

SMALL = 5
SMALL_TEXT = "< 5"
DOSSIER_KEY = "dossier_auto_bilan"

Ids = Select[int]
Source = Callable[[AsyncSession, Ids], Awaitable[Counter[str]]]


class IndicatorCounter(Base):
    """One anonymous counter for one month of consent. Never names a person."""

    __tablename__ = "indicator_counters"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class IndicatorFold(Base):
    """Present while a beneficiary row remains whose figures are already in the counters.

    It goes with the beneficiary row (foreign key cascade), so it never
    outlives the person it is about.
    """

    __tablename__ = "indicator_folds"

    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True
    )
    folded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- sources --------------------------------------------------------------------------

_SOURCES: dict[str, Source] = {}


def register_source(name: str) -> Callable[[Source], Source]:
    """Decorator: a source of counters, run over a set of beneficiary ids.

    A source must count people or events, never copy content: its counters
    are kept forever. Use the names of :data:`REPORTED_COUNTERS` for figures
    the report prints.
    """

    def decorate(source: Source) -> Source:
        if name in _SOURCES:
            raise ValueError(f"indicator source {name!r} is already registered")
        _SOURCES[name] = source
        return source

    return decorate


def sources() -> list[str]:
    return sorted(_SOURCES)


@register_source("bilans")
async def _bilans(session: AsyncSession, ids: Ids) -> Counter[str]:
    rows = await session.execute(
        select(Beneficiary.phase, Beneficiary.status, func.count())
        .where(Beneficiary.id.in_(ids))
        .group_by(Beneficiary.phase, Beneficiary.status)
    )
    counts: Counter[str] = Counter()
    for phase, status, count in rows:
        counts["bilans"] += count
        counts[f"phase:{Phase(phase).value}"] += count
        if status == BeneficiaryStatus.WITHDRAWN:
            counts["consent_withdrawn"] += count
    return counts


@register_source("instruments")
async def _instruments(session: AsyncSession, ids: Ids) -> Counter[str]:
    """Per instrument: how many people began it, how many sent it at least once."""
    rows = await session.execute(
        select(InstrumentRun.beneficiary_id, InstrumentRun.instrument_key, InstrumentRun.status)
        .where(InstrumentRun.beneficiary_id.in_(ids))
        .distinct()
    )
    started: set[tuple[int, str]] = set()
    submitted: set[tuple[int, str]] = set()
    for beneficiary_id, key, status in rows:
        started.add((beneficiary_id, key))
        if status == RunStatus.SUBMITTED:
            submitted.add((beneficiary_id, key))
    counts: Counter[str] = Counter()
    for _, key in started:
        counts[f"instrument:{key}:started"] += 1
    for _, key in submitted:
        counts[f"instrument:{key}:submitted"] += 1
    return counts


@register_source("dossier_days")
async def _dossier_days(session: AsyncSession, ids: Ids) -> Counter[str]:
    """Whole days from consent to the first sending of the dossier, as a histogram."""
    rows = await session.execute(
        select(Beneficiary.consent_at, func.min(InstrumentRun.submitted_at))
        .join(InstrumentRun, InstrumentRun.beneficiary_id == Beneficiary.id)
        .where(
            Beneficiary.id.in_(ids),
            InstrumentRun.instrument_key == DOSSIER_KEY,
            InstrumentRun.status == RunStatus.SUBMITTED,
        )
        .group_by(Beneficiary.id, Beneficiary.consent_at)
    )
    counts: Counter[str] = Counter()
    for consent_at, first_submitted in rows:
        if consent_at is None or first_submitted is None:
            continue
        if first_submitted.tzinfo is None:  # an aggregate skips the column type
            first_submitted = first_submitted.replace(tzinfo=UTC)
        days = max(0, (first_submitted - consent_at).days)
        counts[f"dossier_days:{days}"] += 1
    return counts


@register_source("sessions")
async def _sessions(session: AsyncSession, ids: Ids) -> Counter[str]:
    """Sessions scheduled, confirmed by the person (at their current time), moved at least once."""
    rows = await session.execute(
        select(CounsellingSession.sequence, CounsellingSession.confirmed_at).where(
            CounsellingSession.beneficiary_id.in_(ids)
        )
    )
    counts: Counter[str] = Counter()
    for sequence, confirmed_at in rows:
        counts["sessions:scheduled"] += 1
        counts["sessions:confirmed"] += confirmed_at is not None
        counts["sessions:moved"] += sequence > 0
    return counts


def _choice_key(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "other" if isinstance(value, dict) and "other" in value else "unknown"


@register_source("followups")
async def _followups(session: AsyncSession, ids: Ids) -> Counter[str]:
    """Check-ins due and answered per month, the 6-month situation, satisfaction (1 to 5).

    The answers are read (decrypted) only to be counted here: nothing of them
    is kept but the counts.
    """
    now = utcnow()
    rows = (
        await session.execute(
            select(FollowupCheckin.months, FollowupCheckin.run_id, InstrumentRun.status)
            .outerjoin(InstrumentRun, InstrumentRun.id == FollowupCheckin.run_id)
            .where(FollowupCheckin.beneficiary_id.in_(ids), FollowupCheckin.due_at <= now)
        )
    ).all()
    counts: Counter[str] = Counter()
    answered: dict[int, int] = {}
    for months, run_id, status in rows:
        counts[f"followup:{months}:sent"] += 1
        if run_id is not None and status == RunStatus.SUBMITTED:
            counts[f"followup:{months}:answered"] += 1
            answered[run_id] = months
    if answered:
        values = await session.execute(
            select(Answer.run_id, Answer.answer_id, Answer.value).where(
                Answer.run_id.in_(answered), Answer.answer_id.in_(["situation", "satisfaction"])
            )
        )
        for run_id, answer_id, value in values:
            if answer_id == "situation" and answered[run_id] == 6:
                counts[f"situation6:{_choice_key(value)}"] += 1
            elif answer_id == "satisfaction" and isinstance(value, int):
                counts["satisfaction:count"] += 1
                counts["satisfaction:sum"] += value + 1  # stored 0-4, read 1-5
    return counts


async def count(session: AsyncSession, ids: Ids) -> Counter[str]:
    """Every source's counters over the beneficiaries ``ids`` selects."""
    import storage.schema  # noqa: F401  (every module registers its sources on import)

    total: Counter[str] = Counter()
    for name in sources():
        total.update(await _SOURCES[name](session, ids))
    return total


# --- the stored counters ------------------------------------------------------------------


def period_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


async def add(session: AsyncSession, period: str, counts: Mapping[str, int]) -> None:
    """Add to the stored counters of ``period`` (one upsert per counter)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for name, value in counts.items():
        if not value:
            continue
        statement = insert(IndicatorCounter).values(name=name, period=period, value=value)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[IndicatorCounter.name, IndicatorCounter.period],
                set_={"value": IndicatorCounter.value + statement.excluded.value},
            )
        )


async def fold(
    session: AsyncSession,
    beneficiary_id: int,
    extra: Iterable[str] = (),
    now: datetime | None = None,
) -> bool:
    """Put one person's figures into the stored counters, once; True if it did.

    ``extra`` names counters to add 1 to at the same time (``erased``,
    ``purged``…), only when the person is folded now. People who never gave
    consent were never a bilan: nothing is counted for them.
    """
    consent_at = await session.scalar(
        select(Beneficiary.consent_at).where(Beneficiary.id == beneficiary_id)
    )
    already = await session.get(IndicatorFold, beneficiary_id)
    if consent_at is None or already is not None:
        return False
    counts = await count(session, select(Beneficiary.id).where(Beneficiary.id == beneficiary_id))
    counts.update(extra)
    await add(session, period_of(consent_at), counts)
    session.add(IndicatorFold(beneficiary_id=beneficiary_id, folded_at=now or utcnow()))
    await session.flush()
    return True


async def note(session: AsyncSession, name: str, when: datetime, amount: int = 1) -> None:
    """Add to one stored counter directly, for an event with no person left to count."""
    await add(session, period_of(when), {name: amount})


async def stored(
    session: AsyncSession, start: date | None = None, end: date | None = None
) -> Counter[str]:
    """The stored counters of the months from ``start`` to ``end`` (whole months)."""
    query = select(IndicatorCounter.name, func.sum(IndicatorCounter.value)).group_by(
        IndicatorCounter.name
    )
    if start is not None:
        query = query.where(IndicatorCounter.period >= f"{start.year:04d}-{start.month:02d}")
    if end is not None:
        query = query.where(IndicatorCounter.period <= f"{end.year:04d}-{end.month:02d}")
    return Counter({name: int(value) for name, value in await session.execute(query)})


def cohort(start: date | None = None, end: date | None = None) -> Ids:
    """People still in the database, consent given between ``start`` and ``end`` included,
    and not yet folded into the counters."""
    query = select(Beneficiary.id).where(
        Beneficiary.consent_at.is_not(None),
        Beneficiary.id.not_in(select(IndicatorFold.beneficiary_id)),
    )
    if start is not None:
        query = query.where(Beneficiary.consent_at >= datetime.combine(start, time(), UTC))
    if end is not None:
        query = query.where(
            Beneficiary.consent_at < datetime.combine(end + timedelta(days=1), time(), UTC)
        )
    return query


async def totals(
    session: AsyncSession, start: date | None = None, end: date | None = None
) -> Counter[str]:
    """Live people of the period plus the stored counters of its months."""
    total = await count(session, cohort(start, end))
    total.update(await stored(session, start, end))
    return total


# --- the report ---------------------------------------------------------------------------

REPORTED_COUNTERS = {
    "bilans": "people who gave consent",
    "phase:<phase>": "bilans in each phase (preliminaire … clos)",
    "consent_withdrawn": "bilans whose consent was withdrawn",
    "erased": "bilans erased by the person",
    "purged": "bilans erased at the end of their retention",
    "instrument:<key>:started": "people who began an instrument",
    "instrument:<key>:submitted": "people who sent it at least once",
    "dossier_days:<n>": "people who first sent the dossier n whole days after consent",
    "sessions:scheduled": "sessions scheduled",
    "sessions:confirmed": "sessions the beneficiary confirmed",
    "sessions:moved": "sessions moved to another time",
    "followup:<months>:sent": "follow-up check-ins sent (months = 3, 6)",
    "followup:<months>:answered": "follow-up check-ins answered",
    "situation6:<key>": "situation given at the 6-month follow-up",
    "satisfaction:count": "satisfaction answers",
    "satisfaction:sum": "sum of the satisfaction scores (1 to 5)",
    "synthesis:delivered": "synthesis documents delivered",
    "synthesis:kept": "of which the person agreed the organisation keep a copy",
}


@dataclass(frozen=True)
class Line:
    section: str
    indicator: str
    value: str


def small(n: int) -> str:
    """A count as printed: under :data:`SMALL` it could single someone out."""
    return SMALL_TEXT if n < SMALL else str(n)


def rate(part: int, whole: int) -> str:
    if whole < SMALL:
        return f"{SMALL_TEXT} concerned"
    if part < SMALL:
        return f"{SMALL_TEXT} of {whole}"
    return f"{round(100 * part / whole)} % ({part} of {whole})"


def _histogram(counts: Mapping[str, int], prefix: str) -> list[int]:
    values: list[int] = []
    for name, n in counts.items():
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            values += [int(name[len(prefix) :])] * n
    return values


def _keys(counts: Mapping[str, int], prefix: str, suffix: str = "") -> list[str]:
    return sorted(
        {
            name[len(prefix) : len(name) - len(suffix)]
            for name in counts
            if name.startswith(prefix) and name.endswith(suffix)
        }
    )


def lines(counts: Mapping[str, int]) -> list[Line]:
    """The report's lines from the combined counters, small numbers hidden."""
    c: Counter[str] = Counter(counts)
    out = [Line("bilans", "bilans (consent given)", small(c["bilans"]))]
    out += [Line("bilans", f"in phase {p.value}", small(c[f"phase:{p.value}"])) for p in Phase]
    out.append(Line("bilans", "consent withdrawn", small(c["consent_withdrawn"])))
    out.append(Line("bilans", "erased by the person", small(c["erased"])))
    out.append(Line("bilans", "erased at the end of retention", small(c["purged"])))

    for key in _keys(c, "instrument:", ":started"):
        started = c[f"instrument:{key}:started"]
        done = c[f"instrument:{key}:submitted"]
        out.append(Line("instruments", f"{key}: completion", rate(done, started)))

    days = _histogram(c, "dossier_days:")
    median = f"{statistics.median(days):g} days" if len(days) >= SMALL else f"{SMALL_TEXT} dossiers"
    out.append(Line("instruments", "median days from consent to dossier sent", median))

    scheduled = c["sessions:scheduled"]
    if scheduled or c["sessions:confirmed"] or c["sessions:moved"]:
        out.append(Line("sessions", "scheduled", small(scheduled)))
        out.append(Line("sessions", "confirmation rate", rate(c["sessions:confirmed"], scheduled)))
        out.append(Line("sessions", "move rate", rate(c["sessions:moved"], scheduled)))
    else:
        out.append(Line("sessions", "sessions", "no data recorded"))

    for months in ("3", "6"):
        sent = c[f"followup:{months}:sent"]
        answered = c[f"followup:{months}:answered"]
        out.append(Line("follow-up", f"{months}-month response rate", rate(answered, sent)))
    situations = _keys(c, "situation6:")
    if situations:
        for key in situations:
            out.append(
                Line("follow-up", f"situation at 6 months: {key}", small(c[f"situation6:{key}"]))
            )
    else:
        out.append(Line("follow-up", "situation at 6 months", "no data recorded"))
    answers = c["satisfaction:count"]
    mean = (
        f"{c['satisfaction:sum'] / answers:.1f} / 5 ({answers} answers)"
        if answers >= SMALL
        else f"{SMALL_TEXT} answers"
    )
    out.append(Line("follow-up", "mean satisfaction", mean))
    delivered = c["synthesis:delivered"]
    out.append(Line("synthesis", "delivered", small(delivered)))
    out.append(Line("synthesis", "copy kept with agreement", rate(c["synthesis:kept"], delivered)))
    return out


async def report(
    session: AsyncSession, start: date | None = None, end: date | None = None
) -> list[Line]:
    return lines(await totals(session, start, end))


def as_text(report_lines: list[Line], start: date | None, end: date | None) -> str:
    span = f"{start or 'the beginning'} to {end or 'today'}"
    out = [f"Anonymous indicators, consent given from {span}", ""]
    section = ""
    width = max(len(line.indicator) for line in report_lines)
    for line in report_lines:
        if line.section != section:
            if section:
                out.append("")
            section = line.section
            out.append(section.upper())
        out.append(f"  {line.indicator.ljust(width)}  {line.value}")
    out += ["", f'Counts under {SMALL} are shown as "{SMALL_TEXT}".']
    return "\n".join(out)


def as_csv(report_lines: list[Line]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "indicator", "value"])
    for line in report_lines:
        writer.writerow([line.section, line.indicator, line.value])
    return buffer.getvalue()
