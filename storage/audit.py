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
