"""Counsellor accounts, invitations, consent, and the beneficiary list.

The invitation is the only thing kept about a person before they consent: the
name their counsellor typed and a hash of the one-use token. Their Telegram id
is bound to the beneficiary row at the moment they accept, not before.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogues.languages import DEFAULT
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    PersonActor,
    SystemActor,
    load_beneficiary_for,
)
from storage.models import (
    Beneficiary,
    BeneficiaryStatus,
    Counsellor,
    Invitation,
    Phase,
    utcnow,
)

INVITATION_VALIDITY = timedelta(days=14)
TOKEN_BYTES = 24  # 192 random bits, 32 URL-safe characters: within Telegram's 64.


class CounsellorExists(Exception):
    """A counsellor account with this Telegram id already exists."""


class UnknownCounsellor(Exception):
    """No active counsellor account has this Telegram id."""


@dataclass(frozen=True)
class CounsellorInfo:
    id: int
    telegram_id: int
    name: str
    active: bool


@dataclass(frozen=True)
class IssuedInvitation:
    token: str
    beneficiary_id: int
    expires_at: datetime


@dataclass(frozen=True)
class PendingInvitation:
    """What the consent screen may show to whoever holds a valid token."""

    beneficiary_name: str
    counsellor_name: str


@dataclass(frozen=True)
class BeneficiarySummary:
    id: int
    counsellor_id: int
    name: str
    status: BeneficiaryStatus
    phase: Phase
    invited_at: datetime
    consent_at: datetime | None
    concluded_at: datetime | None = None
    locale: str = DEFAULT.code


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _require_system(actor: Actor) -> None:
    if not isinstance(actor, SystemActor):
        raise AccessDenied("only the administrator manages counsellor accounts")


async def add_counsellor(
    session: AsyncSession, actor: Actor, telegram_id: int, name: str, locale: str = DEFAULT.code
) -> CounsellorInfo:
    _require_system(actor)
    existing = await session.scalar(select(Counsellor).where(Counsellor.telegram_id == telegram_id))
    if existing is not None:
        if existing.active:
            raise CounsellorExists(str(telegram_id))
        existing.active, existing.name = True, name
        return CounsellorInfo(existing.id, telegram_id, name, True)
    counsellor = Counsellor(telegram_id=telegram_id, name=name, locale=locale)
    session.add(counsellor)
    await session.flush()
    return CounsellorInfo(counsellor.id, telegram_id, name, True)


async def list_counsellors(session: AsyncSession, actor: Actor) -> list[CounsellorInfo]:
    _require_system(actor)
    rows = await session.scalars(select(Counsellor).order_by(Counsellor.id))
    return [CounsellorInfo(c.id, c.telegram_id, c.name, c.active) for c in rows]


async def deactivate_counsellor(session: AsyncSession, actor: Actor, telegram_id: int) -> None:
    _require_system(actor)
    result = await session.execute(
        update(Counsellor)
        .where(Counsellor.telegram_id == telegram_id, Counsellor.active)
        .values(active=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise UnknownCounsellor(str(telegram_id))


async def create_invitation(
    session: AsyncSession,
    actor: Actor,
    beneficiary_name: str,
    *,
    counsellor_telegram_id: int | None = None,
    now: datetime | None = None,
) -> IssuedInvitation:
    """A new beneficiary in state *invited* and its one-use token.

    A counsellor invites for themself; the administrator names the counsellor.
    """
    now = now or utcnow()
    if isinstance(actor, CounsellorActor):
        counsellor_id = actor.counsellor_id
    elif isinstance(actor, SystemActor) and counsellor_telegram_id is not None:
        counsellor_id_or_none = await session.scalar(
            select(Counsellor.id).where(
                Counsellor.telegram_id == counsellor_telegram_id, Counsellor.active
            )
        )
        if counsellor_id_or_none is None:
            raise UnknownCounsellor(str(counsellor_telegram_id))
        counsellor_id = counsellor_id_or_none
    else:
        raise AccessDenied("only a counsellor or the administrator invites")
    beneficiary = Beneficiary(counsellor_id=counsellor_id, name=beneficiary_name)
    session.add(beneficiary)
    await session.flush()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + INVITATION_VALIDITY
    session.add(
        Invitation(
            token_hash=hash_token(token),
            beneficiary_id=beneficiary.id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return IssuedInvitation(token, beneficiary.id, expires_at)


async def _valid_invitation(
    session: AsyncSession, token: str, now: datetime
) -> tuple[Invitation, Beneficiary] | None:
    if not token or len(token) > 64:
        return None
    row = (
        await session.execute(
            select(Invitation, Beneficiary)
            .join(Beneficiary, Beneficiary.id == Invitation.beneficiary_id)
            .where(
                Invitation.token_hash == hash_token(token),
                Invitation.used_at.is_(None),
                Invitation.expires_at > now,
                Beneficiary.status == BeneficiaryStatus.INVITED,
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def find_invitation(
    session: AsyncSession, token: str, now: datetime | None = None
) -> PendingInvitation | None:
    """The invitation behind a token if it is still usable, else ``None``.

    Expired, used and unknown tokens look the same to the caller, so the reply
    to a stranger can never reveal whether a token ever existed.
    """
    found = await _valid_invitation(session, token, now or utcnow())
    if found is None:
        return None
    _, beneficiary = found
    counsellor = await session.get(Counsellor, beneficiary.counsellor_id)
    assert counsellor is not None
    return PendingInvitation(beneficiary.name, counsellor.name)


async def accept_invitation(
    session: AsyncSession,
    token: str,
    telegram_id: int,
    locale: str,
    now: datetime | None = None,
) -> BeneficiaryActor | None:
    """Record consent: bind the Telegram account and use up the token."""
    now = now or utcnow()
    found = await _valid_invitation(session, token, now)
    if found is None:
        return None
    invitation, beneficiary = found
    is_counsellor = await session.scalar(
        select(Counsellor.id).where(Counsellor.telegram_id == telegram_id)
    )
    if is_counsellor is not None:
        return None
    previous = await session.scalar(
        select(Beneficiary).where(Beneficiary.telegram_id == telegram_id)
    )
    if previous is not None:
        if previous.status == BeneficiaryStatus.ACTIVE:
            return None
        # A person who withdrew earlier and is invited again: the old row keeps
        # no link to the account, the new one takes it.
        previous.telegram_id = None
        await session.flush()
    invitation.used_at = now
    beneficiary.telegram_id = telegram_id
    beneficiary.status = BeneficiaryStatus.ACTIVE
    beneficiary.consent_at = now
    beneficiary.locale = locale
    beneficiary.last_activity_at = now
    return BeneficiaryActor(beneficiary.id, telegram_id, locale, beneficiary.timezone)


async def list_beneficiaries(session: AsyncSession, actor: Actor) -> list[BeneficiarySummary]:
    """A counsellor's own beneficiaries, newest first."""
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only a counsellor lists beneficiaries")
    rows = await session.scalars(
        select(Beneficiary)
        .where(Beneficiary.counsellor_id == actor.counsellor_id)
        .order_by(Beneficiary.created_at.desc(), Beneficiary.id.desc())
    )
    return [_summary(b) for b in rows]


