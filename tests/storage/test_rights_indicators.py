"""Anonymous indicators: they survive erasure, hide small counts, keep no id.

On both databases.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from storage import followups, indicators, rights, sessions
from storage.actors import BeneficiaryActor, CounsellorActor, SystemActor, resolve_actor
from storage.cards import set_phase
from storage.db import Database
from storage.indicators import IndicatorCounter, Line
from storage.models import Phase
from storage.people import accept_invitation, add_counsellor, create_invitation
from storage.responses import open_run, save_answer, submit_run

ADMIN = SystemActor("test")


async def _counsellor(db: Database) -> CounsellorActor:
    async with db.transaction() as session:
        await add_counsellor(session, ADMIN, 111, "Claire Martin")
        actor = await resolve_actor(session, 111)
    assert isinstance(actor, CounsellorActor)
    return actor


async def _people(db: Database, counsellor: CounsellorActor, n: int) -> list[BeneficiaryActor]:
    people = []
    for i in range(n):
        async with db.transaction() as session:
            issued = await create_invitation(session, counsellor, f"Personne {i}")
        async with db.transaction() as session:
            actor = await accept_invitation(session, issued.token, 2000 + i, "fr")
        assert actor is not None
        async with db.transaction() as session:
            run = await open_run(session, actor, "dossier_auto_bilan", 1)
            await save_answer(session, actor, run.id, "statut", "salarie", None)
            if i % 3 != 2:
                await submit_run(session, actor, run.id)
        people.append(actor)
    return people


def _value(report: list[Line], indicator: str) -> str:
    return next(line.value for line in report if line.indicator == indicator)


async def _erase(db: Database, actor: BeneficiaryActor) -> None:
    async with db.transaction() as session:
        await rights.request_erasure(session, actor)
        assert await rights.confirm_erasure(session, actor)
        assert await rights.erase_own_data(session, actor) is not None


async def test_the_figures_survive_erasure(db: Database) -> None:
    counsellor = await _counsellor(db)
    people = await _people(db, counsellor, 9)
    async with db.transaction() as session:
        before = await indicators.totals(session)
        report_before = await indicators.report(session)
    for actor in people[:4]:
        await _erase(db, actor)
    async with db.transaction() as session:
        after = await indicators.totals(session)
        report_after = await indicators.report(session)
        stored = list(await session.scalars(select(IndicatorCounter)))
    assert after - Counter({"erased": 4}) == before
    assert _value(report_after, "bilans (consent given)") == "9"
    assert _value(report_after, "erased by the person") == "< 5"
    assert _value(report_after, "dossier_auto_bilan: completion") == "67 % (6 of 9)"
    # Four erasures hide among the small numbers: the printed report does not move.
    assert report_after == report_before
    assert {r.period for r in stored} == {indicators.period_of(datetime.now(UTC))}
    # A counter row is a name, a month and a number: nothing points to anyone.
    columns = {c.name for c in IndicatorCounter.__table__.columns}
    assert columns == {"name", "period", "value"}


async def test_the_period_selects_the_month_of_consent(db: Database) -> None:
    counsellor = await _counsellor(db)
    people = await _people(db, counsellor, 6)
    await _erase(db, people[0])
    today = datetime.now(UTC).date()
    async with db.transaction() as session:
        this_month = await indicators.totals(session, today.replace(day=1), today)
        next_year = await indicators.totals(session, today + timedelta(days=370), None)
        last_year = await indicators.totals(session, None, today - timedelta(days=370))
    assert this_month["bilans"] == 6
    assert next_year["bilans"] == 0 and last_year["bilans"] == 0


async def test_sessions_and_followups_are_counted(db: Database) -> None:
    counsellor = await _counsellor(db)
    (paul,) = await _people(db, counsellor, 1)
    paul_id = paul.beneficiary_id
    long_ago = datetime.now(UTC) - timedelta(days=200)
    async with db.transaction() as session:
        for days in (3, 5):
            await sessions.schedule_session(
                session,
                counsellor,
                paul_id,
                datetime.now(UTC) + timedelta(days=days),
                60,
                sessions.SessionMode.PHONE,
                None,
            )
        await set_phase(session, counsellor, paul_id, Phase.INVESTIGATION)
        await set_phase(session, counsellor, paul_id, Phase.CONCLUSION)
        await followups.conclude(
            session, counsellor, paul_id, followups.Schedule(months=(3, 6)), now=long_ago
        )
        checkins = await followups.followup_status(session, counsellor, paul_id)
    six = next(c for c in checkins if c.months == 6)
    async with db.transaction() as session:
        run = await open_run(session, paul, "followup", 1)
        await followups.attach_run(session, paul, six.id, run.id)
        await save_answer(session, paul, run.id, "situation", "new_job", None)
        await save_answer(session, paul, run.id, "satisfaction", 3, None)
        await submit_run(session, paul, run.id)
    async with db.transaction() as session:
        live = await indicators.count(session, indicators.cohort())
    assert live["sessions:scheduled"] == 2
    assert live["followup:3:sent"] == live["followup:6:sent"] == 1
    assert live["followup:6:answered"] == 1 and live["followup:3:answered"] == 0
    assert live["situation6:new_job"] == 1
    assert (live["satisfaction:count"], live["satisfaction:sum"]) == (1, 4)
    await _erase(db, paul)
    async with db.transaction() as session:
        kept = await indicators.totals(session)
    for name in ("sessions:scheduled", "followup:6:answered", "situation6:new_job"):
        assert kept[name] == live[name]


def test_small_counts_never_single_anyone_out() -> None:
    counts = Counter(
        {
            "bilans": 12,
            "phase:clos": 1,
            "instrument:riasec:started": 12,
            "instrument:riasec:submitted": 4,
            "instrument:work_values:started": 3,
            "instrument:work_values:submitted": 3,
            "dossier_days:5": 4,
            "satisfaction:count": 4,
            "satisfaction:sum": 18,
            "situation6:new_job": 2,
            "sessions:scheduled": 40,
            "sessions:confirmed": 30,
            "sessions:moved": 6,
        }
    )
    report = indicators.lines(counts)
    assert _value(report, "bilans (consent given)") == "12"
    assert _value(report, "in phase clos") == "< 5"
    assert _value(report, "riasec: completion") == "< 5 of 12"
    assert _value(report, "work_values: completion") == "< 5 concerned"
    assert _value(report, "median days from consent to dossier sent") == "< 5 dossiers"
    assert _value(report, "mean satisfaction") == "< 5 answers"
    assert _value(report, "situation at 6 months: new_job") == "< 5"
    assert _value(report, "confirmation rate") == "75 % (30 of 40)"
    assert _value(report, "move rate") == "15 % (6 of 40)"
    counts.update({"dossier_days:9": 3, "satisfaction:count": 1, "satisfaction:sum": 2})
    report = indicators.lines(counts)
    assert _value(report, "median days from consent to dossier sent") == "5 days"
    assert _value(report, "mean satisfaction") == "4.0 / 5 (5 answers)"
    text = indicators.as_text(report, date(2026, 1, 1), None)
    assert "< 5" in text and "2026-01-01" in text
    csv = indicators.as_csv(report).splitlines()
    assert csv[0] == "section,indicator,value"
    assert "bilans,in phase clos,< 5" in csv
