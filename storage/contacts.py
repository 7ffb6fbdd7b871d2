"""The organisation's resource-person file, and the contacts a counsellor shares.

The guide the bilan follows asks the organisation to keep a *fichier personnes
ressources*: professionals, companies, training bodies, tutors and *plateaux
techniques* who agreed to talk to people exploring their métier. They are
people too, so:

* every personal field (name, role, organisation, how to reach them, the area,
  how they agreed, what to mention) is encrypted at rest; the ROME codes of
  the métiers they speak about stay in clear, in their own table, so that
  matching is a query and not a decryption of the whole file;
* no contact exists without the date and the way they agreed to be contacted;
* each contact can be erased on request (:func:`erase_contact`): the row and
  its métiers go, every share of it loses its link (the beneficiary's card no
  longer shows its details), and the beneficiary's own notes stay theirs.

The file is the organisation's: every counsellor and the administrator may
add, edit, match and erase contacts; a beneficiary never reads it. A contact
reaches a beneficiary only when their own counsellor *shares* it
(:func:`share_contact`); the beneficiary then reads that one contact through
:func:`shared_contact`, and a counsellor reads only the shares made to their
own beneficiaries.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage import audit, outbox
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    SystemActor,
    load_beneficiary_for,
)
from storage.crypto import EncryptedText
from storage.models import (
    NEVER_REUSED,
    Base,
    BeneficiaryStatus,
    UTCDateTime,
    string_enum,
    utcnow,
)
from storage.outbox import Recipient

SHARED_KIND = "contact_shared"
"""The outbox kind that carries a shared contact's card to the person (rendered by the bot)."""
NAME_MAX = 120
TEXT_MAX = 300
MAX_METIERS = 12
ROME_CODE = re.compile(r"[A-N]\d{4}")


class ContactKind(enum.StrEnum):
    PROFESSIONAL = "professional"
    COMPANY = "company"
    TRAINING = "training"
    TUTOR = "tutor"
    PLATEAU = "plateau"
    """A *plateau technique*: a workshop or ward where one can see the work done."""


class ContactRefused(Exception):
    """A contact that cannot be kept; ``reason`` names the field, never its content.

    Reasons: ``name``, ``reach``, ``agreement``, ``agreed_on``, ``kind``,
    ``metiers``, ``rome:<code>``, ``too_long:<field>``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ResourceContact(Base):
    __tablename__ = "resource_contacts"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ContactKind] = mapped_column(string_enum(ContactKind, "contact_kind"))
    name: Mapped[str] = mapped_column(EncryptedText)
    role: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    organisation: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    reach: Mapped[str] = mapped_column(EncryptedText)
    area: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    mention: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    """What a beneficiary should say when they get in touch ("de la part du CIBC")."""
    agreed_on: Mapped[date] = mapped_column(Date)
    agreed_how: Mapped[str] = mapped_column(EncryptedText)
    added_by: Mapped[int | None] = mapped_column(
        ForeignKey("counsellors.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContactMetier(Base):
    """A métier a contact can speak about: a ROME code (public data, in clear)."""

    __tablename__ = "resource_contact_metiers"
    __table_args__ = (UniqueConstraint("contact_id", "rome_code"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("resource_contacts.id", ondelete="CASCADE"), index=True
    )
    rome_code: Mapped[str] = mapped_column(String(5), index=True)


class ContactShare(Base):
    """A counsellor gave one contact to one of their beneficiaries."""

    __tablename__ = "contact_shares"
    __table_args__ = (UniqueConstraint("contact_id", "beneficiary_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null once the contact is erased: the share stays so the person's notes keep their place.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_contacts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counsellors.id", ondelete="SET NULL"), nullable=True
    )
    rome_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    """The métier the counsellor shared it for (the match), when there was one."""
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class ContactFields:
    """What a counsellor or the administrator types or imports for one contact."""

    kind: ContactKind
    name: str
    reach: str
    agreed_on: date
    agreed_how: str
    rome_codes: tuple[str, ...] = ()
    role: str | None = None
    organisation: str | None = None
    area: str | None = None
    mention: str | None = None


@dataclass(frozen=True)
class Contact:
    id: int
    kind: ContactKind
    name: str
    role: str | None
    organisation: str | None
    reach: str
    area: str | None
    mention: str | None
    agreed_on: date
    agreed_how: str
    rome_codes: tuple[str, ...]
    updated_at: datetime

    def fields(self) -> ContactFields:
        return ContactFields(
            self.kind,
            self.name,
            self.reach,
            self.agreed_on,
            self.agreed_how,
            self.rome_codes,
            self.role,
            self.organisation,
            self.area,
            self.mention,
        )


@dataclass(frozen=True)
class Match:
    contact: Contact
    rome_code: str
    """The code of the beneficiary's that matched."""
    level: int
    """0: same ROME code; 1: same domain (first three characters); 2: same letter."""


