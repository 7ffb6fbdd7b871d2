"""The retention purge with a controlled clock, on both databases.

Four bilans and two invitations, all dated from ``T0``; the clock then jumps
to each retention date in turn and the test checks what went and what stayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import indicators, outbox, rights
from storage.actors import BeneficiaryActor, CounsellorActor, SystemActor, resolve_actor
from storage.db import Database
from storage.models import Beneficiary
from storage.outbox import OutboxMessage, OutboxStatus, Recipient
from storage.people import accept_invitation, add_counsellor, create_invitation
from storage.responses import (
    SUBMITTED_KIND,
    InstrumentRun,
    open_run,
    read_run,
    save_answer,
    submit_run,
)
from storage.rights import DataRightsRow, PurgeKind, RetentionPolicy

T0 = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
CONCLUDED = T0 + timedelta(days=30)
ADMIN = SystemActor("test")


@dataclass
class Cohort:
    counsellor: CounsellorActor
    agreed: BeneficiaryActor
    declined: BeneficiaryActor
    idle: BeneficiaryActor
    fresh: BeneficiaryActor
    expired_invitation: int
    live_invitation: int


async def _person(
    db: Database, counsellor: CounsellorActor, name: str, telegram_id: int, at: datetime
) -> BeneficiaryActor:
    async with db.transaction() as session:
        issued = await create_invitation(session, counsellor, name, now=at)
        await _backdate(session, issued.beneficiary_id, at)
    async with db.transaction() as session:
        actor = await accept_invitation(session, issued.token, telegram_id, "fr", now=at)
    assert actor is not None
    async with db.transaction() as session:
        run = await open_run(session, actor, "dossier_auto_bilan", 1)
        await save_answer(session, actor, run.id, "statut", "salarie", None, now=at)
        await submit_run(session, actor, run.id, now=at + timedelta(days=3))
        # The counsellor's notice of the submission is not one of the messages counted here.
        await session.execute(delete(OutboxMessage).where(OutboxMessage.kind == SUBMITTED_KIND))
        await outbox.enqueue(
            session,
            kind="notice",
            recipient=Recipient.beneficiary(actor.beneficiary_id),
            due_at=at,
            dedupe_key=f"old:{telegram_id}",
            payload={"msgid": "x", "params": {}},
            now=at,
        )
    async with db.transaction() as session:
        await read_run(session, counsellor, run.id)
    return actor


async def _backdate(session: AsyncSession, beneficiary_id: int, at: datetime) -> None:
    """``create_invitation`` dates the invitation, not the row: the clock is the test's."""
    await session.execute(
        update(Beneficiary).where(Beneficiary.id == beneficiary_id).values(created_at=at)
    )


async def _cohort(db: Database) -> Cohort:
    async with db.transaction() as session:
        await add_counsellor(session, ADMIN, 111, "Claire Martin")
        counsellor = await resolve_actor(session, 111)
    assert isinstance(counsellor, CounsellorActor)
    agreed = await _person(db, counsellor, "Agnès Accord", 1001, T0)
    declined = await _person(db, counsellor, "Denis Refus", 1002, T0)
    idle = await _person(db, counsellor, "Irène Inactive", 1003, T0)
    fresh = await _person(db, counsellor, "Fanny Récente", 1004, T0 + timedelta(days=300))
    async with db.transaction() as session:
        for person, agrees in ((agreed, True), (declined, False)):
            await rights.mark_concluded(session, counsellor, person.beneficiary_id, CONCLUDED)
            await rights.record_synthesis_agreement(session, person, agrees, CONCLUDED)
        expired = await create_invitation(session, counsellor, "Eve Jamais", now=T0)
        live = await create_invitation(
            session, counsellor, "Luc Bientôt", now=T0 + timedelta(days=390)
        )
        await _backdate(session, expired.beneficiary_id, T0)
        await _backdate(session, live.beneficiary_id, T0 + timedelta(days=390))
        await session.execute(update(OutboxMessage).values(status=OutboxStatus.SENT, sent_at=T0))
    return Cohort(
        counsellor, agreed, declined, idle, fresh, expired.beneficiary_id, live.beneficiary_id
    )


async def _purge(db: Database, now: datetime, dry_run: bool = False) -> dict[PurgeKind, int]:
    async with db.transaction() as session:
        return await rights.purge(session, now, dry_run=dry_run)


async def _exists(db: Database, beneficiary_id: int) -> bool:
    async with db.transaction() as session:
        return await session.get(Beneficiary, beneficiary_id) is not None


async def _runs(db: Database, beneficiary_id: int) -> int:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(InstrumentRun.id).where(InstrumentRun.beneficiary_id == beneficiary_id)
        )
        return len(list(rows))


def _only(counts: dict[PurgeKind, int], **expected: int) -> None:
    wanted = {PurgeKind[name.upper()]: n for name, n in expected.items()}
    assert {k: v for k, v in counts.items() if v} == wanted


