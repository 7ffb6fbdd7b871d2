"""Enquêtes métiers on both back ends: the person's own, reminders, reports, erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from storage import rights
from storage.actors import AccessDenied, SystemActor
from storage.contacts import (
    SHARED_KIND,
    ContactFields,
    ContactKind,
    add_contact,
    erase_contact,
    share_contact,
)
from storage.db import Database
from storage.enquetes import (
    REMINDER_KIND,
    REPORTED_KIND,
    Confirms,
    InquiryRefused,
    Report,
    counts_of,
    delete_inquiry,
    own_inquiries,
    own_inquiry,
    report_for,
    report_inquiry,
    reported_between,
    reports_of,
    rome_codes_of,
    set_meeting,
    set_questions,
    start_inquiry,
)
from storage.outbox import OutboxMessage, OutboxStatus
from tests.storage.conftest import World

ADMIN = SystemActor("test")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
NURSE = ContactFields(
    kind=ContactKind.PROFESSIONAL,
    name="Sophie Lenoir",
    reach="06 12 34 56 78",
    agreed_on=date(2026, 2, 1),
    agreed_how="par téléphone",
    rome_codes=("J1506",),
)
LEARNED = "Les gardes de nuit sont dures mais l'équipe soutient."


async def _shared(db: Database, world: World) -> int:
    async with db.transaction() as session:
        contact = await add_contact(session, ADMIN, NURSE)
        share, _new = await share_contact(
            session, world.a, world.paul.beneficiary_id, contact.id, rome_code="J1506"
        )
    return share.id


async def _outbox(db: Database) -> list[tuple[str, str, OutboxStatus, datetime]]:
    """The inquiry's own messages (the shared contact's card is ``storage.contacts``')."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(
                OutboxMessage.kind,
                OutboxMessage.dedupe_key,
                OutboxMessage.status,
                OutboxMessage.due_at,
            )
            .where(OutboxMessage.kind != SHARED_KIND)
            .order_by(OutboxMessage.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_prepare_with_a_shared_contact_then_report(db: Database, world: World) -> None:
    share_id = await _shared(db, world)
    meeting = NOW + timedelta(days=5)
    async with db.transaction() as session:
        inquiry = await start_inquiry(
            session,
            world.paul,
            title="Infirmier / Infirmière",
            rome_code="J1506",
            share_id=share_id,
            now=NOW,
        )
        await set_questions(session, world.paul, inquiry.id, "Comment sont les horaires ?")
        await set_meeting(session, world.paul, inquiry.id, meeting, now=NOW)
        # Their counsellor sees that one is being prepared, never what it says.
        assert await counts_of(session, world.a, world.paul.beneficiary_id) == (
            await counts_of(session, world.paul, world.paul.beneficiary_id)
        )
        assert (await counts_of(session, world.a, world.paul.beneficiary_id)).preparing == 1
        assert await reports_of(session, world.a, world.paul.beneficiary_id) == []
        with pytest.raises(AccessDenied):
            await report_for(session, world.a, inquiry.id)
    [(kind, key, status, due)] = await _outbox(db)
    assert (kind, key, status, due) == (
        REMINDER_KIND,
        f"enq:{inquiry.id}:remind",
        OutboxStatus.PENDING,
        meeting - timedelta(days=1),
    )
    async with db.transaction() as session:
        # Moving the date moves the same reminder: the key comes from the id, not the clock.
        await set_meeting(session, world.paul, inquiry.id, NOW + timedelta(hours=5), now=NOW)
    [(_kind, _key, _status, due)] = await _outbox(db)
    assert due == NOW + timedelta(hours=3)
    report = Report(date(2026, 3, 10), LEARNED, Confirms.PARTLY, "Faire un stage d'observation")
    async with db.transaction() as session:
        done = await report_inquiry(session, world.paul, inquiry.id, report, now=NOW)
        assert done.reported and done.confirms == Confirms.PARTLY
        with pytest.raises(InquiryRefused):
            await report_inquiry(session, world.paul, inquiry.id, report, now=NOW)
    rows = await _outbox(db)
    assert [(k, s) for k, _key, s, _d in rows] == [
        (REMINDER_KIND, OutboxStatus.CANCELLED),
        (REPORTED_KIND, OutboxStatus.PENDING),
    ]
    async with db.transaction() as session:
        [seen] = await reports_of(session, world.a, world.paul.beneficiary_id)
        assert seen.learned == LEARNED
        assert seen.share is not None and seen.share.contact is not None
        assert (await report_for(session, world.a, inquiry.id)).learned == LEARNED
        counts = await reported_between(
            session, world.a, world.a.counsellor_id, NOW - timedelta(1), NOW
        )
        assert counts == {world.paul.beneficiary_id: 1}
        assert await rome_codes_of(session, world.a, world.paul.beneficiary_id) == ["J1506"]


async def test_nobody_else_reaches_an_inquiry(db: Database, world: World) -> None:
    share_id = await _shared(db, world)
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):  # Léa cannot build on a share made to Paul
            await start_inquiry(session, world.lea, title="X", share_id=share_id)
        inquiry = await start_inquiry(session, world.paul, title="Aide-soignant", now=NOW)
        await report_inquiry(
            session,
            world.paul,
            inquiry.id,
            Report(date(2026, 3, 9), LEARNED, Confirms.YES),
            now=NOW,
        )
        for actor in (world.lea, world.b, world.a):
            with pytest.raises(AccessDenied):
                await own_inquiry(session, actor, inquiry.id)
        for actor in (world.lea, world.b):
            with pytest.raises(AccessDenied):
                await reports_of(session, actor, world.paul.beneficiary_id)
            with pytest.raises(AccessDenied):
                await report_for(session, actor, inquiry.id)
        with pytest.raises(AccessDenied):
            await reported_between(session, world.b, world.a.counsellor_id, NOW, NOW)
        with pytest.raises(AccessDenied):
            await start_inquiry(session, world.a, title="X")


