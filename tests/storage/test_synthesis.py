"""The synthesis workflow on both databases: versions, review, delivery, what is kept, who sees.

Files here are small stand-in bytes: what matters is who may reach them and
when they are gone. The files themselves are tested in ``test_synthesis_files``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from storage import indicators, outbox, rights, synthesis
from storage.actors import AccessDenied, SystemActor
from storage.cards import set_phase
from storage.db import Database
from storage.models import AuditEvent, Phase
from storage.outbox import Recipient
from storage.people import touch
from storage.synthesis import (
    SynthesisComment,
    SynthesisRefused,
    SynthesisState,
    SynthesisVersion,
)
from tests.storage.conftest import World
from tests.storage.conftest import world as world  # the fixture

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


async def _to_conclusion(db: Database, world: World) -> int:
    bid = world.paul.beneficiary_id
    async with db.transaction() as session:
        await set_phase(session, world.a, bid, Phase.INVESTIGATION)
        await set_phase(session, world.a, bid, Phase.CONCLUSION)
    return bid


async def _version(db: Database, world: World, text: bytes, origin: str = "draft") -> int:
    async with db.transaction() as session:
        info = await synthesis.add_version(
            session,
            world.a,
            world.paul.beneficiary_id,
            origin=origin,  # type: ignore[arg-type]
            editable=b"DOCX " + text,
            editable_format="docx",
            pdf=b"%PDF " + text,
            pages=3,
            to_write=2,
            now=NOW,
        )
    return info.number


async def _count(
    db: Database, table: type[SynthesisVersion] | type[SynthesisComment], bid: int
) -> int:
    async with db.transaction() as session:
        query = select(func.count()).select_from(table).where(table.beneficiary_id == bid)
        return int(await session.scalar(query) or 0)


async def _agreed_and_delivered(db: Database, world: World) -> int:
    bid = await _to_conclusion(db, world)
    await _version(db, world, b"one")
    await _version(db, world, b"two", origin="upload")
    async with db.transaction() as session:
        await synthesis.request_review(session, world.a, bid, NOW)
        await synthesis.add_comment(session, world.paul, 2, "Ajoutez mon expérience associative.")
        await synthesis.agree(session, world.paul, 2, NOW)
        await synthesis.deliver(session, world.a, bid, NOW)
    async with db.transaction() as session:  # the dispatcher sent what delivery queued
        await session.execute(
            update(outbox.OutboxMessage).values(status=outbox.OutboxStatus.SENT, sent_at=NOW)
        )
    return bid


async def test_a_draft_needs_the_conclusion_phase(db: Database, world: World) -> None:
    with pytest.raises(SynthesisRefused) as refused:
        async with db.transaction() as session:
            await synthesis.add_version(
                session,
                world.a,
                world.paul.beneficiary_id,
                origin="draft",
                editable=b"x",
                editable_format="docx",
                pdf=b"y",
                pages=1,
                to_write=0,
            )
    assert refused.value.reason == "not_in_conclusion"


async def test_versions_number_up_and_only_the_own_counsellor_reads_them(
    db: Database, world: World
) -> None:
    bid = await _to_conclusion(db, world)
    assert await _version(db, world, b"one") == 1
    assert await _version(db, world, b"two", origin="upload") == 2
    async with db.transaction() as session:
        files = await synthesis.version_files(session, world.a, bid)
        first = await synthesis.version_files(session, world.a, bid, 1)
    assert (files.info.number, files.editable, files.pdf) == (2, b"DOCX two", b"%PDF two")
    assert first.pdf == b"%PDF one"
    for stranger in (world.b, world.paul, world.lea, SystemActor("test")):
        with pytest.raises(AccessDenied):
            async with db.transaction() as session:
                await synthesis.version_files(session, stranger, bid)
    with pytest.raises(AccessDenied):
        async with db.transaction() as session:
            await synthesis.add_version(
                session,
                world.b,
                bid,
                origin="draft",
                editable=b"x",
                editable_format="docx",
                pdf=b"y",
                pages=1,
                to_write=0,
            )


async def test_generation_upload_download_and_delivery_are_audited(
    db: Database, world: World
) -> None:
    bid = await _agreed_and_delivered(db, world)
    async with db.transaction() as session:
        await synthesis.version_files(session, world.a, bid)
        await synthesis.read_comments(session, world.a, bid)
        actions = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(
                    AuditEvent.beneficiary_id == bid,
                    AuditEvent.actor_kind == "counsellor",
                    AuditEvent.action.not_like("phase:%"),
                )
                .order_by(AuditEvent.id)
            )
        )
    assert actions == [
        "synthesis:generate",
        "synthesis:upload",
        "synthesis:review",
        "synthesis:deliver",
        "synthesis:download",
        "read:synthesis_comments",
    ]


async def test_the_person_reads_only_the_version_under_review(db: Database, world: World) -> None:
    bid = await _to_conclusion(db, world)
    await _version(db, world, b"one")
    async with db.transaction() as session:
        assert await synthesis.person_copy(session, world.paul, "review") is None
        await synthesis.request_review(session, world.a, bid, NOW)
        assert await synthesis.person_copy(session, world.paul, "review") == (1, b"%PDF one")
        assert await synthesis.person_copy(session, world.lea, "review") is None
    with pytest.raises(AccessDenied):
        async with db.transaction() as session:
            await synthesis.person_copy(session, world.a, "review")
    # A new version while in review: the old one can no longer be agreed to.
    await _version(db, world, b"two")
    with pytest.raises(SynthesisRefused) as refused:
        async with db.transaction() as session:
            await synthesis.agree(session, world.paul, 1)
    assert refused.value.reason == "not_in_review"


async def test_comments_reach_the_counsellor_and_nobody_else(db: Database, world: World) -> None:
    bid = await _to_conclusion(db, world)
    await _version(db, world, b"one")
    async with db.transaction() as session:
        await synthesis.request_review(session, world.a, bid, NOW)
        comment_id = await synthesis.add_comment(session, world.paul, 1, "  Trop long.  ")
    async with db.transaction() as session:
        comments = await synthesis.read_comments(session, world.a, bid)
        one = await synthesis.read_comment(session, world.a, comment_id)
    assert [(c.version, c.text) for c in comments] == [(1, "Trop long.")]
    assert one.text == "Trop long."
    for stranger in (world.b, world.lea):
        with pytest.raises(AccessDenied):
            async with db.transaction() as session:
                await synthesis.read_comment(session, stranger, comment_id)
    for bad, reason in (("   ", "empty"), ("x" * (synthesis.COMMENT_MAX + 1), "too_long")):
        with pytest.raises(SynthesisRefused) as refused:
            async with db.transaction() as session:
                await synthesis.add_comment(session, world.paul, 1, bad)
        assert refused.value.reason == reason


async def test_delivery_needs_agreement_to_the_current_version(db: Database, world: World) -> None:
    bid = await _to_conclusion(db, world)
    await _version(db, world, b"one")
    with pytest.raises(SynthesisRefused) as refused:
        async with db.transaction() as session:
            await synthesis.deliver(session, world.a, bid)
    assert refused.value.reason == "not_agreed"
    async with db.transaction() as session:
        await synthesis.request_review(session, world.a, bid, NOW)
        await synthesis.agree(session, world.paul, 1, NOW)
    await _version(db, world, b"two")  # agreement was to version 1
    with pytest.raises(SynthesisRefused):
        async with db.transaction() as session:
            await synthesis.deliver(session, world.a, bid)


async def test_delivery_keeps_only_the_final_version(db: Database, world: World) -> None:
    bid = await _agreed_and_delivered(db, world)
    assert await _count(db, SynthesisVersion, bid) == 1
    async with db.transaction() as session:
        state = await synthesis.status(session, world.a, bid)
        final = await synthesis.person_copy(session, world.paul, "final")
    assert state is not None and state.state == SynthesisState.DELIVERED
    assert final == (2, b"%PDF two")
    assert state.delivered_sha256 == synthesis.sha256(b"%PDF two")
    with pytest.raises(SynthesisRefused):
        await _version(db, world, b"three")


async def test_refusing_retention_deletes_the_copy_at_once(db: Database, world: World) -> None:
    bid = await _agreed_and_delivered(db, world)
    later = NOW + timedelta(minutes=3)
    async with db.transaction() as session:
        record = await synthesis.answer_retention(session, world.paul, False, later)
    assert record.copy_deleted and not record.agreed and record.answered_at == later
    assert record.delivered_sha256 == synthesis.sha256(b"%PDF two")
    assert await _count(db, SynthesisVersion, bid) == 0
    assert await _count(db, SynthesisComment, bid) == 0
    async with db.transaction() as session:
        state = await synthesis.status(session, world.a, bid)
        assert await synthesis.person_copy(session, world.paul, "final") is None
        assert await rights.synthesis_agreement(session, world.paul, bid) is False
    assert state is not None and state.copy_deleted_at == later and state.retention_agreed is False


async def test_agreement_keeps_the_copy_one_year_then_the_purge_deletes_it(
    db: Database, world: World
) -> None:
    bid = await _agreed_and_delivered(db, world)
    async with db.transaction() as session:
        record = await synthesis.answer_retention(session, world.paul, True, NOW)
    assert record.keep_until == NOW + synthesis.KEEP_FOR and not record.copy_deleted
    async with db.transaction() as session:
        counts = await rights.purge(session, NOW + timedelta(days=364))
    assert counts[rights.PurgeKind.SYNTHESIS_COPIES] == 0
    assert await _count(db, SynthesisVersion, bid) == 1
    async with db.transaction() as session:  # still active: the rest of the bilan stays
        await touch(session, world.paul, NOW + timedelta(days=300))
    async with db.transaction() as session:
        dry = await rights.purge(session, NOW + timedelta(days=366), dry_run=True)
    assert dry[rights.PurgeKind.SYNTHESIS_COPIES] == 1
    async with db.transaction() as session:
        counts = await rights.purge(session, NOW + timedelta(days=366))
    assert counts[rights.PurgeKind.SYNTHESIS_COPIES] == 1
    assert await _count(db, SynthesisVersion, bid) == 0


async def test_silence_counts_as_refusal_after_the_answer_window(
    db: Database, world: World
) -> None:
    bid = await _agreed_and_delivered(db, world)
    async with db.transaction() as session:
        early = await rights.purge(session, NOW + synthesis.ANSWER_WINDOW - timedelta(hours=1))
    assert early[rights.PurgeKind.SYNTHESIS_COPIES] == 0
    async with db.transaction() as session:
        late = await rights.purge(session, NOW + synthesis.ANSWER_WINDOW + timedelta(hours=1))
    assert late[rights.PurgeKind.SYNTHESIS_COPIES] == 1
    assert await _count(db, SynthesisVersion, bid) == 0


async def test_waits_belong_to_one_person_and_lapse(db: Database, world: World) -> None:
    bid = await _to_conclusion(db, world)
    await _version(db, world, b"one")
    async with db.transaction() as session:
        await synthesis.request_review(session, world.a, bid, NOW)
        assert await synthesis.start_wait(session, world.paul, bid, "comment", NOW) == 1
        assert await synthesis.start_wait(session, world.a, bid, "upload", NOW) == 1
    async with db.transaction() as session:
        mine = await synthesis.waiting(session, world.paul, NOW + timedelta(minutes=5))
        theirs = await synthesis.waiting(session, world.a, NOW + timedelta(minutes=5))
        assert await synthesis.waiting(session, world.lea, NOW) is None
        assert await synthesis.waiting(session, world.paul, NOW + timedelta(hours=1)) is None
    assert mine is not None and (mine.purpose, mine.version) == ("comment", 1)
    assert theirs is not None and theirs.purpose == "upload"
    with pytest.raises(AccessDenied):
        async with db.transaction() as session:
            await synthesis.start_wait(session, world.b, bid, "upload", NOW)
    with pytest.raises(AccessDenied):
        async with db.transaction() as session:
            await synthesis.start_wait(session, world.lea, bid, "comment", NOW)


async def test_the_export_lists_versions_and_comments_not_files(db: Database, world: World) -> None:
    await _agreed_and_delivered(db, world)
    async with db.transaction() as session:
        dossier = await rights.collect(session, world.paul)
    (record,) = dossier.parts["synthesis"]
    assert record.data["comments"][0]["text"] == "Ajoutez mon expérience associative."
    assert [v["number"] for v in record.data["versions"]] == [2]
    assert "%PDF" not in repr(record.data)


async def test_erasure_removes_every_synthesis_row(db: Database, world: World) -> None:
    bid = await _agreed_and_delivered(db, world)
    async with db.transaction() as session:
        await rights.erase_beneficiary(session, SystemActor("test"), bid, "test", NOW)
    assert await _count(db, SynthesisVersion, bid) == 0
    assert await _count(db, SynthesisComment, bid) == 0


async def test_delivered_and_kept_syntheses_count_even_after_erasure(
    db: Database, world: World
) -> None:
    bid = await _agreed_and_delivered(db, world)
    async with db.transaction() as session:
        await synthesis.answer_retention(session, world.paul, True, NOW)
        alive = await indicators.totals(session)
        await rights.erase_beneficiary(session, SystemActor("test"), bid, "test", NOW)
    async with db.transaction() as session:
        after = await indicators.totals(session)
    assert (alive["synthesis:delivered"], alive["synthesis:kept"]) == (1, 1)
    assert (after["synthesis:delivered"], after["synthesis:kept"]) == (1, 1)
    report = {line.indicator: line.value for line in indicators.lines(after)}
    assert report["delivered"] == "< 5"


async def test_a_refusal_before_the_final_pdf_left_waits_for_it(db: Database, world: World) -> None:
    """Erasing the copy the final message is made from would lose the person's own document."""
    bid = await _agreed_and_delivered(db, world)
    async with db.transaction() as session:
        await outbox.enqueue(
            session,
            kind=synthesis.FINAL_KIND,
            recipient=Recipient.beneficiary(bid),
            due_at=NOW,
            dedupe_key="final",
            payload={"version": 2},
            beneficiary_id=bid,
        )
        record = await synthesis.answer_retention(session, world.paul, False, NOW)
        assert await synthesis.person_copy(session, world.paul, "final") is not None
    assert not record.copy_deleted and not record.agreed
    async with db.transaction() as session:
        held = await rights.purge(session, NOW + timedelta(minutes=1))
    assert held[rights.PurgeKind.SYNTHESIS_COPIES] == 0
    assert await _count(db, SynthesisVersion, bid) == 1
    async with db.transaction() as session:
        (final,) = await outbox.claim(session, limit=1, lease=timedelta(minutes=1), now=NOW)
        await outbox.mark_sent(session, final, now=NOW)
    async with db.transaction() as session:
        done = await rights.purge(session, NOW + timedelta(minutes=2))
    assert done[rights.PurgeKind.SYNTHESIS_COPIES] == 1
    assert await _count(db, SynthesisVersion, bid) == 0


