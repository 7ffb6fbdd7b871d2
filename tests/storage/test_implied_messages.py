"""Each operation queues the message it implies, in its own transaction, once.

The chat and the desk call the same storage operation and neither queues
anything itself, so these are the rules for both. A key is made from ids,
never from the clock: doing the same thing again queues nothing new, a
genuine second change (a phase moved back, a change of mind) does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from dialogues.rome import load_rome
from storage import outbox, rights, synthesis
from storage.actors import AccessDenied, SystemActor
from storage.cards import PHASE_CHANGED, set_phase
from storage.contacts import SHARED_KIND, ContactFields, ContactKind, add_contact, share_contact
from storage.db import Database
from storage.digest import (
    DIGEST_KIND,
    PersonChanges,
    claim_due_digests,
    ensure_preferences,
    mark_point,
    queue_digest,
)
from storage.followups import CONCLUDED_KIND, Schedule, conclude
from storage.models import Phase
from storage.outbox import OutboxMessage
from storage.plans import PROPOSED_KIND, add_step
from storage.responses import SUBMITTED_KIND, open_run, submit_run
from tests.storage.conftest import World

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
ADMIN = SystemActor("test")
SYSTEM = SystemActor("digest")


async def _queued(db: Database, kind: str) -> list[OutboxMessage]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
        return list(rows)


def _to(row: OutboxMessage) -> tuple[str, int]:
    return row.recipient_kind, row.recipient_id


# --- the bilan's phase ---------------------------------------------------------------------


async def test_each_phase_move_is_told_once(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        await set_phase(session, world.a, paul, Phase.INVESTIGATION, now=NOW)
    (told,) = await _queued(db, PHASE_CHANGED)
    assert _to(told) == ("beneficiary", paul) and told.beneficiary_id == paul
    assert told.payload == {"phase": "investigation"}
    with pytest.raises(ValueError):  # the same move again is no move: nothing more is told
        async with db.transaction() as session:
            await set_phase(session, world.a, paul, Phase.INVESTIGATION, now=NOW)
    assert len(await _queued(db, PHASE_CHANGED)) == 1
    async with db.transaction() as session:  # back, then on again: two genuine moves
        await set_phase(session, world.a, paul, Phase.PRELIMINAIRE, now=NOW)
        await set_phase(session, world.a, paul, Phase.INVESTIGATION, now=NOW)
    rows = await _queued(db, PHASE_CHANGED)
    assert [r.payload["phase"] for r in rows] == ["investigation", "preliminaire", "investigation"]
    assert len({r.dedupe_key for r in rows}) == 3
    assert all(NOW.isoformat() not in r.dedupe_key for r in rows)


async def test_a_refused_move_tells_nothing(db: Database, world: World) -> None:
    with pytest.raises(AccessDenied):
        async with db.transaction() as session:
            await set_phase(session, world.b, world.paul.beneficiary_id, Phase.INVESTIGATION)
    assert await _queued(db, PHASE_CHANGED) == []


async def test_concluding_tells_its_own_notice_once_and_not_the_phase(
    db: Database, world: World
) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        await set_phase(session, world.a, paul, Phase.INVESTIGATION, now=NOW)
        await set_phase(session, world.a, paul, Phase.CONCLUSION, now=NOW)
        await conclude(session, world.a, paul, Schedule((3,)), now=NOW)
    (concluded,) = await _queued(db, CONCLUDED_KIND)
    assert _to(concluded) == ("beneficiary", paul)
    assert [r.payload["phase"] for r in await _queued(db, PHASE_CHANGED)] == [
        "investigation",
        "conclusion",
    ]
    with pytest.raises(ValueError):  # concluded already
        async with db.transaction() as session:
            await conclude(session, world.a, paul, Schedule((3,)), now=NOW)
    assert len(await _queued(db, CONCLUDED_KIND)) == 1


# --- a shared contact, a proposed step, a sent questionnaire -----------------------------------


async def test_sharing_a_contact_sends_its_card_once(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    fields = ContactFields(
        kind=ContactKind.PROFESSIONAL,
        name="Nadia Benali",
        reach="06 00 00 00 00",
        agreed_on=date(2026, 1, 10),
        agreed_how="par téléphone",
        rome_codes=("J1506",),
    )
    codes = [s.code for s in load_rome().sheets()]
    async with db.transaction() as session:
        contact = await add_contact(session, ADMIN, fields, known_codes=codes, now=NOW)
        share, new = await share_contact(session, world.a, paul, contact.id, now=NOW)
    assert new
    (card,) = await _queued(db, SHARED_KIND)
    assert _to(card) == ("beneficiary", paul)
    assert (card.dedupe_key, card.payload) == (f"share:{share.id}", {"share_id": share.id})
    async with db.transaction() as session:
        _again, new = await share_contact(session, world.a, paul, contact.id, now=NOW)
    assert not new
    assert len(await _queued(db, SHARED_KIND)) == 1


async def test_a_proposed_step_tells_the_counsellor_once_per_step(
    db: Database, world: World
) -> None:
    paul = world.paul.beneficiary_id
    target = date(2027, 1, 15)
    async with db.transaction() as session:
        await add_step(session, world.a, paul, "Un pas convenu", target, now=NOW)
    assert await _queued(db, PROPOSED_KIND) == []  # the counsellor's own step: no notice
    async with db.transaction() as session:
        first = await add_step(session, world.paul, paul, "Appeler la CCI", target, now=NOW)
        second = await add_step(session, world.paul, paul, "Visiter un atelier", target, now=NOW)
    rows = await _queued(db, PROPOSED_KIND)
    assert [(_to(r), r.beneficiary_id, r.payload) for r in rows] == [
        (("counsellor", world.a.counsellor_id), paul, {"step_id": first.id}),
        (("counsellor", world.a.counsellor_id), paul, {"step_id": second.id}),
    ]


async def test_a_submission_tells_the_counsellor_once(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        run = await open_run(session, world.paul, "dossier_auto_bilan", 1)
        await submit_run(session, world.paul, run.id, now=NOW)
    (told,) = await _queued(db, SUBMITTED_KIND)
    assert _to(told) == ("counsellor", world.a.counsellor_id) and told.beneficiary_id == paul
    assert told.payload == {"run_id": run.id, "instrument": "dossier_auto_bilan"}
    with pytest.raises(AccessDenied):  # sent already
        async with db.transaction() as session:
            await submit_run(session, world.paul, run.id, now=NOW)
    assert len(await _queued(db, SUBMITTED_KIND)) == 1


# --- the synthesis --------------------------------------------------------------------------


async def _version(db: Database, world: World) -> int:
    async with db.transaction() as session:
        info = await synthesis.add_version(
            session,
            world.a,
            world.paul.beneficiary_id,
            origin="draft",
            editable=b"DOCX",
            editable_format="docx",
            pdf=b"%PDF",
            pages=2,
            to_write=0,
            now=NOW,
        )
    return info.number


async def _in_conclusion(db: Database, world: World) -> int:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        await set_phase(session, world.a, paul, Phase.INVESTIGATION, now=NOW)
        await set_phase(session, world.a, paul, Phase.CONCLUSION, now=NOW)
    return paul


async def test_a_version_shown_again_is_sent_once_and_a_new_one_is_sent(
    db: Database, world: World
) -> None:
    paul = await _in_conclusion(db, world)
    await _version(db, world)
    async with db.transaction() as session:
        await synthesis.request_review(session, world.a, paul, NOW)
        await synthesis.request_review(session, world.a, paul, NOW + timedelta(minutes=1))
    (review,) = await _queued(db, synthesis.REVIEW_KIND)
    assert _to(review) == ("beneficiary", paul) and review.payload == {"version": 1}
    await _version(db, world)
    async with db.transaction() as session:
        await synthesis.request_review(session, world.a, paul, NOW)
    assert [r.payload for r in await _queued(db, synthesis.REVIEW_KIND)] == [
        {"version": 1},
        {"version": 2},
    ]


async def test_comments_and_agreement_reach_the_counsellor_once_each(
    db: Database, world: World
) -> None:
    paul = await _in_conclusion(db, world)
    await _version(db, world)
    async with db.transaction() as session:
        await synthesis.request_review(session, world.a, paul, NOW)
        first = await synthesis.add_comment(session, world.paul, 1, "Ajoutez le bénévolat.", NOW)
        second = await synthesis.add_comment(session, world.paul, 1, "Et mon CAP.", NOW)
        await synthesis.agree(session, world.paul, 1, NOW)
    counsellor = ("counsellor", world.a.counsellor_id)
    comments = await _queued(db, synthesis.COMMENT_KIND)
    assert [(_to(r), r.payload) for r in comments] == [
        (counsellor, {"comment": first}),
        (counsellor, {"comment": second}),
    ]
    with pytest.raises(synthesis.SynthesisRefused):  # agreed already
        async with db.transaction() as session:
            await synthesis.agree(session, world.paul, 1, NOW)
    (agreed,) = await _queued(db, synthesis.AGREED_KIND)
    assert (_to(agreed), agreed.beneficiary_id, agreed.payload) == (
        counsellor,
        paul,
        {"version": 1},
    )


async def test_delivery_sends_the_final_then_the_question_once(db: Database, world: World) -> None:
    paul = await _in_conclusion(db, world)
    await _version(db, world)
    async with db.transaction() as session:
        await synthesis.request_review(session, world.a, paul, NOW)
        await synthesis.agree(session, world.paul, 1, NOW)
        await synthesis.deliver(session, world.a, paul, NOW)
    (final,) = await _queued(db, synthesis.FINAL_KIND)
    (question,) = await _queued(db, synthesis.RETENTION_KIND)
    assert _to(final) == _to(question) == ("beneficiary", paul)
    assert final.payload == {"version": 1}
    assert question.due_at == final.due_at + synthesis.QUESTION_DELAY
    async with db.transaction() as session:
        row = await session.get(rights.DataRightsRow, paul)
        assert row is not None and row.synthesis_asked_at == NOW
    with pytest.raises(synthesis.SynthesisRefused):  # delivered already
        async with db.transaction() as session:
            await synthesis.deliver(session, world.a, paul, NOW)
    assert len(await _queued(db, synthesis.FINAL_KIND)) == 1
    assert len(await _queued(db, synthesis.RETENTION_KIND)) == 1


async def test_each_change_of_mind_on_the_copy_is_told_and_a_repeat_is_not(
    db: Database, world: World
) -> None:
    paul = await _in_conclusion(db, world)
    await _version(db, world)
    async with db.transaction() as session:
        await synthesis.request_review(session, world.a, paul, NOW)
        await synthesis.agree(session, world.paul, 1, NOW)
        await synthesis.deliver(session, world.a, paul, NOW)
    for agreed in (True, True, False, False):
        async with db.transaction() as session:
            await synthesis.answer_retention(session, world.paul, agreed, NOW)
    rows = await _queued(db, synthesis.RETENTION_ANSWERED_KIND)
    assert [(_to(r), r.payload) for r in rows] == [
        (("counsellor", world.a.counsellor_id), {"agreed": True}),
        (("counsellor", world.a.counsellor_id), {"agreed": False}),
    ]


async def test_an_answer_before_delivery_tells_the_counsellor_nothing(
    db: Database, world: World
) -> None:
    await _in_conclusion(db, world)
    async with db.transaction() as session:
        await synthesis.answer_retention(session, world.paul, True, NOW)
    assert await _queued(db, synthesis.RETENTION_ANSWERED_KIND) == []


async def test_marking_the_question_asked_checks_who_asks(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    for intruder in (world.b, world.paul):
        with pytest.raises(AccessDenied):
            async with db.transaction() as session:
                await rights.mark_synthesis_asked(session, intruder, paul, NOW)
    async with db.transaction() as session:
        await rights.mark_synthesis_asked(session, world.a, paul, NOW)
        row = await session.get(rights.DataRightsRow, paul)
        assert row is not None and row.synthesis_asked_at == NOW


# --- consent and erasure ---------------------------------------------------------------------


async def test_withdrawal_is_told_once(db: Database, world: World) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        assert await rights.withdraw_consent(session, world.paul, NOW) is not None
        assert await rights.withdraw_consent(session, world.paul, NOW) is None
    (told,) = await _queued(db, rights.WITHDRAWN_KIND)
    assert (_to(told), told.beneficiary_id) == (("counsellor", world.a.counsellor_id), paul)
    assert told.dedupe_key == f"withdrawn:{paul}"


async def test_an_erasure_is_told_by_a_row_that_outlives_the_person(
    db: Database, world: World
) -> None:
    paul = world.paul.beneficiary_id
    async with db.transaction() as session:
        await rights.request_erasure(session, world.paul, NOW)
        assert await rights.confirm_erasure(session, world.paul, NOW)
        assert await rights.erase_own_data(session, world.paul, NOW) is not None
    (told,) = await _queued(db, rights.ERASED_KIND)
    assert _to(told) == ("counsellor", world.a.counsellor_id) and told.beneficiary_id is None
    assert told.payload == {"name": "Paul Durand"}
    assert told.dedupe_key == f"{outbox.FORGET_ONCE_SENT}erased:{paul}"


# --- digests ----------------------------------------------------------------------------------


async def test_a_digest_is_keyed_by_its_mark_and_queued_once(db: Database, world: World) -> None:
    counsellor = world.a.counsellor_id
    people = [PersonChanges(world.paul.beneficiary_id, "Paul Durand", tasks_done=1)]
    async with db.transaction() as session:
        await ensure_preferences(session, NOW - timedelta(days=8))
        due = [
            d
            for d in await claim_due_digests(session, SYSTEM, NOW)
            if d.counsellor_id == counsellor
        ]
        (digest,) = due
        assert await queue_digest(session, SYSTEM, digest, [people, people], NOW) == 2
        await queue_digest(session, SYSTEM, digest, [people, people], NOW)  # the same, again
    rows = await _queued(db, DIGEST_KIND)
    assert [(_to(r), r.payload["part"], r.payload["parts"]) for r in rows] == [
        (("counsellor", counsellor), 1, 2),
        (("counsellor", counsellor), 2, 2),
    ]
    assert [r.dedupe_key for r in rows] == [
        f"digest:{counsellor}:{digest.mark}:1",
        f"digest:{counsellor}:{digest.mark}:2",
    ]
    later = NOW + timedelta(days=8)
    async with db.transaction() as session:
        await mark_point(session, world.a, NOW + timedelta(days=1))  # /point moves the mark
        (following,) = [
            d
            for d in await claim_due_digests(session, SYSTEM, later)
            if d.counsellor_id == counsellor
        ]
        await queue_digest(session, SYSTEM, following, [people], later)
    assert following.mark == digest.mark + 2
    assert len(await _queued(db, DIGEST_KIND)) == 3


async def test_only_the_system_queues_a_digest(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await ensure_preferences(session, NOW - timedelta(days=8))
        (digest, *_rest) = await claim_due_digests(session, SYSTEM, NOW)
        with pytest.raises(AccessDenied):
            await queue_digest(session, world.a, digest, [], NOW)
