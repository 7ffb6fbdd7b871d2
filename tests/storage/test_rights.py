"""The beneficiary's rights in storage: see, erase, withdraw, the synthesis agreement.

Every test runs on SQLite and on PostgreSQL (the ``db`` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage import outbox, rights
from storage.actors import AccessDenied, SystemActor, resolve_actor
from storage.db import Database
from storage.models import Beneficiary, BeneficiaryStatus, Phase
from storage.outbox import OutboxMessage, OutboxStatus, Recipient
from storage.people import accept_invitation, create_invitation, list_beneficiaries
from storage.responses import open_run, read_run, save_answer, submit_run
from storage.rights import RightsError
from storage.skills import choose_job, save_skills, toggle_draft_skill
from tests.storage.conftest import World

SECRET = "Je rêve d'ouvrir un atelier de lutherie à Nantes."


async def _dossier(db: Database, world: World) -> int:
    """Paul answers and sends his dossier; his counsellor reads it; Léa answers hers."""
    async with db.transaction() as session:
        run = await open_run(session, world.paul, "dossier_auto_bilan", 1)
        await save_answer(session, world.paul, run.id, "statut", "salarie", "projet")
        await save_answer(session, world.paul, run.id, "projet", SECRET, None)
        await submit_run(session, world.paul, run.id)
        await choose_job(session, world.paul, "10438", "J1506")
        await toggle_draft_skill(session, world.paul, "12345")
        await save_skills(session, world.paul)
        other = await open_run(session, world.lea, "dossier_auto_bilan", 1)
        await save_answer(session, world.lea, other.id, "statut", "salarie", None)
    async with db.transaction() as session:
        await read_run(session, world.a, run.id)
    return run.id


async def _queue(db: Database, key: str, recipient: Recipient, beneficiary_id: int) -> None:
    async with db.transaction() as session:
        await outbox.enqueue(
            session,
            kind="notice",
            recipient=recipient,
            due_at=datetime.now(UTC) + timedelta(days=1),
            dedupe_key=key,
            payload={"msgid": "x", "params": {}},
            beneficiary_id=beneficiary_id,
        )


async def _statuses(db: Database) -> dict[str, OutboxStatus]:
    async with db.transaction() as session:
        rows = await session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.status))
        return {key: status for key, status in rows}


# --- see and export -----------------------------------------------------------------------


async def test_the_person_sees_everything_kept_and_who_opened_it(
    db: Database, world: World
) -> None:
    run_id = await _dossier(db, world)
    paul_id = world.paul.beneficiary_id
    await _queue(db, "reminder:paul", Recipient.beneficiary(paul_id), paul_id)
    async with db.transaction() as session:
        dossier = await rights.collect(session, world.paul)
    assert dossier.profile.name == "Paul Durand"
    assert dossier.counsellor_name == "Claire Martin"
    (run,) = dossier.parts["questionnaires"]
    assert run.data["answers"] == {"statut": "salarie", "projet": SECRET}
    assert run.data["status"] == "submitted"
    assert dossier.parts["current_job"][0].data["ticked_skills"] == ["12345"]
    # The notice queued above, and the counsellor's notice of the submitted dossier.
    assert sorted(m.data["kind"] for m in dossier.parts["messages"]) == [
        "instrument_submitted",
        "notice",
    ]
    (access,) = dossier.accesses
    assert access.actor_kind == "counsellor"
    assert access.actor_name == "Claire Martin"
    assert access.action == "read:dossier_auto_bilan"
    assert dossier.retention.basis == rights.RetentionBasis.INACTIVITY
    assert run_id


async def test_only_the_person_collects_their_dossier(db: Database, world: World) -> None:
    await _dossier(db, world)
    paul_id = world.paul.beneficiary_id
    for intruder in (world.a, world.b):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await rights.collect(session, intruder, paul_id)
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await rights.collect(session, world.lea, paul_id)
        lea = await rights.collect(session, world.lea)
    assert lea.profile.name == "Léa Moreau"
    assert SECRET not in repr(lea)


async def test_a_table_no_collector_claims_is_still_exported(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _dossier(db, world)
    without_job = {k: v for k, v in rights._COLLECTORS.items() if k != "current_job"}
    monkeypatch.setattr(rights, "_COLLECTORS", without_job)
    async with db.transaction() as session:
        dossier = await rights.collect(session, world.paul)
    (row,) = dossier.parts["current_jobs"]
    assert row.data["sheet_code"] == "J1506"
    assert row.data["ticked_skills"] == ["12345"]
    assert "beneficiary_id" not in row.data


# --- erasure ------------------------------------------------------------------------------


async def test_erasure_needs_two_fresh_confirmations(db: Database, world: World) -> None:
    now = datetime.now(UTC)
    async with db.transaction() as session:
        assert await rights.erase_own_data(session, world.paul, now) is None
        assert not await rights.confirm_erasure(session, world.paul, now)
        await rights.request_erasure(session, world.paul, now)
        assert await rights.erase_own_data(session, world.paul, now) is None
    late = now + rights.ERASURE_WINDOW + timedelta(seconds=1)
    async with db.transaction() as session:
        assert not await rights.confirm_erasure(session, world.paul, late)
        await rights.request_erasure(session, world.paul, now)
        assert await rights.confirm_erasure(session, world.paul, now)
        assert await rights.cancel(session, world.paul)
        assert await rights.erase_own_data(session, world.paul, now) is None
    async with db.transaction() as session:
        assert await resolve_actor(session, world.paul.telegram_id) == world.paul


async def test_erasure_deletes_everything_about_the_person_only(db: Database, world: World) -> None:
    run_id = await _dossier(db, world)
    paul_id, lea_id = world.paul.beneficiary_id, world.lea.beneficiary_id
    await _queue(db, "to-paul", Recipient.beneficiary(paul_id), paul_id)
    await _queue(db, "about-paul", Recipient.counsellor(world.a.counsellor_id), paul_id)
    await _queue(db, "to-lea", Recipient.beneficiary(lea_id), lea_id)
    async with db.transaction() as session:
        before_lea = await rights.rows_about(session, lea_id)
        await rights.request_erasure(session, world.paul)
        assert await rights.confirm_erasure(session, world.paul)
        erased = await rights.erase_own_data(session, world.paul)
    assert erased is not None
    assert erased.name == "Paul Durand" and erased.counsellor_id == world.a.counsellor_id
    assert erased.rows["answers"] == 2 and erased.rows["audit_events"] == 1
    async with db.transaction() as session:
        assert await rights.rows_about(session, paul_id) == {}
        assert await rights.rows_about(session, lea_id) == before_lea
        assert await resolve_actor(session, world.paul.telegram_id) is None
        assert await rights.rights_holder(session, world.paul.telegram_id) is None
        names = [b.name for b in await list_beneficiaries(session, world.a)]
        with pytest.raises(AccessDenied):
            await read_run(session, world.a, run_id)
    assert "Paul Durand" not in names
    # Only the counsellor's notice of the erasure is left of Paul: no beneficiary id, and
    # its payload (his name) goes once it is sent.
    assert set(await _statuses(db)) == {"to-lea", f"{outbox.FORGET_ONCE_SENT}erased:{paul_id}"}


async def test_the_system_cannot_be_impersonated_for_erasure(db: Database, world: World) -> None:
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await rights.erase_beneficiary(
                session,
                world.a,  # type: ignore[arg-type]
                world.paul.beneficiary_id,
                "erased",
            )
        with pytest.raises(AccessDenied):
            await rights.request_erasure(session, SystemActor("t"))


# --- consent withdrawal ------------------------------------------------------------------------


async def test_withdrawal_cancels_every_pending_message_at_once(db: Database, world: World) -> None:
    paul_id, lea_id = world.paul.beneficiary_id, world.lea.beneficiary_id
    await _queue(db, "to-paul-1", Recipient.beneficiary(paul_id), paul_id)
    await _queue(db, "to-paul-2", Recipient.beneficiary(paul_id), paul_id)
    await _queue(db, "to-lea", Recipient.beneficiary(lea_id), lea_id)
    async with db.transaction() as session:
        await rights.request_erasure(session, world.paul)
        withdrawn = await rights.withdraw_consent(session, world.paul)
    assert withdrawn is not None
    assert withdrawn.cancelled_messages == 2 and withdrawn.name == "Paul Durand"
    statuses = await _statuses(db)
    assert statuses["to-paul-1"] == statuses["to-paul-2"] == OutboxStatus.CANCELLED
    assert statuses["to-lea"] == OutboxStatus.PENDING
    async with db.transaction() as session:
        assert await resolve_actor(session, world.paul.telegram_id) is None
        holder = await rights.rights_holder(session, world.paul.telegram_id)
        assert holder == world.paul
        assert await rights.withdraw_consent(session, world.paul) is None
        # The erasure asked before withdrawing does not carry over.
        assert not await rights.confirm_erasure(session, world.paul)
        dossier = await rights.collect(session, world.paul)
    assert dossier.profile.status == BeneficiaryStatus.WITHDRAWN
    assert dossier.profile.consent_withdrawn_at is not None


async def test_after_withdrawal_a_new_invitation_brings_the_person_back(
    db: Database, world: World
) -> None:
    async with db.transaction() as session:
        await rights.withdraw_consent(session, world.paul)
        issued = await create_invitation(session, world.a, "Paul Durand")
    async with db.transaction() as session:
        again = await accept_invitation(session, issued.token, world.paul.telegram_id, "fr")
    assert again is not None and again.beneficiary_id != world.paul.beneficiary_id
    async with db.transaction() as session:
        assert await resolve_actor(session, world.paul.telegram_id) == again
        assert await rights.rights_holder(session, world.paul.telegram_id) == again


async def test_a_counsellor_is_never_a_rights_holder(db: Database, world: World) -> None:
    async with db.transaction() as session:
        assert await rights.rights_holder(session, world.a.telegram_id) is None
        assert await rights.rights_holder(session, 999_999) is None


# --- the synthesis agreement ------------------------------------------------------------------


async def test_the_synthesis_question_waits_for_the_conclusion(db: Database, world: World) -> None:
    paul_id = world.paul.beneficiary_id
    async with db.transaction() as session:
        assert not await rights.may_answer_synthesis(session, world.paul)
        with pytest.raises(RightsError):
            await rights.record_synthesis_agreement(session, world.paul, True)
        with pytest.raises(AccessDenied):
            await rights.mark_concluded(session, world.b, paul_id)
        with pytest.raises(AccessDenied):
            await rights.mark_concluded(session, world.paul, paul_id)
        concluded = await rights.mark_concluded(session, world.a, paul_id)
        assert await rights.mark_concluded(session, world.a, paul_id) == concluded
        assert await rights.may_answer_synthesis(session, world.paul)
        await rights.record_synthesis_agreement(session, world.paul, True)
    async with db.transaction() as session:
        assert await rights.synthesis_agreement(session, world.a, paul_id) is True
        with pytest.raises(AccessDenied):
            await rights.synthesis_agreement(session, world.b, paul_id)
        with pytest.raises(AccessDenied):
            await rights.record_synthesis_agreement(session, world.a, False)
        await rights.record_synthesis_agreement(session, world.paul, False)
        dossier = await rights.collect(session, world.paul)
    assert dossier.synthesis.agreed is False
    assert dossier.retention.basis == rights.RetentionBasis.FOLLOWUP_ONLY
    assert dossier.retention.dossier_until == concluded + timedelta(days=213)
    assert dossier.retention.contact_until == concluded + timedelta(days=365)


async def test_a_phase_at_conclusion_is_enough_to_answer(db: Database, world: World) -> None:
    async with db.transaction() as session:
        person = await session.get(Beneficiary, world.lea.beneficiary_id)
        assert person is not None
        person.phase = Phase.CONCLUSION
    async with db.transaction() as session:
        await rights.record_synthesis_agreement(session, world.lea, True)
        assert await rights.synthesis_agreement(session, world.b, world.lea.beneficiary_id)


def test_retention_never_goes_past_a_year() -> None:
    with pytest.raises(ValueError):
        rights.RetentionPolicy(dossier_days=366)
    with pytest.raises(ValueError):
        rights.RetentionPolicy(dossier_days=100, followup_days=200)
    with pytest.raises(ValueError):
        rights.RetentionPolicy(inactive_days=400)
    assert rights.RetentionPolicy(dossier_days=200, followup_days=150).dossier_days == 200