async def get_beneficiary(
    session: AsyncSession, actor: Actor, beneficiary_id: int
) -> BeneficiarySummary:
    return _summary(await load_beneficiary_for(session, actor, beneficiary_id))


def _summary(b: Beneficiary) -> BeneficiarySummary:
    return BeneficiarySummary(
        b.id,
        b.counsellor_id,
        b.name,
        b.status,
        b.phase,
        b.created_at,
        b.consent_at,
        b.concluded_at,
        b.locale,
    )


async def counsellor_name(session: AsyncSession, actor: CounsellorActor) -> str:
    """The counsellor's own name, as documents they sign print it."""
    counsellor = await session.get(Counsellor, actor.counsellor_id)
    if counsellor is None:
        raise AccessDenied("no such counsellor")
    return counsellor.name


async def set_locale(session: AsyncSession, actor: PersonActor, locale: str) -> None:
    """A person changes their own interface language."""
    if isinstance(actor, CounsellorActor):
        await session.execute(
            update(Counsellor).where(Counsellor.id == actor.counsellor_id).values(locale=locale)
        )
    else:
        await session.execute(
            update(Beneficiary).where(Beneficiary.id == actor.beneficiary_id).values(locale=locale)
        )


async def touch(
    session: AsyncSession, actor: BeneficiaryActor, now: datetime | None = None
) -> None:
    """Remember the beneficiary's last activity.

    The counsellor's card shows it, and the inactivity retention counts from
    it (a bilan never concluded is erased a year after the last activity), so
    :func:`bot.runtime.identify` calls this for every update a beneficiary sends.
    """
    await session.execute(
        update(Beneficiary)
        .where(Beneficiary.id == actor.beneficiary_id)
        .values(last_activity_at=now or utcnow())
    )
