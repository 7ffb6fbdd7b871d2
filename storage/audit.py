"""The audit log: who opened whose data and when, never what it said."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.actors import Actor, actor_id
from storage.models import AuditEvent


async def record(
    session: AsyncSession, actor: Actor, action: str, beneficiary_id: int | None
) -> None:
    session.add(
        AuditEvent(
            actor_kind=actor.kind,
            actor_id=actor_id(actor),
            action=action,
            beneficiary_id=beneficiary_id,
        )
    )


async def record_event(
    session: AsyncSession, actor: Actor, action: str, beneficiary_id: int | None
) -> int:
    """Like :func:`record`, and returns the event's id.

    An event id is never reused, so it names one occurrence of a change (a
    phase moved, a conclusion): the message that change implies is keyed by
    it, sent once however often the transaction's caller retries, and again
    for a genuine second change.
    """
    event = AuditEvent(
        actor_kind=actor.kind,
        actor_id=actor_id(actor),
        action=action,
        beneficiary_id=beneficiary_id,
    )
    session.add(event)
    await session.flush()
    return event.id