@dataclass(frozen=True)
class Share:
    id: int
    beneficiary_id: int
    contact: Contact | None
    """None once the contact was erased."""
    rome_code: str | None
    shared_at: datetime


# ---------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------


def _file_keeper(actor: Actor) -> CounsellorActor | SystemActor:
    """The file is the organisation's: its counsellors and the administrator keep it."""
    if isinstance(actor, CounsellorActor | SystemActor):
        return actor
    raise AccessDenied("only a counsellor or the administrator reaches the resource file")


def _keeper_id(actor: CounsellorActor | SystemActor) -> int | None:
    return actor.counsellor_id if isinstance(actor, CounsellorActor) else None


# ---------------------------------------------------------------------------
# The file
# ---------------------------------------------------------------------------


def _text(value: str | None, field: str, limit: int = TEXT_MAX) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if len(value) > limit:
        raise ContactRefused(f"too_long:{field}")
    return value or None


def check_rome_codes(codes: Iterable[str], known: Iterable[str] | None = None) -> tuple[str, ...]:
    """Codes upper-cased, each once, in order; ``known`` (the ROME's codes) when given."""
    known_set = set(known) if known is not None else None
    found: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if not code:
            continue
        if not ROME_CODE.fullmatch(code) or (known_set is not None and code not in known_set):
            raise ContactRefused(f"rome:{code[:8]}")
        if code not in found:
            found.append(code)
    if len(found) > MAX_METIERS:
        raise ContactRefused("metiers")
    return tuple(found)


def clean_fields(fields: ContactFields, known_codes: Iterable[str] | None = None) -> ContactFields:
    """The fields as they will be kept, or :class:`ContactRefused` naming what is wrong."""
    name = _text(fields.name, "name", NAME_MAX)
    if not name:
        raise ContactRefused("name")
    reach = _text(fields.reach, "reach")
    if not reach:
        raise ContactRefused("reach")
    agreed_how = _text(fields.agreed_how, "agreed_how")
    if not agreed_how or fields.agreed_on is None:
        raise ContactRefused("agreement")
    try:
        kind = ContactKind(fields.kind)
    except ValueError as exc:
        raise ContactRefused("kind") from exc
    return ContactFields(
        kind=kind,
        name=name,
        reach=reach,
        agreed_on=fields.agreed_on,
        agreed_how=agreed_how,
        rome_codes=check_rome_codes(fields.rome_codes, known_codes),
        role=_text(fields.role, "role"),
        organisation=_text(fields.organisation, "organisation"),
        area=_text(fields.area, "area"),
        mention=_text(fields.mention, "mention"),
    )


async def _codes_of(session: AsyncSession, contact_ids: Sequence[int]) -> dict[int, list[str]]:
    codes: dict[int, list[str]] = {cid: [] for cid in contact_ids}
    if not contact_ids:
        return codes
    for contact_id, code in await session.execute(
        select(ContactMetier.contact_id, ContactMetier.rome_code)
        .where(ContactMetier.contact_id.in_(list(contact_ids)))
        .order_by(ContactMetier.id)
    ):
        codes[contact_id].append(code)
    return codes


def _contact(row: ResourceContact, codes: Sequence[str]) -> Contact:
    return Contact(
        row.id,
        row.kind,
        row.name,
        row.role,
        row.organisation,
        row.reach,
        row.area,
        row.mention,
        row.agreed_on,
        row.agreed_how,
        tuple(codes),
        row.updated_at,
    )


async def _set_codes(session: AsyncSession, contact_id: int, codes: Sequence[str]) -> None:
    await session.execute(
        delete(ContactMetier)
        .where(ContactMetier.contact_id == contact_id)
        .execution_options(synchronize_session=False)
    )
    for code in codes:
        session.add(ContactMetier(contact_id=contact_id, rome_code=code))
    await session.flush()


