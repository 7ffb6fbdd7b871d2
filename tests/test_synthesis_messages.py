"""The synthesis messages sent through the outbox, rendered as the dispatcher renders them.

On both databases. What matters here is what each message says at the moment
it is sent: a version replaced in the meantime is not sent, the retention
question is not asked twice, a counsellor reads only their own people's
comments.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import update
from telegram import Bot

from bot.export import build_pdf, synthesis_lines
from bot.features.synthesis import notices as handlers
from bot.i18n import gettext_for
from bot.outbox_kinds import REGISTRY, OutgoingMessage, RenderContext
from storage import outbox, rights, synthesis
from storage.cards import set_phase
from storage.db import Database
from storage.models import Phase
from storage.outbox import Recipient
from tests.storage.conftest import World
from tests.storage.conftest import world as world  # the fixture

NOW = datetime.now(UTC)
_KEYS = itertools.count()


async def _render(
    db: Database, kind: str, recipient: Recipient, payload: dict[str, object], beneficiary_id: int
) -> OutgoingMessage | None:
    async with db.transaction() as session:
        await outbox.enqueue(
            session,
            kind=kind,
            recipient=recipient,
            due_at=NOW,
            dedupe_key=f"test:{next(_KEYS)}",
            payload=payload,
            beneficiary_id=beneficiary_id,
        )
    async with db.transaction() as session:
        claimed = await outbox.claim(
            session, limit=10, lease=timedelta(minutes=1), now=NOW + timedelta(seconds=1)
        )
        row = next(c for c in claimed if c.kind == kind)
        addressee = (await outbox.resolve_addressees(session, [recipient]))[recipient]
        await outbox.mark_sent(session, row, now=NOW)
    spec = REGISTRY.get(kind)
    assert spec is not None
    return await spec.render(RenderContext(cast(Bot, None), db, addressee, NOW), row)


async def _all_sent(db: Database) -> None:
    """The dispatcher sent what is queued (the final PDF among it)."""
    async with db.transaction() as session:
        await session.execute(
            update(outbox.OutboxMessage).values(status=outbox.OutboxStatus.SENT, sent_at=NOW)
        )


async def _version(db: Database, world: World, text: bytes) -> int:
    async with db.transaction() as session:
        info = await synthesis.add_version(
            session,
            world.a,
            world.paul.beneficiary_id,
            origin="draft",
            editable=b"D" + text,
            editable_format="docx",
            pdf=b"%PDF" + text,
            pages=2,
            to_write=0,
            now=NOW,
        )
    return info.number


async def _in_review(db: Database, world: World) -> int:
    bid = world.paul.beneficiary_id
    async with db.transaction() as session:
        await set_phase(session, world.a, bid, Phase.INVESTIGATION)
        await set_phase(session, world.a, bid, Phase.CONCLUSION)
    await _version(db, world, b"one")
    async with db.transaction() as session:
        await synthesis.request_review(session, world.a, bid, NOW)
    return bid


async def test_the_review_carries_the_pdf_and_two_answers(db: Database, world: World) -> None:
    bid = await _in_review(db, world)
    message = await _render(
        db, handlers.REVIEW_KIND, Recipient.beneficiary(bid), {"version": 1}, bid
    )
    assert message is not None and message.document is not None
    assert message.document.data == b"%PDFone"
    assert message.keyboard is not None
    data = [b.callback_data for row in message.keyboard.inline_keyboard for b in row]
    assert data == ["sy:ok:1", "sy:cm:1"]
    assert "version 1" in message.text


async def test_a_replaced_version_is_not_sent_for_review(db: Database, world: World) -> None:
    bid = await _in_review(db, world)
    await _version(db, world, b"two")
    message = await _render(
        db, handlers.REVIEW_KIND, Recipient.beneficiary(bid), {"version": 1}, bid
    )
    assert message is None


async def test_the_counsellor_reads_the_comment_and_another_does_not(
    db: Database, world: World
) -> None:
    bid = await _in_review(db, world)
    async with db.transaction() as session:
        comment_id = await synthesis.add_comment(session, world.paul, 1, "Il manque mon BAFA.")
    message = await _render(
        db,
        handlers.COMMENT_KIND,
        Recipient.counsellor(world.a.counsellor_id),
        {"comment": comment_id},
        bid,
    )
    assert message is not None and "Il manque mon BAFA." in message.text
    forged = await _render(
        db,
        handlers.COMMENT_KIND,
        Recipient.counsellor(world.b.counsellor_id),
        {"comment": comment_id},
        bid,
    )
    assert forged is None


async def test_the_retention_question_follows_delivery_once(db: Database, world: World) -> None:
    bid = await _in_review(db, world)
    async with db.transaction() as session:
        await synthesis.agree(session, world.paul, 1, NOW)
    before = await _render(db, handlers.RETENTION_KIND, Recipient.beneficiary(bid), {}, bid)
    assert before is None  # nothing delivered yet
    async with db.transaction() as session:
        await synthesis.deliver(session, world.a, bid, NOW)
    final = await _render(db, handlers.FINAL_KIND, Recipient.beneficiary(bid), {"version": 1}, bid)
    assert final is not None and final.document is not None and final.document.data == b"%PDFone"
    question = await _render(db, handlers.RETENTION_KIND, Recipient.beneficiary(bid), {}, bid)
    assert question is not None and question.keyboard is not None
    data = [b.callback_data for row in question.keyboard.inline_keyboard for b in row]
    assert data == ["rg:syn:y", "rg:syn:n"]
    assert "un an" in question.text
    await _all_sent(db)
    async with db.transaction() as session:
        await synthesis.answer_retention(session, world.paul, False, NOW)
    again = await _render(db, handlers.RETENTION_KIND, Recipient.beneficiary(bid), {}, bid)
    assert again is None
    gone = await _render(db, handlers.FINAL_KIND, Recipient.beneficiary(bid), {"version": 1}, bid)
    assert gone is None


async def test_the_persons_copy_of_their_data_tells_the_synthesis_story(
    db: Database, world: World
) -> None:
    bid = await _in_review(db, world)
    async with db.transaction() as session:
        await synthesis.add_comment(session, world.paul, 1, "Il manque mon BAFA.")
        await synthesis.agree(session, world.paul, 1, NOW)
        await synthesis.deliver(session, world.a, bid, NOW)
        delivered = await rights.collect(session, world.paul)
    await _all_sent(db)
    async with db.transaction() as session:
        await synthesis.answer_retention(session, world.paul, False, NOW)
        refused = await rights.collect(session, world.paul)
    _ = gettext_for("fr")
    (record,) = delivered.parts["synthesis"]
    lines = synthesis_lines(record.data, _, "fr", "Europe/Paris")
    assert lines[0] == "Où elle en est : remise"
    assert any("Il manque mon BAFA." in line and "version 1" in line for line in lines)
    assert any(line.startswith("Remise le ") for line in lines)
    (record,) = refused.parts["synthesis"]
    lines = synthesis_lines(record.data, _, "fr", "Europe/Paris")
    assert not any("BAFA" in line for line in lines)  # the comments went with the copy
    assert any(line.startswith("La copie de l'organisme a été effacée le ") for line in lines)
    assert build_pdf(refused, "fr", "Europe/Paris").startswith(b"%PDF")
