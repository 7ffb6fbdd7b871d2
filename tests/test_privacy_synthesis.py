"""The synthesis question at conclusion: queued through the outbox, sent once, answered once.

On both databases; the renderer is called as the dispatcher calls it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from telegram import Bot

from bot.handlers.rights import SYNTHESIS_KIND, ask_synthesis_agreement
from bot.outbox_kinds import REGISTRY, OutgoingMessage, RenderContext
from storage import outbox, rights
from storage.db import Database
from storage.outbox import Recipient
from tests.storage.conftest import World
from tests.storage.conftest import world as world  # the fixture

NOW = datetime.now(UTC)


async def _render(db: Database, world: World) -> OutgoingMessage | None:
    recipient = Recipient.beneficiary(world.paul.beneficiary_id)
    async with db.transaction() as session:
        (claimed,) = await outbox.claim(
            session, limit=1, lease=timedelta(minutes=1), now=NOW + timedelta(seconds=1)
        )
        addressee = (await outbox.resolve_addressees(session, [recipient]))[recipient]
    spec = REGISTRY.get(SYNTHESIS_KIND)
    assert spec is not None
    context = RenderContext(cast(Bot, None), db, addressee, NOW)
    return await spec.render(context, claimed)


async def _ask(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await ask_synthesis_agreement(session, world.paul.beneficiary_id, NOW)


async def test_the_question_is_sent_with_its_two_answers(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await rights.mark_concluded(session, world.a, world.paul.beneficiary_id, NOW)
    await _ask(db, world)
    message = await _render(db, world)
    assert message is not None and message.keyboard is not None
    data = [b.callback_data for row in message.keyboard.inline_keyboard for b in row]
    assert data == ["rg:syn:y", "rg:syn:n"]
    assert "un an" in message.text and "/mesdonnees" in message.text
    async with db.transaction() as session:
        dossier = await rights.collect(session, world.paul)
    assert dossier.synthesis.asked_at == NOW and dossier.synthesis.agreed is None


async def test_an_answered_question_is_not_sent_again(db: Database, world: World) -> None:
    async with db.transaction() as session:
        await rights.mark_concluded(session, world.a, world.paul.beneficiary_id, NOW)
        await rights.record_synthesis_agreement(session, world.paul, False)
    await _ask(db, world)
    assert await _render(db, world) is None


async def test_no_question_before_the_conclusion(db: Database, world: World) -> None:
    await _ask(db, world)
    assert await _render(db, world) is None
