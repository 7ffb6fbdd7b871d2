"""Where the beneficiary is in an enquête's steps: their one wait, under the flow ``enquete``.

The step and what was typed so far live in their conversation row
(:mod:`storage.sessions` on :mod:`storage.conversation`, encrypted), never in
memory; both the press table and the typed-text flow read and move it here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.enquetes.screens import guide_screens
from bot.kit.screens import Screen, Stale
from bot.kit.typed import BENEFICIARY_TEXT_WAIT
from bot.runtime import Caller, Context, wake_dispatcher
from storage import enquetes as store
from storage import sessions as dialogue
from storage.actors import BeneficiaryActor
from storage.enquetes import Confirms, Report

FLOW = "enquete"


async def wait_for(
    session: AsyncSession, me: BeneficiaryActor, step: str, data: dict[str, Any]
) -> None:
    """From now on, what they type is for ``step`` (with what the earlier steps gathered)."""
    await dialogue.save_dialogue(session, me, FLOW, step, data)


async def current(session: AsyncSession, me: BeneficiaryActor) -> dialogue.Dialogue | None:
    """Their enquête step, unless they left it more than half an hour ago."""
    return await dialogue.current_dialogue(session, me, flows=[FLOW], max_age=BENEFICIARY_TEXT_WAIT)


async def end(session: AsyncSession, me: BeneficiaryActor) -> None:
    await dialogue.end_dialogue(session, me, flows=[FLOW])


async def finish_report(
    session: AsyncSession,
    context: Context,
    caller: Caller,
    me: BeneficiaryActor,
    data: dict[str, Any],
    next_step: str | None,
) -> list[Screen]:
    """The last step of a report: store it; the counsellor's notice leaves after the commit."""
    try:
        inquiry_id = int(data["inquiry_id"])
        report = Report(
            date.fromisoformat(str(data["met_on"])),
            str(data["learned"]),
            Confirms(str(data["confirms"])),
            next_step,
        )
    except (KeyError, ValueError) as error:  # a wait written by another version of the steps
        raise Stale("report data") from error
    inquiry = await store.report_inquiry(session, me, inquiry_id, report)
    await end(session, me)
    wake_dispatcher(context)
    note = caller._("📝 Thank you: your report is saved and your counsellor is told.")
    return guide_screens(caller, me, inquiry, note)
