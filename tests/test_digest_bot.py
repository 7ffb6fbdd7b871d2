"""Digests below Telegram: queued only when something changed, rendered without content."""

from __future__ import annotations

import html
from datetime import time, timedelta
from typing import Any

from bot.digest import DIGEST_KIND, render_digest, run_due_digests
from bot.outbox_kinds import RenderContext
from storage import outbox
from storage.db import Database
from storage.digest import Frequency, Preference, set_preference
from storage.journal import add_entry, set_shared
from storage.models import utcnow
from storage.outbox import Addressee, Recipient
from storage.responses import open_run, submit_run
from tests.storage.conftest import World


async def _claim_digest(db: Database, now: Any) -> list[outbox.ClaimedMessage]:
    async with db.transaction() as session:
        rows = await outbox.claim(session, limit=50, lease=timedelta(minutes=1), now=now)
    return [row for row in rows if row.kind == DIGEST_KIND]


async def test_digest_lists_the_change_and_nothing_when_quiet(db: Database, world: World) -> None:
    start = utcnow()
    async with db.transaction() as session:
        await set_preference(
            session, world.a, Preference(Frequency.DAILY, 0, time(8, 30)), now=start
        )
        await set_preference(
            session, world.b, Preference(Frequency.DAILY, 0, time(8, 30)), now=start
        )
        run = await open_run(session, world.paul, "riasec_short", 1)
        await submit_run(session, world.paul, run.id, result={"code": "SEA"})
        entry = await add_entry(session, world.paul, "Très personnel : ne pas diffuser")
        await set_shared(session, world.paul, entry.id, True)
    later = start + timedelta(days=1, hours=1)
    assert await run_due_digests(db, now=later) == 1  # Bruno's beneficiaries did nothing
    assert await run_due_digests(db, now=later) == 0  # claimed once
    [row] = await _claim_digest(db, later + timedelta(seconds=1))
    assert row.recipient == Recipient.counsellor(world.a.counsellor_id)
    addressee = Addressee(row.recipient, 111, "fr", "Europe/Paris", False)
    context = RenderContext(bot=None, db=db, addressee=addressee, now=later)  # type: ignore[arg-type]
    message = await render_digest(context, row)
    assert message is not None
    text = html.unescape(message.text)
    assert "Paul Durand" in text
    assert "terminé : Vos centres d'intérêt" in text
    assert "notes de journal partagées : 1" in text
    assert "Très personnel" not in text
    assert message.keyboard is not None
    data = [b.callback_data for r in message.keyboard.inline_keyboard for b in r]
    assert data == [f"c:{world.paul.beneficiary_id}"]
    # A day later with nothing new: no digest at all.
    assert await run_due_digests(db, now=later + timedelta(days=1)) == 0
