"""The counsellor's consenting beneficiaries, as a choice of buttons.

Sessions, tasks and the journal all start a counsellor's step with "for whom?".
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.keyboards import button
from dialogues.typography import shorten
from storage.actors import CounsellorActor
from storage.models import BeneficiaryStatus
from storage.people import BeneficiarySummary, list_beneficiaries


async def active_beneficiaries(
    session: AsyncSession, actor: CounsellorActor
) -> list[BeneficiarySummary]:
    """The counsellor's beneficiaries who consented, by name."""
    people = await list_beneficiaries(session, actor)
    active = [p for p in people if p.status == BeneficiaryStatus.ACTIVE]
    return sorted(active, key=lambda p: p.name.casefold())


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
