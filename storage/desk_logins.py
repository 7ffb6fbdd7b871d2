"""One-use sign-in links to the counsellor's desk, for a browser outside Telegram.

The bot hands an active counsellor a link in the chat; the desk exchanges it
once for a session. Like invitations, only a SHA-256 hash of the token is
kept, and the row lives ten minutes at most.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.actors import AccessDenied, Actor, CounsellorActor
from storage.models import NEVER_REUSED, Base, Counsellor, UTCDateTime, utcnow
from storage.people import hash_token

LOGIN_LIFETIME = timedelta(minutes=10)


class DeskLogin(Base):
    __tablename__ = "desk_logins"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


async def issue_login(session: AsyncSession, actor: Actor, now: datetime | None = None) -> str:
    """A fresh one-use token for the counsellor themself; expired ones are cleared."""
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only a counsellor signs in to the desk")
    now = now or utcnow()
    await session.execute(delete(DeskLogin).where(DeskLogin.expires_at <= now))
    token = secrets.token_urlsafe(24)
    session.add(
        DeskLogin(
            counsellor_id=actor.counsellor_id,
            token_hash=hash_token(token),
            expires_at=now + LOGIN_LIFETIME,
            created_at=now,
        )
    )
    return token


async def redeem_login(
    session: AsyncSession, token: str, now: datetime | None = None
) -> int | None:
    """The Telegram id of the active counsellor the token was issued to, once; else ``None``.

    The row is deleted by the same statement that reads it, so two browsers
    racing with one link cannot both get in.
    """
    now = now or utcnow()
    if not token or len(token) > 64:
        return None
    found = (
        await session.execute(
            delete(DeskLogin)
            .where(DeskLogin.token_hash == hash_token(token))
            .returning(DeskLogin.counsellor_id, DeskLogin.expires_at)
        )
    ).first()
    if found is None or found.expires_at <= now:
        return None
    telegram_id = await session.scalar(
        select(Counsellor.telegram_id).where(
            Counsellor.id == found.counsellor_id, Counsellor.active
        )
    )
    return int(telegram_id) if telegram_id is not None else None


class DeskVisit(Base):
    """When the counsellor last opened the desk's digest: "since your last visit" starts there."""

    __tablename__ = "desk_visits"

    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


async def last_visit(
    session: AsyncSession, actor: Actor, now: datetime | None = None
) -> datetime | None:
    """The counsellor's previous visit of the digest page, and this one remembered."""
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only a counsellor has a desk")
    now = now or utcnow()
    row = await session.get(DeskVisit, actor.counsellor_id, populate_existing=True)
    if row is None:
        session.add(DeskVisit(counsellor_id=actor.counsellor_id, seen_at=now))
        return None
    previous = row.seen_at
    row.seen_at = now
    return previous
