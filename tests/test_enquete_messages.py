"""The enquête messages sent through the outbox, rendered as the dispatcher renders them.

On both databases. What matters is what each says when it is sent: a shared
contact erased meanwhile is not sent, a reminder for a meeting moved or
reported since is not sent, and a counsellor hears only of their own people.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import cast

from telegram import Bot

from bot.features import enquetes as enquete_feature  # noqa: F401  (registers its kinds)
from bot.features.contacts import notices as contact_handlers
from bot.outbox_kinds import REGISTRY, OutgoingMessage, RenderContext
from storage import outbox
from storage.actors import SystemActor
from storage.contacts import ContactFields, ContactKind, add_contact, erase_contact, share_contact
from storage.db import Database
from storage.enquetes import (
    REMINDER_KIND,
    REPORTED_KIND,
    Confirms,
    Report,
    report_inquiry,
    set_meeting,
    start_inquiry,
)
from storage.outbox import Recipient
from tests.storage.conftest import World
from tests.storage.conftest import world as world  # the fixture

NOW = datetime.now(UTC)
_KEYS = itertools.count()
NURSE = ContactFields(
    kind=ContactKind.PROFESSIONAL,
    name="Sophie Lenoir",
    reach="06 12 34 56 78",
    agreed_on=date(2026, 2, 1),
    agreed_how="par téléphone",
    rome_codes=("J1506",),
    mention="de la part du centre de bilan",
)


async def _render(
    db: Database, kind: str, recipient: Recipient, payload: dict[str, object], beneficiary_id: int
) -> OutgoingMessage | None:
    async with db.transaction() as session:
        await outbox.enqueue(
            session,
            kind=kind,
            recipient=recipient,
            due_at=NOW,
            dedupe_key=f"test:{next(_KEYS)}",
            payload=payload,
            beneficiary_id=beneficiary_id,
        )
    async with db.transaction() as session:
        claimed = await outbox.claim(
            session, limit=10, lease=timedelta(minutes=1), now=NOW + timedelta(seconds=1)
        )
        row = next(c for c in claimed if c.kind == kind and c.dedupe_key.startswith("test:"))
        addressee = (await outbox.resolve_addressees(session, [recipient]))[recipient]
        await outbox.mark_sent(session, row, now=NOW)
    spec = REGISTRY.get(kind)
    assert spec is not None
    return await spec.render(RenderContext(cast(Bot, None), db, addressee, NOW), row)


async def test_a_shared_card_is_sent_until_the_contact_is_erased(
    db: Database, world: World
) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    async with db.transaction() as session:
        contact = await add_contact(session, SystemActor("t"), NURSE)
        share, _new = await share_contact(
            session, world.a, world.paul.beneficiary_id, contact.id, rome_code="J1506"
        )
    payload: dict[str, object] = {"share_id": share.id}
    sent = await _render(db, contact_handlers.SHARED_KIND, paul, payload, paul.id)
    assert sent is not None
    assert "Sophie Lenoir" in sent.text and "06 12 34 56 78" in sent.text
    assert "par téléphone" not in sent.text
    assert sent.keyboard is not None
    assert sent.keyboard.inline_keyboard[0][0].callback_data == f"en:ns:{share.id}"
    lea = Recipient.beneficiary(world.lea.beneficiary_id)
    assert await _render(db, contact_handlers.SHARED_KIND, lea, payload, lea.id) is None
    async with db.transaction() as session:
        await erase_contact(session, SystemActor("t"), contact.id)
    assert await _render(db, contact_handlers.SHARED_KIND, paul, payload, paul.id) is None


async def test_a_reminder_goes_only_for_the_meeting_still_planned(
    db: Database, world: World
) -> None:
    paul = Recipient.beneficiary(world.paul.beneficiary_id)
    meeting = (NOW + timedelta(days=3)).replace(microsecond=0)
    async with db.transaction() as session:
        inquiry = await start_inquiry(session, world.paul, title="Boulanger / Boulangère")
        await set_meeting(session, world.paul, inquiry.id, meeting)
    payload: dict[str, object] = {"inquiry_id": inquiry.id, "meeting_at": meeting.isoformat()}
    sent = await _render(db, REMINDER_KIND, paul, payload, paul.id)
    assert sent is not None and "Boulanger / Boulangère" in sent.text
    assert "Relisez votre guide" in sent.text
    moved = {**payload, "meeting_at": (meeting + timedelta(hours=1)).isoformat()}
    assert await _render(db, REMINDER_KIND, paul, moved, paul.id) is None
    async with db.transaction() as session:
        await report_inquiry(
            session, world.paul, inquiry.id, Report(NOW.date(), "Très instructif", Confirms.YES)
        )
    assert await _render(db, REMINDER_KIND, paul, payload, paul.id) is None


async def test_the_counsellor_hears_of_their_own_persons_report(db: Database, world: World) -> None:
    async with db.transaction() as session:
        inquiry = await start_inquiry(session, world.paul, title="Infirmier / Infirmière")
        await report_inquiry(
            session, world.paul, inquiry.id, Report(NOW.date(), "Mots de Paul", Confirms.NO)
        )
    payload: dict[str, object] = {"inquiry_id": inquiry.id}
    claire = Recipient.counsellor(world.a.counsellor_id)
    told = await _render(db, REPORTED_KIND, claire, payload, world.paul.beneficiary_id)
    assert told is not None
    assert "Paul Durand a fait le compte rendu" in told.text and "non" in told.text
    assert "Mots de Paul" not in told.text
    bruno = Recipient.counsellor(world.b.counsellor_id)
    assert await _render(db, REPORTED_KIND, bruno, payload, world.paul.beneficiary_id) is None
