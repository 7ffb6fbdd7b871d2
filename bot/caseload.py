"""The counsellor's consenting beneficiaries, as a choice of buttons.

Sessions, tasks and the journal all start a counsellor's step with "for whom?".
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.i18n import N_
from bot.keyboards import button
from dialogues.typography import shorten
from storage.actors import CounsellorActor
from storage.models import BeneficiaryStatus
from storage.people import BeneficiarySummary, get_beneficiary, list_beneficiaries
from storage.sessions import save_dialogue

NOT_ACCEPTED = N_("This person has not accepted their invitation yet.")


async def active_beneficiaries(
    session: AsyncSession, actor: CounsellorActor
) -> list[BeneficiarySummary]:
    """The counsellor's beneficiaries who consented, by name."""
    people = await list_beneficiaries(session, actor)
    active = [p for p in people if p.status == BeneficiaryStatus.ACTIVE]
    return sorted(active, key=lambda p: p.name.casefold())


async def begin_for(
    session: AsyncSession, actor: CounsellorActor, beneficiary_id: int, flow: str, step: str
) -> BeneficiarySummary | None:
    """The person chosen in the list, their draft begun at ``step``; ``None`` if they have
    not accepted their invitation (the list is older than their state)."""
    person = await get_beneficiary(session, actor, beneficiary_id)
    if person.status != BeneficiaryStatus.ACTIVE:
        return None
    await save_dialogue(session, actor, flow, step, {"beneficiary_id": person.id})
    return person


def beneficiary_rows(
    people: Sequence[BeneficiarySummary], prefix: str, labels: dict[int, str] | None = None
) -> list[list[InlineKeyboardButton]]:
    rows: list[list[InlineKeyboardButton]] = []
    for person in people[:40]:
        label = shorten(person.name, 48)
        if labels and person.id in labels:
            label = f"{label} {labels[person.id]}"
        rows.append([button(label, f"{prefix}{person.id}")])
    return rows