async def test_refusals_name_the_problem(db: Database, world: World) -> None:
    async with db.transaction() as session:
        inquiry = await start_inquiry(session, world.paul, title="Boulanger", now=NOW)
        for call, reason in (
            (
                set_meeting(session, world.paul, inquiry.id, NOW - timedelta(hours=1), now=NOW),
                "past",
            ),
            (
                set_meeting(session, world.paul, inquiry.id, NOW + timedelta(days=400), now=NOW),
                "future",
            ),
            (set_questions(session, world.paul, inquiry.id, "   "), "empty"),
            (set_questions(session, world.paul, inquiry.id, "x" * 2001), "too_long"),
            (start_inquiry(session, world.paul, title=""), "empty"),
        ):
            with pytest.raises(InquiryRefused) as refused:
                await call
            assert refused.value.reason == reason


async def test_erasing_the_contact_leaves_the_persons_words(db: Database, world: World) -> None:
    share_id = await _shared(db, world)
    async with db.transaction() as session:
        inquiry = await start_inquiry(
            session, world.paul, title="Infirmier", rome_code="J1506", share_id=share_id, now=NOW
        )
        await report_inquiry(
            session,
            world.paul,
            inquiry.id,
            Report(date(2026, 3, 9), LEARNED, Confirms.YES),
            now=NOW,
        )
        contact_id = (await own_inquiry(session, world.paul, inquiry.id)).share.contact.id  # type: ignore[union-attr]
    async with db.transaction() as session:
        await erase_contact(session, ADMIN, contact_id)
    async with db.transaction() as session:
        kept = await own_inquiry(session, world.paul, inquiry.id)
        assert kept.learned == LEARNED
        assert kept.contact_erased
        [seen] = await reports_of(session, world.a, world.paul.beneficiary_id)
        assert seen.contact_erased and seen.learned == LEARNED