async def test_the_final_pdf_replaces_the_agreed_one_and_its_fingerprint(
    db: Database, world: World
) -> None:
    """The person receives the final document made from the version they agreed to."""
    bid = await _to_conclusion(db, world)
    await _version(db, world, b"one")
    async with db.transaction() as session:
        await synthesis.request_review(session, world.a, bid, NOW)
        await synthesis.agree(session, world.paul, 1, NOW)
        agreed = await synthesis.agreed_version(session, world.a, bid)
    assert (agreed.info.number, agreed.editable) == (1, b"DOCX one")
    with pytest.raises(AccessDenied):
        async with db.transaction() as session:
            await synthesis.agreed_version(session, world.b, bid)
    with pytest.raises(SynthesisRefused) as refused:  # made from another version
        async with db.transaction() as session:
            await synthesis.deliver(session, world.a, bid, NOW, synthesis.FinalPdf(2, b"x", 1))
    assert refused.value.reason == "not_agreed"
    async with db.transaction() as session:
        info = await synthesis.deliver(
            session, world.a, bid, NOW, synthesis.FinalPdf(1, b"%PDF final", 4)
        )
        state = await synthesis.status(session, world.a, bid)
        copy = await synthesis.person_copy(session, world.paul, "final")
    assert info.pages == 4
    assert copy == (1, b"%PDF final")
    assert state is not None and state.delivered_sha256 == synthesis.sha256(b"%PDF final")