async def test_each_kind_goes_at_its_date_and_not_before(db: Database) -> None:
    c = await _cohort(db)
    everyone = [c.agreed, c.declined, c.idle, c.fresh]

    # Day 13: nothing has expired yet.
    _only(await _purge(db, T0 + timedelta(days=13)))

    # Day 20: the unaccepted invitation has expired (14 days), with the name typed for it.
    _only(await _purge(db, T0 + timedelta(days=20)), expired_invitations=1)
    assert not await _exists(db, c.expired_invitation)
    assert await _exists(db, c.live_invitation)

    # Day 31: sent messages older than 30 days go.
    _only(await _purge(db, T0 + timedelta(days=31)), finished_messages=3)

    # Conclusion + 213 days: the declined synthesis leaves only the follow-up contact.
    after_followup = CONCLUDED + timedelta(days=213)
    _only(await _purge(db, after_followup - timedelta(minutes=1)))
    _only(await _purge(db, after_followup), dossiers_after_followup=1, audit_events=1)
    assert await _exists(db, c.declined.beneficiary_id)
    assert await _runs(db, c.declined.beneficiary_id) == 0
    assert await _runs(db, c.agreed.beneficiary_id) == 1
    async with db.transaction() as session:
        kept = await session.get(DataRightsRow, c.declined.beneficiary_id)
        assert kept is not None and kept.dossier_purged_at == after_followup
        assert await rights.rows_about(session, c.declined.beneficiary_id) == {
            "beneficiaries": 1,
            "data_rights": 1,
            "indicator_folds": 1,
            "invitations": 1,
        }
    _only(await _purge(db, after_followup + timedelta(days=1)))

    # A year without activity: the bilan never concluded goes.
    _only(
        await _purge(db, T0 + timedelta(days=365)),
        inactive_bilans=1,
        audit_events=1,
        finished_messages=1,
    )
    assert not await _exists(db, c.idle.beneficiary_id)

    # A year after conclusion: both concluded bilans go, agreement or not.
    _only(
        await _purge(db, CONCLUDED + timedelta(days=365)),
        bilans_after_retention=2,
        audit_events=1,
    )
    for person in (c.agreed, c.declined):
        async with db.transaction() as session:
            assert await rights.rows_about(session, person.beneficiary_id) == {}
    assert await _exists(db, c.fresh.beneficiary_id)
    assert await _runs(db, c.fresh.beneficiary_id) == 1

    # The figures survive the people.
    async with db.transaction() as session:
        totals = await indicators.totals(session)
    assert totals["bilans"] == len(everyone)
    assert totals["purged"] == 3
    assert totals["instrument:dossier_auto_bilan:submitted"] == len(everyone)
    assert totals["dossier_days:3"] == len(everyone)


async def test_a_dry_run_counts_what_the_purge_removes_and_removes_nothing(db: Database) -> None:
    c = await _cohort(db)
    late = T0 + timedelta(days=500)
    async with db.transaction() as session:
        before = {
            b: await rights.rows_about(session, b)
            for b in (c.agreed.beneficiary_id, c.idle.beneficiary_id, c.expired_invitation)
        }
    planned = await _purge(db, late, dry_run=True)
    async with db.transaction() as session:
        for beneficiary_id, rows in before.items():
            assert await rights.rows_about(session, beneficiary_id) == rows
    done = await _purge(db, late)
    assert planned == done
    _only(
        done,
        expired_invitations=2,
        bilans_after_retention=2,
        inactive_bilans=1,
        finished_messages=4,
        audit_events=3,
    )


async def test_a_shorter_retention_is_honoured(db: Database) -> None:
    c = await _cohort(db)
    policy = RetentionPolicy(dossier_days=90, followup_days=60, inactive_days=200)
    async with db.transaction() as session:
        counts = await rights.purge(session, CONCLUDED + timedelta(days=90), policy)
    assert counts[PurgeKind.BILANS_AFTER_RETENTION] == 2
    async with db.transaction() as session:
        counts = await rights.purge(session, T0 + timedelta(days=200), policy)
    assert counts[PurgeKind.INACTIVE_BILANS] == 1
    assert await _exists(db, c.fresh.beneficiary_id)


async def test_activity_postpones_the_inactivity_purge(db: Database) -> None:
    c = await _cohort(db)
    async with db.transaction() as session:
        await session.execute(
            update(Beneficiary)
            .where(Beneficiary.id == c.idle.beneficiary_id)
            .values(last_activity_at=T0 + timedelta(days=200))
        )
    _only(
        await _purge(db, T0 + timedelta(days=366)),
        expired_invitations=1,
        finished_messages=4,
        dossiers_after_followup=1,
        audit_events=1,
    )
    assert await _exists(db, c.idle.beneficiary_id)
