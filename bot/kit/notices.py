"""What a notice's renderer reads first, and the message it makes of a screen.

A notice is rendered when the outbox sends it (:mod:`bot.outbox_kinds`),
maybe days after it was queued: by then the person may be another
counsellor's, the task done, the contact erased. So a renderer reads through
storage's access-checked functions, in one transaction, and a refusal means
the notice no longer makes sense: ``None``, and the outbox cancels the row.
:func:`readable` says that once; :func:`counsellors_beneficiary` is the read
most notices to a counsellor start with.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kit.screens import Screen
from bot.outbox_kinds import OutgoingMessage, RenderContext
from storage.actors import AccessDenied
from storage.outbox import ClaimedMessage
from storage.people import BeneficiarySummary, get_beneficiary

T = TypeVar("T")


async def readable(
    context: RenderContext, read: Callable[[AsyncSession], Awaitable[T]]
) -> T | None:
    """What ``read`` finds in one transaction, or ``None`` if access is refused by now."""
    async with context.db.transaction() as session:
        try:
            return await read(session)
        except AccessDenied:
            return None


async def counsellors_beneficiary(
    context: RenderContext, row: ClaimedMessage
) -> BeneficiarySummary | None:
    """The row's beneficiary, read for the counsellor the notice is for; ``None`` when the
    notice is for someone else or the person is no longer theirs."""
    actor = context.counsellor_actor()
    beneficiary_id = row.beneficiary_id
    if actor is None or beneficiary_id is None:
        return None
    return await readable(context, lambda session: get_beneficiary(session, actor, beneficiary_id))


def notice(screen: Screen) -> OutgoingMessage:
    """A screen sent by the outbox, its buttons under it (its text is HTML, as every
    outbox message's)."""
    return OutgoingMessage(screen.text, keyboard=screen.markup)
