"""Who is asking: the actor every access-checked function takes.

Personal data is reached only through functions of ``storage`` that take an
actor and refuse what it may not do. An actor is built from an authenticated
Telegram user id (:func:`resolve_actor`) or, for the dispatcher, purge and
command line, is :class:`SystemActor`. Nothing a user sends (callback data, a
deep-link payload, an id typed by hand) is ever trusted to name an actor.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Beneficiary, BeneficiaryStatus, Counsellor


class AccessDenied(Exception):
    """The actor may not do this. The message never carries personal content."""


@dataclass(frozen=True)
class BeneficiaryActor:
    beneficiary_id: int
    telegram_id: int
    locale: str
    timezone: str

    kind = "beneficiary"


@dataclass(frozen=True)
class CounsellorActor:
    counsellor_id: int
    telegram_id: int
    locale: str
    timezone: str

    kind = "counsellor"


@dataclass(frozen=True)
class SystemActor:
    """The bot itself (dispatcher, purge) or the administrator's command line."""

    purpose: str

    kind = "system"


Actor = BeneficiaryActor | CounsellorActor | SystemActor
PersonActor = BeneficiaryActor | CounsellorActor


def actor_id(actor: Actor) -> int | None:
    if isinstance(actor, BeneficiaryActor):
        return actor.beneficiary_id
    if isinstance(actor, CounsellorActor):
        return actor.counsellor_id
    return None


async def resolve_actor(session: AsyncSession, telegram_id: int) -> PersonActor | None:
    """The actor behind a Telegram user id, or ``None`` for a stranger.

    An active counsellor account wins over a beneficiary link, so a counsellor
    who tries the bot as a beneficiary keeps their counsellor rights apart.
    """
    # Only the columns an actor needs: nothing to decrypt on every update.
    counsellor = (
        await session.execute(
            select(Counsellor.id, Counsellor.locale, Counsellor.timezone).where(
                Counsellor.telegram_id == telegram_id, Counsellor.active
            )
        )
    ).first()
    if counsellor is not None:
        return CounsellorActor(counsellor.id, telegram_id, counsellor.locale, counsellor.timezone)
    beneficiary = (
        await session.execute(
            select(Beneficiary.id, Beneficiary.locale, Beneficiary.timezone).where(
                Beneficiary.telegram_id == telegram_id,
                Beneficiary.status == BeneficiaryStatus.ACTIVE,
            )
        )
    ).first()
    if beneficiary is not None:
        return BeneficiaryActor(
            beneficiary.id, telegram_id, beneficiary.locale, beneficiary.timezone
        )
    return None


async def is_retired_counsellor(session: AsyncSession, telegram_id: int) -> bool:
    """Whether this Telegram user was a counsellor whose account is now deactivated.

    Asked only for someone :func:`resolve_actor` did not know, so that a former
    counsellor learns why the bot no longer answers them as before."""
    found = await session.execute(
        select(Counsellor.id).where(Counsellor.telegram_id == telegram_id, ~Counsellor.active)
    )
    return found.first() is not None


async def load_beneficiary_for(
    session: AsyncSession, actor: Actor, beneficiary_id: int
) -> Beneficiary:
    """The beneficiary row if ``actor`` may reach it, else :class:`AccessDenied`.

    The one check every beneficiary-data function starts with: the beneficiary
    themself, their own counsellor, or the system. Unknown ids and other
    counsellors' ids are refused alike, so guessing ids reveals nothing.
    """
    beneficiary = await session.get(Beneficiary, beneficiary_id)
    if beneficiary is not None:
        if isinstance(actor, SystemActor):
            return beneficiary
        if isinstance(actor, BeneficiaryActor) and actor.beneficiary_id == beneficiary.id:
            return beneficiary
        if isinstance(actor, CounsellorActor) and actor.counsellor_id == beneficiary.counsellor_id:
            return beneficiary
    raise AccessDenied(f"{type(actor).__name__} may not reach beneficiary {beneficiary_id}")
