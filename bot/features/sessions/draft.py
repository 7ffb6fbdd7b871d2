"""The counsellor's draft of a session (scheduling, moving, cancelling), kept in the database.

A draft is a conversation row (:func:`storage.sessions.save_dialogue`), never
memory: each press and each typed text reads it again and checks its step.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.sessions.texts import heading_of
from bot.kit.screens import Stale
from bot.runtime import Caller
from storage import sessions as store
from storage.actors import CounsellorActor, PersonActor
from storage.models import utcnow
from storage.people import get_beneficiary

SESSION_FLOWS = ("session", "move", "cancel")
MOVE_REASON_FLOW = "move_reason"
DAYS_PER_PAGE = 12
DAY_PAGES = 8
COMMON_HOURS = (time(9), time(10), time(11), time(14), time(15), time(16), time(17), time(18))
DURATIONS = (60, 90, 120, 180)


def data_time(data: dict[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def data_int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Stale(f"draft without {key}")
    return value


async def current_draft(session: AsyncSession, actor: PersonActor, *steps: str) -> store.Dialogue:
    """The counsellor's session draft at one of ``steps``, else :class:`Stale`."""
    draft = await store.current_dialogue(session, actor, flows=SESSION_FLOWS)
    if draft is None or (steps and draft.step not in steps):
        raise Stale("no draft at this step")
    return draft


async def draft_name(session: AsyncSession, actor: CounsellorActor, draft: store.Dialogue) -> str:
    if draft.flow == "session":
        person = await get_beneficiary(session, actor, data_int(draft.data, "beneficiary_id"))
        return person.name
    info = await store.session_for(session, actor, data_int(draft.data, "session_id"))
    return info.beneficiary_name


async def draft_heading(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: store.Dialogue,
    flow: str | None = None,
) -> str:
    """The heading of the draft's next question: whose session, new or moved."""
    return heading_of(caller, await draft_name(session, actor, draft), flow or draft.flow)


def time_problem(caller: Caller, starts_at: datetime) -> str | None:
    _ = caller._
    now = utcnow()
    if starts_at <= now:
        return _("⚠️ That time has already passed. Choose a later one.")
    if starts_at - now > store.FARTHEST:
        return _("⚠️ That is more than a year away. Check the date.")
    return None
