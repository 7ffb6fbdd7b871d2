"""From a known time to the summary, and from "Confirm" to the scheduled (or moved) session.

The summary states the bilan's hours budget and any clash; beyond the budget
a second confirmation is asked.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.datetime_input import When, local_today, parse_when, to_utc
from bot.features.sessions.draft import data_int, data_time, draft_name, time_problem
from bot.features.sessions.draft_screens import (
    day_screen,
    duration_screen,
    hour_screen,
    mode_screen,
)
from bot.features.sessions.settings import SessionSettings
from bot.features.sessions.texts import LIST, budget_text, heading_of, mode_label, page
from bot.keyboards import button
from bot.kit.screens import Screen, Stale, e
from bot.moments import duration_text, when_text, zone_note
from bot.runtime import Caller
from storage import sessions as store
from storage.actors import CounsellorActor
from storage.models import utcnow
from storage.people import get_beneficiary
from storage.sessions import SessionMode


async def after_time_chosen(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: store.Dialogue,
    starts_at: datetime,
    budget_hours: float,
    minutes: int | None = None,
) -> Screen:
    """The next question once the time is known; a typed range ("14h-15h30") is the length."""
    data = {**draft.data, "starts_at": starts_at.isoformat()}
    name = await draft_name(session, actor, draft)
    if draft.flow == "move":
        await store.save_dialogue(session, actor, "move", "confirm", data)
        return await confirm_screen(session, caller, actor, "move", data, budget_hours)
    if minutes is not None and store.MIN_MINUTES <= minutes <= store.MAX_MINUTES:
        await store.save_dialogue(session, actor, "session", "mode", {**data, "minutes": minutes})
        return mode_screen(caller, heading_of(caller, name, "session"))
    await store.save_dialogue(session, actor, "session", "dur", data)
    return duration_screen(caller, heading_of(caller, name, "session"))


async def typed_time(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: store.Dialogue,
    text: str,
    budget_hours: float,
) -> Screen:
    _ = caller._
    today = local_today(utcnow(), actor.timezone)
    when: When | None = parse_when(text, caller.locale, today)
    name = await draft_name(session, actor, draft)
    heading = heading_of(caller, name, draft.flow)
    day: date | None = when.day if when else None
    if when is not None and day is None and draft.step == "hour":
        chosen = draft.data.get("day")
        day = date.fromisoformat(chosen) if isinstance(chosen, str) else None
    if when is None or day is None:
        hint = _(
            "⚠️ I did not understand that date. Write for example “03/12 2:30pm”, "
            "“Tuesday 2pm”, “tomorrow 10am” or “03/14/2027 9am”."
        )
        screen = (
            day_screen(caller, actor, heading)
            if draft.step == "day"
            else hour_screen(caller, actor, heading, today)
        )
        return page(f"{hint}\n\n{screen.text}", screen.rows)
    if when.at is None:
        await store.save_dialogue(
            session, actor, draft.flow, "hour", {**draft.data, "day": day.isoformat()}
        )
        return hour_screen(caller, actor, heading, day)
    starts_at = to_utc(day, when.at, actor.timezone)
    problem = time_problem(caller, starts_at)
    if problem is not None:
        screen = day_screen(caller, actor, heading)
        return page(f"{problem}\n\n{screen.text}", screen.rows)
    return await after_time_chosen(
        session, caller, actor, draft, starts_at, budget_hours, when.minutes
    )


async def confirm_screen(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    flow: str,
    data: dict[str, Any],
    budget_hours: float,
    *,
    insist: bool = False,
) -> Screen:
    """The summary before scheduling or moving, with the hours budget and any clash."""
    _ = caller._
    starts_at = data_time(data, "starts_at")
    if starts_at is None:
        raise Stale("draft without a time")
    lines: list[str] = []
    excluding: int | None = None
    if flow == "move":
        info = await store.session_for(session, actor, data_int(data, "session_id"))
        excluding = info.id
        minutes = info.duration_minutes
        lines.append(
            _("<b>Move the session with {name}</b>\nfrom {old}\nto <b>{new}</b>?").format(
                name=e(info.beneficiary_name),
                old=when_text(info.starts_at, caller.locale, actor.timezone),
                new=when_text(starts_at, caller.locale, actor.timezone),
            )
        )
        adding = 0
        beneficiary_id = info.beneficiary_id
    else:
        beneficiary_id = data_int(data, "beneficiary_id")
        person = await get_beneficiary(session, actor, beneficiary_id)
        minutes = data_int(data, "minutes")
        mode = SessionMode(str(data.get("mode")))
        lines += [
            _("<b>New session with {name}</b>").format(name=e(person.name)),
            "🗓 " + when_text(starts_at, caller.locale, actor.timezone) + zone_note(actor.timezone),
            _("⏱ Duration: {duration}").format(duration=duration_text(minutes, _)),
            _("Mode: {mode}").format(mode=mode_label(mode, _)),
        ]
        place = data.get("place")
        if isinstance(place, str) and place:
            lines.append(f"📍 {e(place)}")
        adding = minutes
    use = await store.budget_use(session, actor, beneficiary_id)
    lines += ["", budget_text(use, budget_hours, _)]
    over = use.over(budget_hours, adding)
    if adding:
        lines.append(
            _("With this one: {total}.").format(total=duration_text(use.total_minutes + adding, _))
        )
    clashes = await store.overlapping(session, actor, starts_at, minutes, excluding=excluding)
    if clashes:
        lines.append(_("⚠️ You already have a session at that time."))
    if over:
        lines.append(
            _(
                "⚠️ This goes beyond the {budget} of the bilan. Confirm only if that is intended."
            ).format(budget=duration_text(round(budget_hours * 60), _))
        )
    if insist:
        lines.append(_("Please confirm once more: the budget is exceeded."))
    confirm = (
        button(_("✅ Confirm beyond the budget"), "s:ok:over")
        if over
        else button(_("✅ Confirm"), "s:ok")
    )
    return page("\n".join(lines), [[confirm], [button(_("✖ Cancel"), "s:x")]])


async def schedule_from_draft(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: store.Dialogue,
    over_confirmed: bool,
    config: SessionSettings,
) -> tuple[Screen, bool]:
    """Confirm pressed: schedule (or move); returns the screen and whether the outbox moved."""
    _ = caller._
    data = draft.data
    starts_at = data_time(data, "starts_at")
    if starts_at is None:
        raise Stale("no time")
    if draft.flow == "session":
        beneficiary_id = data_int(data, "beneficiary_id")
        minutes = data_int(data, "minutes")
        use = await store.budget_use(session, actor, beneficiary_id)
        if use.over(config.budget_hours, minutes) and not over_confirmed:
            screen = await confirm_screen(
                session, caller, actor, "session", data, config.budget_hours, insist=True
            )
            return screen, False
        place = data.get("place")
        info = await store.schedule_session(
            session,
            actor,
            beneficiary_id,
            starts_at,
            minutes,
            SessionMode(str(data.get("mode"))),
            place if isinstance(place, str) else None,
            reminders=config.reminders,
        )
        done = _("✅ Session scheduled with {name}: {when}.").format(
            name=e(info.beneficiary_name),
            when=when_text(info.starts_at, caller.locale, actor.timezone),
        )
    else:
        info = await store.reschedule_session(
            session, actor, data_int(data, "session_id"), starts_at, reminders=config.reminders
        )
        done = _("✅ Session with {name} moved to {when}.").format(
            name=e(info.beneficiary_name),
            when=when_text(info.starts_at, caller.locale, actor.timezone),
        )
    await store.end_dialogue(session, actor)
    use = await store.budget_use(session, actor, info.beneficiary_id)
    text = "\n".join(
        [
            done,
            _("They receive a notice with a calendar file now, and reminders before it."),
            "",
            budget_text(use, config.budget_hours, _),
        ]
    )
    return page(text, [[button(_("📅 Coming sessions"), LIST)]]), True
