"""The person's latest interests inventory, as the pistes start from it.

Both forms count (the full inventory and the short one); the newest
submitted run with a readable result wins, so a retake replaces the pistes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dialogues.scoring import RiasecResult
from storage.actors import PersonActor
from storage.responses import RunState, RunStatus, runs_of

log = logging.getLogger(__name__)

RIASEC_KEYS = ("riasec", "riasec_short")


@dataclass(frozen=True)
class LatestRiasec:
    result: RiasecResult
    submitted_at: datetime | None


async def latest_riasec(
    session: AsyncSession, actor: PersonActor, beneficiary_id: int
) -> LatestRiasec | None:
    """The newest submitted interests inventory (full or short form) with a readable result."""
    runs: list[RunState] = []
    for key in RIASEC_KEYS:
        runs += await runs_of(session, actor, beneficiary_id, key)
    done = [r for r in runs if r.status == RunStatus.SUBMITTED and r.result is not None]
    done.sort(key=lambda r: (r.submitted_at or r.updated_at, r.id), reverse=True)
    for run in done:
        try:
            return LatestRiasec(RiasecResult.from_dict(run.result), run.submitted_at)
        except (ValueError, KeyError, TypeError):
            log.warning("run %s holds an unreadable RIASEC result", run.id)
    return None
