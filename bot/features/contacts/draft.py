"""The contact being typed: its draft in the counsellor's dialogue row, and its saving.

The draft lives in ``storage.sessions`` (encrypted), not in memory, so a
restart loses nothing. Adding goes name → reach → métiers → how they agreed;
editing retypes one field (step ``e_<field>``) and saves at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.contacts.screens import contact_screen
from bot.kit.screens import Screen
from bot.runtime import Caller
from dialogues.rome import load_rome
from storage import contacts as store
from storage import sessions as dialogue
from storage.actors import CounsellorActor
from storage.contacts import Contact, ContactFields, ContactKind
from storage.models import utcnow

FLOW = "contact"
NEXT = {"name": "reach", "reach": "metiers", "metiers": "how"}
"""The step after each one, when adding."""
FIELD_OF = {"org": "organisation", "how": "agreed_how", "metiers": "rome_codes"}
"""The draft's key for a field whose name in the grammar is shorter."""


def fields(data: dict[str, Any]) -> ContactFields:
    return ContactFields(
        kind=ContactKind(str(data.get("kind", "professional"))),
        name=str(data.get("name") or ""),
        reach=str(data.get("reach") or ""),
        agreed_on=date.fromisoformat(str(data.get("agreed_on") or utcnow().date().isoformat())),
        agreed_how=str(data.get("agreed_how") or ""),
        rome_codes=tuple(str(c) for c in data.get("rome_codes") or ()),
        role=data.get("role"),
        organisation=data.get("organisation"),
        area=data.get("area"),
        mention=data.get("mention"),
    )


def as_data(contact: Contact) -> dict[str, Any]:
    f = contact.fields()
    return {
        "contact_id": contact.id,
        "kind": f.kind.value,
        "name": f.name,
        "reach": f.reach,
        "agreed_on": f.agreed_on.isoformat(),
        "agreed_how": f.agreed_how,
        "rome_codes": list(f.rome_codes),
        "role": f.role,
        "organisation": f.organisation,
        "area": f.area,
        "mention": f.mention,
    }


async def save(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, data: dict[str, Any]
) -> Screen:
    """The draft's contact, added or edited; the dialogue ends."""
    codes = [s.code for s in load_rome().sheets()]
    contact_id = data.get("contact_id")
    if isinstance(contact_id, int):
        contact = await store.update_contact(
            session, actor, contact_id, fields(data), known_codes=codes
        )
        note = caller._("✅ Saved.")
    else:
        contact = await store.add_contact(session, actor, fields(data), known_codes=codes)
        note = caller._("✅ Added to the file.")
    await dialogue.end_dialogue(session, actor, flows=[FLOW])
    return contact_screen(contact, caller, note)
