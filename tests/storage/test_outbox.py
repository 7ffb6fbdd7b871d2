"""The outbox table: idempotent scheduling, cancellation, claims and leases, on both back ends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text, update

from storage import outbox
from storage.actors import AccessDenied
from storage.db import Database
from storage.models import Beneficiary, BeneficiaryStatus, Counsellor
from storage.outbox import OutboxMessage, OutboxStatus, Recipient
from tests.storage.conftest import World

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


async def _enqueue(
    db: Database, key: str, recipient: Recipient, due: datetime = T0, **kwargs: object
) -> int:
    async with db.transaction() as session:
        return await outbox.enqueue(
            session,
            kind=str(kwargs.pop("kind", "notice")),
            recipient=recipient,
            due_at=due,
            dedupe_key=key,
            payload=kwargs.pop("payload", {"n": 1}),
            now=T0 - timedelta(hours=1),
        )


async def _rows(db: Database) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def _claim(db: Database, now: datetime = T0, limit: int = 10) -> list[outbox.ClaimedMessage]:
    async with db.transaction() as session:
        return await outbox.claim(session, limit=limit, lease=LEASE, now=now)


async def test_enqueue_same_key_updates_the_one_row(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    first = await _enqueue(db, "session:42:reminder:24h", paul, payload={"v": 1})
    later = T0 + timedelta(hours=3)
    second = await _enqueue(db, "session:42:reminder:24h", paul, due=later, payload={"v": 2})
    rows = await _rows(db)
    assert first == second
    assert len(rows) == 1
    assert rows[0].due_at == later and rows[0].not_before == later
    assert rows[0].payload == {"v": 2}
    assert rows[0].beneficiary_id == world.paul.beneficiary_id


async def test_concurrent_enqueues_of_one_key_make_one_row(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    ids = await asyncio.gather(
        *(_enqueue(db, "digest:7", paul, payload={"i": i}) for i in range(8))
    )
    assert len(set(ids)) == 1
    assert len(await _rows(db)) == 1


async def test_a_sent_row_is_never_sent_again_by_enqueueing(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    await _enqueue(db, "followup:3m", paul)
    [claimed] = await _claim(db)
    async with db.transaction() as session:
        assert await outbox.mark_sent(session, claimed, now=T0)
    await _enqueue(db, "followup:3m", paul, due=T0 + timedelta(days=1), payload={"v": 9})
    [row] = await _rows(db)
    assert row.status == OutboxStatus.SENT
    assert row.due_at == T0 and row.payload == {"n": 1}
    assert await _claim(db, now=T0 + timedelta(days=2)) == []


async def test_cancel_by_key_and_by_prefix(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    for key in (
        "session:42:reminder:24h",
        "session:42:reminder:1h",
        "session:4_:x",
        "session:420:a",
    ):
        await _enqueue(db, key, paul)
    async with db.transaction() as session:
        assert await outbox.cancel(session, dedupe_key="session:420:a") == 1
        # "_" is a LIKE wildcard: the prefix is matched literally.
        assert await outbox.cancel(session, prefix="session:42:") == 2
    statuses = {r.dedupe_key: r.status for r in await _rows(db)}
    assert statuses == {
        "session:42:reminder:24h": OutboxStatus.CANCELLED,
        "session:42:reminder:1h": OutboxStatus.CANCELLED,
        "session:4_:x": OutboxStatus.PENDING,
        "session:420:a": OutboxStatus.CANCELLED,
    }
    assert [c.dedupe_key for c in await _claim(db)] == ["session:4_:x"]


async def test_cancel_then_enqueue_again_revives_the_row(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    await _enqueue(db, "session:9:reminder:24h", paul)
    async with db.transaction() as session:
        await outbox.cancel(session, prefix="session:9:")
    await _enqueue(db, "session:9:reminder:24h", paul, due=T0 + timedelta(hours=1))
    [row] = await _rows(db)
    assert row.status == OutboxStatus.PENDING
    assert row.due_at == T0 + timedelta(hours=1)


async def test_cancel_in_the_callers_transaction_rolls_back_with_it(
    db: Database, world: World
) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    await _enqueue(db, "session:5:reminder:24h", paul)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await outbox.cancel(session, prefix="session:5:")
            raise RuntimeError("the session change failed")
    [row] = await _rows(db)
    assert row.status == OutboxStatus.PENDING


async def test_reschedule_moves_open_rows_only(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    await _enqueue(db, "a", paul)
    await _enqueue(db, "b", paul)
    [first, _] = await _claim(db)
    async with db.transaction() as session:
        await outbox.mark_sent(session, first, now=T0)
    new_due = T0 + timedelta(days=2)
    async with db.transaction() as session:
        assert not await outbox.reschedule(session, first.dedupe_key, new_due)
    # The other one is claimed, not open: it cannot move under the dispatcher.
    async with db.transaction() as session:
        assert not await outbox.reschedule(session, "b", new_due)
        assert not await outbox.reschedule(session, "unknown", new_due)
    await _enqueue(db, "c", paul)
    async with db.transaction() as session:
        assert await outbox.reschedule(session, "c", new_due, payload={"moved": True})
    c = next(r for r in await _rows(db) if r.dedupe_key == "c")
    assert (c.due_at, c.payload) == (new_due, {"moved": True})


async def test_claim_takes_due_rows_only_and_in_due_order(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    await _enqueue(db, "late", paul, due=T0 + timedelta(seconds=30))
    await _enqueue(db, "now", paul, due=T0)
    await _enqueue(db, "earlier", paul, due=T0 - timedelta(minutes=5))
    claimed = await _claim(db)
    assert [c.dedupe_key for c in claimed] == ["earlier", "now"]
    assert all(c.payload == {"n": 1} for c in claimed)
    assert await _claim(db) == []
    # Still within the lease of the first two: only the newly due row comes.
    assert [c.dedupe_key for c in await _claim(db, now=T0 + timedelta(seconds=30))] == ["late"]


async def test_an_expired_lease_makes_the_row_claimable_again(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    await _enqueue(db, "k", paul)
    [first] = await _claim(db)
    assert await _claim(db, now=T0 + LEASE - timedelta(seconds=1)) == []
    [second] = await _claim(db, now=T0 + LEASE + timedelta(seconds=1))
    assert second.id == first.id and second.claim_token != first.claim_token
    async with db.transaction() as session:
        # The first dispatcher (crashed or stalled) may no longer act on it...
        assert not await outbox.confirm(session, first, lease=LEASE, now=T0 + LEASE)
        assert not await outbox.release(session, first, not_before=T0)
        # ...the one holding the current claim may.
        assert await outbox.confirm(session, second, lease=LEASE, now=T0 + LEASE)
        assert await outbox.mark_sent(session, second, now=T0 + LEASE)
    [row] = await _rows(db)
    assert row.status == OutboxStatus.SENT and row.claim_token is None


async def test_concurrent_claimers_never_share_a_row(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    async with db.transaction() as session:
        for i in range(300):
            await outbox.enqueue(
                session, kind="notice", recipient=paul, due_at=T0, dedupe_key=f"k{i}"
            )
    # Two independent engines, as two processes would have, four claimers each.
    other = Database(db.url)
    got: list[list[int]] = []

    async def claimer(database: Database) -> None:
        while True:
            async with database.transaction() as session:
                batch = await outbox.claim(session, limit=7, lease=LEASE, now=T0)
            if not batch:
                return
            got.append([c.id for c in batch])
            await asyncio.sleep(0)

    try:
        await asyncio.gather(*(claimer(d) for d in (db, other) for _ in range(4)))
    finally:
        await other.dispose()
    ids = [i for batch in got for i in batch]
    assert len(ids) == 300
    assert len(set(ids)) == 300
    assert len(got) > 8  # the work really was shared between claimers


async def test_cancelled_claim_is_not_confirmed(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    await _enqueue(db, "session:1:reminder:1h", paul)
    [claimed] = await _claim(db)
    async with db.transaction() as session:
        assert await outbox.cancel(session, prefix="session:1:") == 1
    async with db.transaction() as session:
        assert not await outbox.confirm(session, claimed, lease=LEASE, now=T0)


async def test_release_counts_attempts_only_when_asked(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    await _enqueue(db, "k", paul)
    [claimed] = await _claim(db)
    async with db.transaction() as session:
        await outbox.release(session, claimed, not_before=T0 + timedelta(seconds=30))
    [claimed] = await _claim(db, now=T0 + timedelta(seconds=30))
    assert claimed.attempts == 0
    async with db.transaction() as session:
        await outbox.release(
            session,
            claimed,
            not_before=T0 + timedelta(minutes=1),
            error="TimedOut",
            count_attempt=True,
        )
    [row] = await _rows(db)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 1, "TimedOut")
    assert row.due_at == T0  # the intended time does not move


async def test_payload_is_encrypted_at_rest(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    await _enqueue(db, "k", paul, payload={"text": "Rendez-vous chez Maître Dupont"})
    async with db.transaction() as session:
        raw = await session.scalar(text("SELECT payload FROM outbox"))
    assert isinstance(raw, bytes)
    assert b"Dupont" not in raw


async def test_addressees_follow_consent_and_accounts(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    lea = Recipient.beneficiary(world.lea.beneficiary_id)
    claire = Recipient.counsellor(world.a.counsellor_id)
    gone = Recipient.beneficiary(99_999)
    async with db.transaction() as session:
        await session.execute(
            update(Beneficiary)
            .where(Beneficiary.id == lea.id)
            .values(status=BeneficiaryStatus.WITHDRAWN)
        )
        found = await outbox.resolve_addressees(session, [paul, lea, claire, gone])
    assert found[paul].chat_id == world.paul.telegram_id
    assert found[lea].chat_id is None
    assert found[claire].chat_id == world.a.telegram_id
    assert gone not in found


async def test_forbidden_holds_everything_and_tells_the_counsellor_once(
    db: Database, world: World
) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    lea = Recipient.beneficiary(world.lea.beneficiary_id)
    await _enqueue(db, "p1", paul)
    await _enqueue(db, "p2", paul, due=T0 + timedelta(days=1))
    await _enqueue(db, "l1", lea, due=T0 + timedelta(days=1))
    [p1] = await _claim(db)
    async with db.transaction() as session:
        assert await outbox.mark_unreachable(session, p1, now=T0)
    rows = {r.dedupe_key: r for r in await _rows(db)}
    assert rows["p1"].status == rows["p2"].status == OutboxStatus.HELD
    assert rows["l1"].status == OutboxStatus.PENDING
    notices = [r for r in rows.values() if r.kind == outbox.UNREACHABLE_NOTICE]
    assert len(notices) == 1
    assert notices[0].recipient_kind == "counsellor"
    assert notices[0].recipient_id == world.a.counsellor_id
    assert notices[0].payload == {"beneficiary_id": paul.id}
    async with db.transaction() as session:
        person = await session.get(Beneficiary, paul.id)
        assert person is not None and person.unreachable_at == T0

    # A second 403 (another process's row in flight) does not notify twice.
    await _enqueue(db, "p3", paul)
    [*_, p3] = await _claim(db, now=T0 + timedelta(seconds=5))
    async with db.transaction() as session:
        assert not await outbox.mark_unreachable(session, p3, now=T0 + timedelta(seconds=5))
    assert len([r for r in await _rows(db) if r.kind == outbox.UNREACHABLE_NOTICE]) == 1


async def test_counsellor_blocking_the_bot_holds_without_notice(db: Database, world: World) -> None:
    claire = Recipient.counsellor(world.a.counsellor_id)
    await _enqueue(db, "digest:1", claire)
    [row] = await _claim(db)
    async with db.transaction() as session:
        assert await outbox.mark_unreachable(session, row, now=T0)
        counsellor = await session.get(Counsellor, claire.id)
        assert counsellor is not None and counsellor.unreachable_at == T0
    rows = await _rows(db)
    assert [(r.dedupe_key, r.status) for r in rows] == [("digest:1", OutboxStatus.HELD)]


async def test_return_resumes_latest_of_each_kind_spaced_and_drops_stale(
    db: Database, world: World
) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    back = T0 + timedelta(days=2)
    await _enqueue(db, "task:old", paul, due=T0 - timedelta(days=10), kind="task_nudge")
    await _enqueue(db, "task:a", paul, due=T0, kind="task_nudge")
    await _enqueue(db, "task:b", paul, due=T0 + timedelta(hours=1), kind="task_nudge")
    await _enqueue(db, "rem:1", paul, due=T0 + timedelta(hours=2), kind="session_reminder")
    await _enqueue(db, "rem:future", paul, due=back + timedelta(days=1), kind="digest")
    [first, *_] = await _claim(db, now=T0 - timedelta(days=10))
    async with db.transaction() as session:
        await outbox.mark_unreachable(session, first, now=T0 - timedelta(days=10))
    assert {r.status for r in await _rows(db) if r.kind != outbox.UNREACHABLE_NOTICE} == {
        OutboxStatus.HELD
    }
    async with db.transaction() as session:
        outcome = await outbox.on_person_returned(
            session, paul, now=back, stale_after={"session_reminder": timedelta(hours=12)}
        )
        person = await session.get(Beneficiary, paul.id)
        assert person is not None and person.unreachable_at is None
    rows = {r.dedupe_key: r for r in await _rows(db)}
    assert rows["task:old"].status == OutboxStatus.CANCELLED  # stale (default 3 days)
    assert rows["task:a"].status == OutboxStatus.CANCELLED  # superseded by task:b
    assert rows["rem:1"].status == OutboxStatus.CANCELLED  # stale for its kind
    assert rows["task:b"].status == OutboxStatus.PENDING
    assert rows["rem:future"].status == OutboxStatus.PENDING
    assert (outcome.resumed, outcome.cancelled) == (2, 3)
    # Not all at once: one minute apart, and never before the intended time.
    assert rows["task:b"].not_before == back
    assert rows["rem:future"].not_before == back + timedelta(days=1)
    to_paul = [c.dedupe_key for c in await _claim(db, now=back) if c.recipient == paul]
    assert to_paul == ["task:b"]


async def test_return_spaces_resumed_rows_by_a_minute(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    for kind in ("a", "b", "c"):
        await _enqueue(db, kind, paul, kind=kind)
    [first, *_] = await _claim(db)
    async with db.transaction() as session:
        await outbox.mark_unreachable(session, first, now=T0)
        await outbox.on_person_returned(session, paul, now=T0 + timedelta(hours=1))
    times = sorted(r.not_before for r in await _rows(db) if r.kind in "abc")
    assert times == [T0 + timedelta(hours=1, minutes=m) for m in range(3)]


async def test_counsellor_sees_failures_of_their_own_people_only(
    db: Database, world: World
) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    lea = Recipient.beneficiary(world.lea.beneficiary_id)
    await _enqueue(db, "p", paul)
    await _enqueue(db, "l", lea)
    for claimed in await _claim(db):
        async with db.transaction() as session:
            await outbox.mark_failed(session, claimed, error="BadRequest")
    async with db.transaction() as session:
        mine = await outbox.failed_for_counsellor(session, world.a)
        theirs = await outbox.failed_for_counsellor(session, world.b)
        with pytest.raises(AccessDenied):
            await outbox.failed_for_counsellor(session, world.paul)
    assert [(m.recipient, m.last_error, m.attempts) for m in mine] == [(paul, "BadRequest", 1)]
    assert [m.recipient for m in theirs] == [lea]
    async with db.transaction() as session:
        assert not await outbox.retry_failed(session, world.b, mine[0].id)
        assert await outbox.retry_failed(session, world.a, mine[0].id, now=T0)
    assert [c.dedupe_key for c in await _claim(db)] == ["p"]


async def test_erasing_a_beneficiary_erases_messages_about_them(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    await _enqueue(db, "to-paul", paul)
    [claimed] = await _claim(db)
    async with db.transaction() as session:
        await outbox.mark_unreachable(session, claimed, now=T0)  # + a notice about Paul
        assert await outbox.forget_recipient(session, paul) == 1
    assert [r.kind for r in await _rows(db)] == [outbox.UNREACHABLE_NOTICE]
    async with db.transaction() as session:
        await session.execute(delete(Beneficiary).where(Beneficiary.id == paul.id))
    assert await _rows(db) == []


async def test_purge_finished_keeps_open_rows(db: Database, world: World) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    await _enqueue(db, "done", paul)
    [claimed] = await _claim(db)
    await _enqueue(db, "open", paul)
    async with db.transaction() as session:
        await outbox.mark_sent(session, claimed, now=T0)
        assert await outbox.purge_finished(session, older_than=T0 + timedelta(days=1)) == 1
    assert [r.dedupe_key for r in await _rows(db)] == ["open"]


async def test_a_row_to_forget_once_sent_drops_its_payload(db: Database, world: World) -> None:
    """The notice of an erasure names someone who is gone: sent or cancelled, it names nobody."""
    claire = Recipient.counsellor(world.a.counsellor_id)
    sent = f"{outbox.FORGET_ONCE_SENT}erased:a1"
    cancelled = f"{outbox.FORGET_ONCE_SENT}erased:b2"
    await _enqueue(db, sent, claire, payload={"name": "Paul Durand"})
    await _enqueue(db, cancelled, claire, payload={"name": "Léa Moreau"})
    await _enqueue(db, "digest:7", claire, payload={"name": "kept"})
    claimed = {c.dedupe_key: c for c in await _claim(db)}
    async with db.transaction() as session:
        assert await outbox.mark_sent(session, claimed[sent], now=T0)
        assert await outbox.mark_cancelled(session, claimed[cancelled], reason="gone")
        assert await outbox.mark_sent(session, claimed["digest:7"], now=T0)
    rows = {r.dedupe_key: r for r in await _rows(db)}
    assert rows[sent].status == OutboxStatus.SENT and rows[sent].payload is None
    assert rows[cancelled].status == OutboxStatus.CANCELLED and rows[cancelled].payload is None
    assert rows["digest:7"].payload == {"name": "kept"}
