"""Who sent an update, and what the bot waits for from them: asked once per update.

The bot resolves the caller before any handler runs (``bot/kit/caller.py``),
so this is the one place that turns a Telegram user id into an actor. It
costs one query: the actor (both roles at once, with the facts every update
needs and nothing to decrypt) with the person's conversation row joined, which
stays held in the session for the handler that follows; and, for a
beneficiary, an UPDATE of the last activity at most once a minute.

The query is built once, at import, and run with the user id as its only
parameter: SQLAlchemy then neither rebuilds it nor recomputes its cache key
on every update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Select, bindparam, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage import conversation
from storage.actors import BeneficiaryActor, CounsellorActor, PersonActor
from storage.conversation import ConversationRow
from storage.models import Beneficiary, BeneficiaryStatus, Counsellor, UTCDateTime, utcnow
from storage.people import touch

ACTIVITY_GRAIN = timedelta(minutes=1)
"""Last activity is kept to the minute: the card says "à 8 h 22" and the
retention counts in days, so a second write within a minute tells nobody anything."""


@dataclass(frozen=True)
class Found:
    """The caller: their actor (``None`` for a stranger) and their wait, if any."""

    actor: PersonActor | None
    wait: conversation.Wait | None = None
    retired: bool = False
    """A counsellor whose account the administrator deactivated (and nothing else)."""


def _caller_query() -> Select[Any]:
    """Both roles of one Telegram user, each row with the user's conversation row (or None).

    The join's condition names the user, not the role rows: a person who has
    both roles gets the one conversation row twice, which the identity map
    makes one object.
    """
    telegram_id = bindparam("telegram_id", type_=BigInteger())
    counsellors = select(
        literal("counsellor").label("role"),
        Counsellor.id.label("id"),
        Counsellor.locale.label("locale"),
        Counsellor.timezone.label("timezone"),
        Counsellor.active.label("active"),
        literal(None, UTCDateTime()).label("last_activity_at"),
    ).where(Counsellor.telegram_id == telegram_id)
    beneficiaries = select(
        literal("beneficiary").label("role"),
        Beneficiary.id,
        Beneficiary.locale,
        Beneficiary.timezone,
        literal(True).label("active"),
        Beneficiary.last_activity_at,
    ).where(
        Beneficiary.telegram_id == telegram_id,
        Beneficiary.status == BeneficiaryStatus.ACTIVE,
    )
    people = union_all(counsellors, beneficiaries).subquery("people")
    return (
        select(people, ConversationRow)
        .select_from(people)
        .outerjoin(ConversationRow, ConversationRow.telegram_id == telegram_id)
    )


_CALLER = _caller_query()


async def find_caller(
    session: AsyncSession, telegram_id: int, now: datetime | None = None
) -> Found:
    """The actor behind a Telegram user id, their wait, and their activity noted.

    An active counsellor account wins over a beneficiary link, so a counsellor
    who tries the bot as a beneficiary keeps their counsellor rights apart.
    """
    now = now or utcnow()
    rows: list[Any] = list((await session.execute(_CALLER, {"telegram_id": telegram_id})).all())
    counsellor = next((r for r in rows if r.role == "counsellor" and r.active), None)
    beneficiary = next((r for r in rows if r.role == "beneficiary"), None)
    actor: PersonActor
    if counsellor is not None:
        actor = CounsellorActor(counsellor.id, telegram_id, counsellor.locale, counsellor.timezone)
    elif beneficiary is not None:
        actor = BeneficiaryActor(
            beneficiary.id, telegram_id, beneficiary.locale, beneficiary.timezone
        )
        last = beneficiary.last_activity_at
        if last is None or last <= now - ACTIVITY_GRAIN:
            await touch(session, actor, now)
    else:
        retired = any(r.role == "counsellor" for r in rows)
        return Found(None, None, retired)
    conversation.hold(session, telegram_id, rows[0].ConversationRow)
    return Found(actor, await conversation.current(session, actor, now=now))
