"""Tables of the bot.

Personal content (names, answers, free text) uses the encrypted column types of
:mod:`storage.crypto`; identifiers, states and timestamps stay in clear so that
the bot can select and schedule without decrypting. All timestamps are UTC.
Other modules of ``storage`` add their tables to the same :class:`Base`.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Enum, ForeignKey, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from dialogues.languages import DEFAULT
from storage.crypto import EncryptedText

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no time zone type and hands back naive values; normalising here
    means no caller ever compares a naive with an aware datetime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Table options for every table whose integer ids reach buttons, deep links,
# dedupe keys or queued rows: an id must never name someone else later. SQLite
# hands out max(rowid) + 1, so erasing the newest person would give their id to
# the next one invited; AUTOINCREMENT never goes back. PostgreSQL's SERIAL
# sequences never go back either.
NEVER_REUSED: dict[str, Any] = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BeneficiaryStatus(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class Phase(enum.StrEnum):
    PRELIMINAIRE = "preliminaire"
    INVESTIGATION = "investigation"
    CONCLUSION = "conclusion"
    SUIVI = "suivi"
    CLOS = "clos"


def string_enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings (no native ENUM type) so adding a value later
    # is a code change, not a PostgreSQL type migration.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class Counsellor(Base):
    __tablename__ = "counsellors"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(5), default=DEFAULT.code)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Beneficiary(Base):
    __tablename__ = "beneficiaries"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("counsellors.id"), index=True)
    # Bound only when the person gives consent: before that we know nothing of them.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    status: Mapped[BeneficiaryStatus] = mapped_column(
        string_enum(BeneficiaryStatus, "beneficiary_status"), default=BeneficiaryStatus.INVITED
    )
    phase: Mapped[Phase] = mapped_column(string_enum(Phase, "phase"), default=Phase.PRELIMINAIRE)
    locale: Mapped[str] = mapped_column(String(5), default=DEFAULT.code)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when Telegram answers 403 (the person blocked the bot); cleared on /start.
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    counsellor: Mapped[Counsellor] = relationship(lazy="raise")


class Invitation(Base):
    __tablename__ = "invitations"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the token: a database dump cannot be replayed as invitations.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Who reached whose data, when — never what it said."""

    __tablename__ = "audit_events"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    beneficiary_id: Mapped[int | None] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )


class Meta(Base):
    """Small facts about the database itself, such as the encryption canary."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(EncryptedText)