async def test_deleting_and_erasing_take_the_inquiries_and_their_reminders(
    db: Database, world: World
) -> None:
    async with db.transaction() as session:
        first = await start_inquiry(session, world.paul, title="Boulanger", now=NOW)
        await set_meeting(session, world.paul, first.id, NOW + timedelta(days=3), now=NOW)
        second = await start_inquiry(session, world.paul, title="Pâtissier", now=NOW)
        await set_meeting(session, world.paul, second.id, NOW + timedelta(days=3), now=NOW)
        await delete_inquiry(session, world.paul, first.id)
        assert [i.id for i in await own_inquiries(session, world.paul)] == [second.id]
    assert [s for _k, _key, s, _d in await _outbox(db)] == [
        OutboxStatus.CANCELLED,
        OutboxStatus.PENDING,
    ]
    async with db.transaction() as session:
        await rights.erase_beneficiary(session, ADMIN, world.paul.beneficiary_id, "erased")
    async with db.engine.connect() as connection:
        left = (await connection.execute(text("SELECT count(*) FROM field_inquiries"))).scalar()
        outbox = (await connection.execute(text("SELECT count(*) FROM outbox"))).scalar()
    assert (left, outbox) == (0, 0)


async def test_the_persons_words_are_encrypted_at_rest(db: Database, world: World) -> None:
    async with db.transaction() as session:
        inquiry = await start_inquiry(
            session, world.paul, title="Ébéniste", own_contact="mon oncle Marcel", now=NOW
        )
        await set_questions(session, world.paul, inquiry.id, "Combien gagne un débutant ?")
        await report_inquiry(
            session,
            world.paul,
            inquiry.id,
            Report(
                date(2026, 3, 9), "Le bois se travaille lentement", Confirms.NO, "Chercher ailleurs"
            ),
            now=NOW,
        )
    async with db.engine.connect() as connection:
        raw = repr((await connection.execute(text("SELECT * FROM field_inquiries"))).all())
    for secret in ("Ébéniste", "Marcel", "débutant", "lentement", "ailleurs", "'no'"):
        assert secret not in raw


async def test_the_export_holds_the_shared_contact_and_the_report(
    db: Database, world: World
) -> None:
    import json

    from bot.export import build_json, build_pdf

    share_id = await _shared(db, world)
    async with db.transaction() as session:
        inquiry = await start_inquiry(
            session, world.paul, title="Infirmier", rome_code="J1506", share_id=share_id, now=NOW
        )
        await report_inquiry(
            session,
            world.paul,
            inquiry.id,
            Report(date(2026, 3, 9), LEARNED, Confirms.PARTLY, "Stage d'observation"),
            now=NOW,
        )
        dossier = await rights.collect(session, world.paul)
    parts = json.loads(build_json(dossier, "fr"))["parts"]
    shared, report = parts["enquetes"]
    assert shared["label"] == "shared_contact"
    assert shared["data"]["contact"]["reach"] == NURSE.reach
    assert report["data"]["learned"] == LEARNED and report["data"]["confirms"] == "partly"
    assert build_pdf(dossier, "fr", "Europe/Paris").startswith(b"%PDF")
    assert "field_inquiries" not in parts and "contact_shares" not in parts


async def test_the_digest_counts_the_reports_of_the_window(db: Database, world: World) -> None:
    from storage.digest import changes_since

    async with db.transaction() as session:
        inquiry = await start_inquiry(session, world.paul, title="Boulanger", now=NOW)
        await report_inquiry(
            session,
            world.paul,
            inquiry.id,
            Report(date(2026, 3, 9), LEARNED, Confirms.YES),
            now=NOW,
        )
    async with db.transaction() as session:
        [paul] = await changes_since(
            session, world.a, world.a.counsellor_id, NOW - timedelta(days=1), NOW
        )
        assert paul.enquetes_reported == 1
        assert (
            await changes_since(
                session, world.b, world.b.counsellor_id, NOW - timedelta(days=1), NOW
            )
            == []
        )
        later = await changes_since(
            session, world.a, world.a.counsellor_id, NOW, NOW + timedelta(days=1)
        )
        assert all(p.enquetes_reported == 0 for p in later)