async def add_contact(
    session: AsyncSession,
    actor: Actor,
    fields: ContactFields,
    *,
    known_codes: Iterable[str] | None = None,
    now: datetime | None = None,
) -> Contact:
    """A new contact of the file; refused without their recorded agreement."""
    keeper = _file_keeper(actor)
    clean = clean_fields(fields, known_codes)
    now = now or utcnow()
    row = ResourceContact(
        kind=clean.kind,
        name=clean.name,
        role=clean.role,
        organisation=clean.organisation,
        reach=clean.reach,
        area=clean.area,
        mention=clean.mention,
        agreed_on=clean.agreed_on,
        agreed_how=clean.agreed_how,
        added_by=_keeper_id(keeper),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    await _set_codes(session, row.id, clean.rome_codes)
    await audit.record(session, keeper, "contacts:add", None)
    return _contact(row, clean.rome_codes)


async def _row(session: AsyncSession, contact_id: int) -> ResourceContact:
    row = await session.get(ResourceContact, contact_id, populate_existing=True)
    if row is None:
        raise AccessDenied(f"contact {contact_id} is not in the file")
    return row


async def get_contact(session: AsyncSession, actor: Actor, contact_id: int) -> Contact:
    _file_keeper(actor)
    row = await _row(session, contact_id)
    return _contact(row, (await _codes_of(session, [row.id]))[row.id])


async def update_contact(
    session: AsyncSession,
    actor: Actor,
    contact_id: int,
    fields: ContactFields,
    *,
    known_codes: Iterable[str] | None = None,
    now: datetime | None = None,
) -> Contact:
    """Replace every field of a contact (the chat edits one and passes the others back)."""
    keeper = _file_keeper(actor)
    clean = clean_fields(fields, known_codes)
    row = await _row(session, contact_id)
    row.kind = clean.kind
    row.name = clean.name
    row.role = clean.role
    row.organisation = clean.organisation
    row.reach = clean.reach
    row.area = clean.area
    row.mention = clean.mention
    row.agreed_on = clean.agreed_on
    row.agreed_how = clean.agreed_how
    row.updated_at = now or utcnow()
    await _set_codes(session, row.id, clean.rome_codes)
    await audit.record(session, keeper, "contacts:edit", None)
    return _contact(row, clean.rome_codes)


async def list_contacts(session: AsyncSession, actor: Actor) -> list[Contact]:
    """The whole file, by name (for the counsellor's list and the administrator's export)."""
    _file_keeper(actor)
    rows = list(await session.scalars(select(ResourceContact).order_by(ResourceContact.id)))
    codes = await _codes_of(session, [r.id for r in rows])
    contacts = [_contact(r, codes[r.id]) for r in rows]
    return sorted(contacts, key=lambda c: (c.name.casefold(), c.id))


async def match_contacts(
    session: AsyncSession, actor: Actor, rome_codes: Sequence[str], *, limit: int = 10
) -> list[Match]:
    """Contacts who speak about one of ``rome_codes``: same code first, then same domain.

    The domain is the code's first three characters (``J15``), then its letter
    (``J``); among equals, the order of ``rome_codes`` (what the person
    explores most) and then the contact's name.
    """
    _file_keeper(actor)
    wanted = [
        c for c in dict.fromkeys(code.upper() for code in rome_codes) if ROME_CODE.fullmatch(c)
    ]
    if not wanted:
        return []
    letters = sorted({c[0] for c in wanted})
    pairs = list(
        await session.execute(
            select(ContactMetier.contact_id, ContactMetier.rome_code).where(
                or_(*[ContactMetier.rome_code.like(letter + "%") for letter in letters])
            )
        )
    )
    best: dict[int, tuple[int, int, str]] = {}
    for contact_id, code in pairs:
        for rank, target in enumerate(wanted):
            if code == target:
                level = 0
            elif code[:3] == target[:3]:
                level = 1
            elif code[0] == target[0]:
                level = 2
            else:
                continue
            candidate = (level, rank, target)
            if contact_id not in best or candidate < best[contact_id]:
                best[contact_id] = candidate
    if not best:
        return []
    rows = list(
        await session.scalars(select(ResourceContact).where(ResourceContact.id.in_(list(best))))
    )
    codes = await _codes_of(session, [r.id for r in rows])
    matches = [Match(_contact(r, codes[r.id]), best[r.id][2], best[r.id][0]) for r in rows]
    matches.sort(key=lambda m: (m.level, wanted.index(m.rome_code), m.contact.name.casefold()))
    return matches[:limit]


async def erase_contact(session: AsyncSession, actor: Actor, contact_id: int) -> int:
    """Erase a contact on their request; returns how many shares lost its details.

    Shares stay (the beneficiary's inquiry notes point at them) but no longer
    name the contact; a share still waiting in the outbox renders to nothing.
    """
    keeper = _file_keeper(actor)
    row = await _row(session, contact_id)
    result = await session.execute(
        update(ContactShare)
        .where(ContactShare.contact_id == row.id)
        .values(contact_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(ContactMetier)
        .where(ContactMetier.contact_id == row.id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(ResourceContact)
        .where(ResourceContact.id == row.id)
        .execution_options(synchronize_session=False)
    )
    session.expunge(row)
    await audit.record(session, keeper, "contacts:erase", None)
    return int(result.rowcount)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# Shares
# ---------------------------------------------------------------------------


async def share_contact(
    session: AsyncSession,
    actor: Actor,
    beneficiary_id: int,
    contact_id: int,
    *,
    rome_code: str | None = None,
    now: datetime | None = None,
) -> tuple[Share, bool]:
    """The counsellor gives one contact to one of their own beneficiaries.

    Returns the share and whether it is new (sharing twice changes nothing).
    A new share queues the contact's card for the person, keyed by the share.
    """
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only the beneficiary's counsellor shares a contact")
    beneficiary = await load_beneficiary_for(session, actor, beneficiary_id)
    if beneficiary.status != BeneficiaryStatus.ACTIVE:
        raise AccessDenied("the bilan has no consent")
    contact = await get_contact(session, actor, contact_id)
    if rome_code is not None and not ROME_CODE.fullmatch(rome_code):
        rome_code = None
    existing = await session.scalar(
        select(ContactShare).where(
            ContactShare.contact_id == contact_id, ContactShare.beneficiary_id == beneficiary_id
        )
    )
    if existing is not None:
        return _share(existing, contact), False
    now = now or utcnow()
    row = ContactShare(
        contact_id=contact_id,
        beneficiary_id=beneficiary_id,
        counsellor_id=actor.counsellor_id,
        rome_code=rome_code,
        shared_at=now,
    )
    session.add(row)
    await session.flush()
    await audit.record(session, actor, "contacts:share", beneficiary_id)
    await outbox.enqueue(
        session,
        kind=SHARED_KIND,
        recipient=Recipient.beneficiary(beneficiary_id),
        due_at=now,
        dedupe_key=f"share:{row.id}",
        payload={"share_id": row.id},
        now=now,
    )
    return _share(row, contact), True


def _share(row: ContactShare, contact: Contact | None) -> Share:
    return Share(row.id, row.beneficiary_id, contact, row.rome_code, row.shared_at)


async def _shares_where(session: AsyncSession, *conditions: object) -> list[Share]:
    rows = list(
        await session.scalars(
            select(ContactShare).where(*conditions).order_by(ContactShare.shared_at.desc())  # type: ignore[arg-type]
        )
    )
    ids = [r.contact_id for r in rows if r.contact_id is not None]
    contacts: dict[int, Contact] = {}
    if ids:
        found = list(
            await session.scalars(select(ResourceContact).where(ResourceContact.id.in_(ids)))
        )
        codes = await _codes_of(session, [r.id for r in found])
        contacts = {r.id: _contact(r, codes[r.id]) for r in found}
    return [
        _share(r, contacts.get(r.contact_id) if r.contact_id is not None else None) for r in rows
    ]


async def shares_of(session: AsyncSession, actor: Actor, beneficiary_id: int) -> list[Share]:
    """The contacts shared with one beneficiary: they themself, their counsellor, the system."""
    if isinstance(actor, BeneficiaryActor) and actor.beneficiary_id != beneficiary_id:
        raise AccessDenied("a beneficiary reads only what was shared with them")
    await load_beneficiary_for(session, actor, beneficiary_id)
    return await _shares_where(session, ContactShare.beneficiary_id == beneficiary_id)


async def shared_contact(session: AsyncSession, actor: Actor, share_id: int) -> Share:
    """One share, if ``actor`` may reach it: the beneficiary it was made to, or their counsellor."""
    row = await session.get(ContactShare, share_id, populate_existing=True)
    if row is None:
        raise AccessDenied(f"share {share_id} is not reachable")
    if isinstance(actor, BeneficiaryActor) and actor.beneficiary_id != row.beneficiary_id:
        raise AccessDenied(f"share {share_id} is not reachable")
    await load_beneficiary_for(session, actor, row.beneficiary_id)
    found = await _shares_where(session, ContactShare.id == share_id)
    return found[0]
