"""The periodic build: a short repeating task queues the digests that are due.

The claim hands each due digest to one process; what changed since the
previous point is gathered and, when something did, queued as ``digest`` rows
in the outbox (one per message, as many as a busy week needs), which the
dispatcher sends. No digest when nothing changed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.features.digest.message import split_people
from storage.actors import SystemActor
from storage.db import Database
from storage.digest import changes_since, claim_due_digests, ensure_preferences, queue_digest
from storage.models import utcnow

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 60.0
SYSTEM = SystemActor("digest")


async def run_due_digests(db: Database, now: datetime | None = None) -> int:
    """Queue every digest that is due and has something to say; returns how many."""
    now = now or utcnow()
    queued = 0
    async with db.transaction() as session:
        await ensure_preferences(session, now)
        due = await claim_due_digests(session, SYSTEM, now)
        for digest in due:
            people = await changes_since(session, SYSTEM, digest.counsellor_id, digest.since, now)
            if not people:
                continue
            # One outbox row per message, queued in order: each part goes out whole.
            await queue_digest(session, SYSTEM, digest, split_people(people), now)
            queued += 1
    if queued:
        log.info("%s digest(s) queued", queued)
    return queued


async def digest_loop(db: Database) -> None:
    """Runs for the life of the bot; a failure is logged and retried at the next round."""
    while True:
        try:
            await run_due_digests(db)
        except Exception as exc:  # a digest must never stop the bot
            log.error("digest round failed: %s", type(exc).__name__)
        await asyncio.sleep(CHECK_EVERY_SECONDS)
