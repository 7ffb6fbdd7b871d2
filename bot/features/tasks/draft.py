"""The counsellor's draft of a task (for whom, title, details, due date), kept in the database.

A draft is a conversation row (:func:`storage.sessions.save_dialogue`): each
press and each typed text reads it again and checks its step.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.caseload import active_beneficiaries, beneficiary_rows
from bot.datetime_input import local_today
from bot.features.tasks.texts import BENEFICIARY_PREFIX, TASK_FLOW, page
from bot.keyboards import button
from bot.kit.screens import Screen, Stale, e
from bot.moments import day_text
from bot.runtime import Caller
from storage import sessions as dialogue
from storage.actors import CounsellorActor
from storage.models import utcnow
from storage.people import get_beneficiary

DUE_CHOICES = (3, 7, 14, 21)


async def current_draft(
    session: AsyncSession, actor: CounsellorActor, *steps: str
) -> dialogue.Dialogue:
    draft = await dialogue.current_dialogue(session, actor, flows=[TASK_FLOW])
    if draft is None or draft.step not in steps:
        raise Stale("no task draft at this step")
    return draft


def beneficiary_id(data: dict[str, Any]) -> int:
    value = data.get("beneficiary_id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise Stale("draft without beneficiary")
    return value


async def heading_of(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, data: dict[str, Any]
) -> str:
    person = await get_beneficiary(session, actor, beneficiary_id(data))
    return caller._("<b>New task for {name}.</b>").format(name=e(person.name))


def due_screen(
    caller: Caller, actor: CounsellorActor, heading: str, hint: str | None = None
) -> Screen:
    _ = caller._
    today = local_today(utcnow(), actor.timezone)
    rows: list[list[InlineKeyboardButton]] = []
    labels = {
        3: _("In 3 days"),
        7: _("In a week"),
        14: _("In 2 weeks"),
        21: _("In 3 weeks"),
    }
    for pair in (DUE_CHOICES[:2], DUE_CHOICES[2:]):
        rows.append([button(labels[d], f"t:due:{today + timedelta(days=d):%Y%m%d}") for d in pair])
    rows.append([button(_("✖ Cancel"), "t:x")])
    lines = [heading, ""]
    if hint:
        lines += [hint, ""]
    lines.append(_("By when? Type a date (“Friday”, “03/21”, “in 2 weeks”) or choose:"))
    return page("\n".join(lines), rows)


async def confirm_screen(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, data: dict[str, Any], hour: int
) -> Screen:
    _ = caller._
    person = await get_beneficiary(session, actor, beneficiary_id(data))
    due = date.fromisoformat(str(data.get("due_on")))
    lines = [
        _("<b>Task for {name}</b>").format(name=e(person.name)),
        f"📌 {e(str(data.get('title', '')))}",
    ]
    details = data.get("details")
    if isinstance(details, str) and details:
        lines.append(e(details))
    lines += [
        _("Due: {day}").format(day=day_text(due, caller.locale)),
        "",
        _("They are told now and reminded the evening before, at {hour}:00.").format(hour=hour),
    ]
    rows = [[button(_("✅ Give this task"), "t:ok")], [button(_("✖ Cancel"), "t:x")]]
    return page("\n".join(lines), rows)


async def picker_screen(session: AsyncSession, caller: Caller, actor: CounsellorActor) -> Screen:
    """For whom? (``t:new`` and ``/tache``): the draft starts."""
    _ = caller._
    people = await active_beneficiaries(session, actor)
    if not people:
        return page(_("None of your beneficiaries has accepted their invitation yet."))
    await dialogue.save_dialogue(session, actor, TASK_FLOW, "ben")
    rows = beneficiary_rows(people, BENEFICIARY_PREFIX)
    rows.append([button(_("✖ Cancel"), "t:x")])
    return page(_("<b>New task.</b> For whom?"), rows)
