"""Every ``s:`` press, as one table: the list, a card, the beneficiary's answers,
the counsellor's closing of a session and each step of their draft.

Callback grammar (all under ``s:``)::

    s:list                     coming sessions (either role)
    s:new  s:b:<beneficiary>   (counsellor) schedule: choose who / for this one
    s:d:<yyyymmdd>  s:dp:<n>   day chosen / another page of days
    s:h:<hhmm>  s:du:<min>     hour chosen / duration chosen
    s:mo:<mode>  s:pl          mode chosen / same place as last time
    s:ok  s:ok:over  s:x       confirm / confirm beyond the budget / abandon
    s:v:<session>              a session's card
    s:mv:<session>             (counsellor) move it
    s:cx:<session>  s:cxn      (counsellor) cancel it / cancel without a reason
    s:dn:<session>             (counsellor) mark done: choose the real duration
    s:dd:<session>:<min>       (counsellor) done, with this duration
    s:y:<session>:<seq>        (beneficiary) I confirm
    s:n:<session>:<seq>  s:nr  (beneficiary) I have to move it / no reason to give
    s:ics:<session>            the calendar file again

Each press is read strictly (:meth:`~bot.kit.presses.Presses.strict`); what no longer
fits (a session moved since) reads "This button is no longer active.".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InputFile

from bot.caseload import NOT_ACCEPTED, begin_for
from bot.datetime_input import local_today, to_utc
from bot.features.sessions import draft_screens
from bot.features.sessions.confirm import after_time_chosen, confirm_screen, schedule_from_draft
from bot.features.sessions.draft import (
    DAY_PAGES,
    DAYS_PER_PAGE,
    DURATIONS,
    MOVE_REASON_FLOW,
    SESSION_FLOWS,
    current_draft,
    data_int,
    draft_heading,
    time_problem,
)
from bot.features.sessions.ics import ics_for, ics_name
from bot.features.sessions.lists import card_screen, coming_screen, done_screen
from bot.features.sessions.settings import session_settings
from bot.features.sessions.texts import (
    LIST,
    answer_row,
    budget_text,
    heading_of,
    page,
    refusal_text,
    session_lines,
)
from bot.i18n import N_
from bot.keyboards import button
from bot.kit.presses import Press, Presses, Reply, new_message
from bot.kit.refusals import STALE
from bot.kit.screens import Screen, Stale, count, e
from bot.kit.stops import ABANDONED, stop_press
from bot.moments import duration_text, when_text
from bot.runtime import wake_dispatcher, work
from storage import sessions as store
from storage.actors import BeneficiaryActor, CounsellorActor
from storage.models import utcnow
from storage.sessions import SessionMode, SessionRefused, SessionStatus

PRESSES = Presses("s", denied=STALE)
stop_press(
    PRESSES,
    "nr",
    who=BeneficiaryActor,
    flows=[MOVE_REASON_FLOW],
    words=N_("All right. Your counsellor will come back to you with another time."),
    under=True,
)
stop_press(PRESSES, "x", who=CounsellorActor, flows=SESSION_FLOWS, words=ABANDONED)


# --- either role ---------------------------------------------------------------


@PRESSES.strict("list", 0)
async def coming(press: Press) -> Reply:
    budget = session_settings(press.context).budget_hours
    async with work(press.context) as session:
        return new_message(await coming_screen(session, press.caller, press.actor, budget))


@PRESSES.strict("v", 1)
async def card(press: Press) -> Reply:
    budget = session_settings(press.context).budget_hours
    async with work(press.context) as session:
        return new_message(await card_screen(session, press.caller, count(press.arg(0)), budget))


# --- the beneficiary -----------------------------------------------------------


@PRESSES.strict("ics", 1, who=BeneficiaryActor)
async def calendar_file(press: Press) -> None:
    me = press.beneficiary
    async with work(press.context) as session:
        info = await store.session_for(session, me, count(press.arg(0)))
    cancelled = info.status == SessionStatus.CANCELLED
    data = ics_for(info, press.caller.locale, me.timezone, cancelled=cancelled)
    await press.answer()
    message = press.update.effective_message
    if message is not None:
        await message.reply_document(
            InputFile(data, filename=ics_name(press._)),
            caption=press._("Open this file to add the session to your calendar."),
        )


@PRESSES.strict("y", 2, who=BeneficiaryActor)
async def confirm_attendance(press: Press) -> Reply:
    return await _answer(press, moving=False)


@PRESSES.strict("n", 2, who=BeneficiaryActor)
async def ask_to_move(press: Press) -> Reply:
    return await _answer(press, moving=True)


async def _answer(press: Press, *, moving: bool) -> Reply:
    """ "I confirm" or "I have to move it", for the version of the session they were shown."""
    _ = press._
    me = press.beneficiary
    session_id, sequence = count(press.arg(0)), count(press.arg(1))
    async with work(press.context) as session:
        try:
            if not moving:
                await store.confirm_attendance(session, me, session_id, sequence)
                thanks = _("✅ Thank you! Your counsellor will see that you are coming.")
                return new_message(page(thanks), toast=_("Confirmed"))
            info = await store.request_move(session, me, session_id, sequence)
        except SessionRefused as refused:
            if refused.reason == "changed":
                info = await store.session_for(session, me, session_id)
                lines = [_("This session has changed since that message. Here it is now:"), ""]
                lines += session_lines(info, press.caller, me.timezone)
                return new_message(page("\n".join(lines), [answer_row(_, info)]))
            return new_message(page(_("This session is over or was cancelled.")))
        await store.save_dialogue(session, me, MOVE_REASON_FLOW, "reason", {"session_id": info.id})
    wake_dispatcher(press.context)
    text = _(
        "🔁 I have told your counsellor, who will suggest another time.\n\n"
        "If you like, type the reason now (only your counsellor will read it), or:"
    )
    return new_message(page(text, [[button(_("No reason to give"), "s:nr")]]))


# --- the counsellor: a session's life ------------------------------------------


@PRESSES.strict("new", 0, who=CounsellorActor)
async def new(press: Press) -> Reply:
    async with work(press.context) as session:
        return new_message(
            await draft_screens.picker_screen(session, press.caller, press.counsellor)
        )


@PRESSES.strict("b", 1, who=CounsellorActor)
async def for_beneficiary(press: Press) -> Screen:
    actor = press.counsellor
    async with work(press.context) as session:
        person = await begin_for(session, actor, count(press.arg(0)), "session", "day")
    if person is None:
        return page(press._(NOT_ACCEPTED))
    return draft_screens.day_screen(
        press.caller, actor, heading_of(press.caller, person.name, "session")
    )


@PRESSES.strict("mv", 1, who=CounsellorActor)
async def move(press: Press) -> Reply:
    actor = press.counsellor
    async with work(press.context) as session:
        info = await store.session_for(session, actor, count(press.arg(0)))
        if info.status != SessionStatus.PLANNED:
            return new_message(page(press._("This session is over or was cancelled.")))
        await store.save_dialogue(session, actor, "move", "day", {"session_id": info.id})
    heading = heading_of(press.caller, info.beneficiary_name, "move")
    return new_message(draft_screens.day_screen(press.caller, actor, heading))


@PRESSES.strict("cx", 1, who=CounsellorActor)
async def cancel(press: Press) -> Reply:
    _ = press._
    actor = press.counsellor
    async with work(press.context) as session:
        info = await store.session_for(session, actor, count(press.arg(0)))
        if info.status != SessionStatus.PLANNED:
            return new_message(page(_("This session is over or was cancelled.")))
        await store.save_dialogue(session, actor, "cancel", "reason", {"session_id": info.id})
    text = _(
        "Cancel the session with {name} of {when}?\n\n"
        "You may type a reason for {name} (they will read it), or:"
    ).format(
        name=e(info.beneficiary_name),
        when=when_text(info.starts_at, press.caller.locale, actor.timezone),
    )
    rows = [
        [button(_("✖ Cancel it without a reason"), "s:cxn")],
        [button(_("◀ Keep it"), "s:x")],
    ]
    return new_message(page(text, rows))


@PRESSES.strict("cxn", 0, who=CounsellorActor)
async def cancel_without_reason(press: Press) -> Screen:
    async with work(press.context) as session:
        draft = await current_draft(session, press.counsellor, "reason", "confirm")
        return await _cancel_from_draft(session, press, draft, with_reason=False)


async def _cancel_from_draft(
    session: AsyncSession, press: Press, draft: store.Dialogue, *, with_reason: bool
) -> Screen:
    _ = press._
    actor = press.counsellor
    if draft.flow != "cancel":
        raise Stale("not cancelling")
    reason = draft.data.get("reason") if with_reason else None
    info = await store.cancel_session(
        session,
        actor,
        data_int(draft.data, "session_id"),
        reason if isinstance(reason, str) else None,
    )
    await store.end_dialogue(session, actor)
    wake_dispatcher(press.context)
    text = _("❌ Session with {name} of {when} cancelled. They are told.").format(
        name=e(info.beneficiary_name),
        when=when_text(info.starts_at, press.caller.locale, actor.timezone),
    )
    return page(text, [[button(_("📅 Coming sessions"), LIST)]])


@PRESSES.strict("dn", 1, who=CounsellorActor)
async def ask_done(press: Press) -> Reply:
    actor = press.counsellor
    async with work(press.context) as session:
        info = await store.session_for(session, actor, count(press.arg(0)))
    if info.status != SessionStatus.PLANNED:
        return new_message(page(press._("This session is already closed or cancelled.")))
    return new_message(done_screen(press.caller, info, actor))


@PRESSES.strict("dd", 2, who=CounsellorActor)
async def done(press: Press) -> Screen:
    _ = press._
    actor = press.counsellor
    budget = session_settings(press.context).budget_hours
    async with work(press.context) as session:
        try:
            info = await store.mark_done(session, actor, count(press.arg(0)), count(press.arg(1)))
        except SessionRefused as refused:
            if refused.reason == "not_started":
                return page(_("This session has not begun yet."))
            return page(_("This session is already closed or cancelled."))
        use = await store.budget_use(session, actor, info.beneficiary_id)
    text = "\n".join(
        [
            _("✔ Session with {name} marked done ({duration}).").format(
                name=e(info.beneficiary_name),
                duration=duration_text(info.actual_minutes or 0, _),
            ),
            budget_text(use, budget, _),
        ]
    )
    return page(text, [[button(_("📅 Coming sessions"), LIST)]])


# --- the counsellor's draft: each button checked against the draft's step ------


@PRESSES.strict("dp", 1, who=CounsellorActor)
async def more_days(press: Press) -> Screen:
    actor = press.counsellor
    async with work(press.context) as session:
        draft = await current_draft(session, actor, "day", "hour")
        shown = count(press.arg(0))
        if shown >= DAY_PAGES:
            raise Stale("page")
        heading = await draft_heading(session, press.caller, actor, draft)
        await store.save_dialogue(session, actor, draft.flow, "day", draft.data)
    return draft_screens.day_screen(press.caller, actor, heading, shown)


@PRESSES.strict("d", 1, who=CounsellorActor)
async def day_chosen(press: Press) -> Screen:
    actor = press.counsellor
    today = local_today(utcnow(), actor.timezone)
    async with work(press.context) as session:
        draft = await current_draft(session, actor, "day", "hour")
        day = datetime.strptime(press.arg(0), "%Y%m%d").date()
        if not today <= day <= today + timedelta(days=DAYS_PER_PAGE * DAY_PAGES):
            raise Stale("day out of range")
        await store.save_dialogue(
            session, actor, draft.flow, "hour", {**draft.data, "day": day.isoformat()}
        )
        heading = await draft_heading(session, press.caller, actor, draft)
    return draft_screens.hour_screen(press.caller, actor, heading, day)


@PRESSES.strict("h", 1, who=CounsellorActor)
async def hour_chosen(press: Press) -> Screen:
    actor = press.counsellor
    budget = session_settings(press.context).budget_hours
    async with work(press.context) as session:
        draft = await current_draft(session, actor, "hour")
        at = datetime.strptime(press.arg(0), "%H%M").time()
        day = date.fromisoformat(str(draft.data.get("day")))
        starts_at = to_utc(day, at, actor.timezone)
        problem = time_problem(press.caller, starts_at)
        if problem is None:
            return await after_time_chosen(session, press.caller, actor, draft, starts_at, budget)
        heading = await draft_heading(session, press.caller, actor, draft)
    screen = draft_screens.day_screen(press.caller, actor, heading)
    return page(f"{problem}\n\n{screen.text}", screen.rows)


@PRESSES.strict("du", 1, who=CounsellorActor)
async def duration_chosen(press: Press) -> Screen:
    actor = press.counsellor
    async with work(press.context) as session:
        draft = await current_draft(session, actor, "dur")
        minutes = count(press.arg(0))
        if minutes not in DURATIONS:
            raise Stale("duration")
        await store.save_dialogue(
            session, actor, "session", "mode", {**draft.data, "minutes": minutes}
        )
        heading = await draft_heading(session, press.caller, actor, draft, "session")
    return draft_screens.mode_screen(press.caller, heading)


@PRESSES.strict("mo", 1, who=CounsellorActor)
async def mode_chosen(press: Press) -> Screen:
    actor = press.counsellor
    budget = session_settings(press.context).budget_hours
    async with work(press.context) as session:
        draft = await current_draft(session, actor, "mode")
        mode = SessionMode(press.arg(0))
        data = {**draft.data, "mode": mode.value}
        if mode == SessionMode.PHONE:
            data.pop("place", None)
            await store.save_dialogue(session, actor, "session", "confirm", data)
            return await confirm_screen(session, press.caller, actor, "session", data, budget)
        await store.save_dialogue(session, actor, "session", "place", data)
        beneficiary_id = data_int(data, "beneficiary_id")
        previous = await store.recent_place(session, actor, beneficiary_id, mode)
        heading = await draft_heading(session, press.caller, actor, draft, "session")
    return draft_screens.place_screen(press.caller, heading, mode, previous)


@PRESSES.strict("pl", 0, who=CounsellorActor)
async def same_place(press: Press) -> Screen:
    actor = press.counsellor
    budget = session_settings(press.context).budget_hours
    async with work(press.context) as session:
        draft = await current_draft(session, actor, "place")
        mode = SessionMode(str(draft.data.get("mode")))
        beneficiary_id = data_int(draft.data, "beneficiary_id")
        previous = await store.recent_place(session, actor, beneficiary_id, mode)
        if not previous:
            raise Stale("no previous place")
        data = {**draft.data, "place": previous}
        await store.save_dialogue(session, actor, "session", "confirm", data)
        return await confirm_screen(session, press.caller, actor, "session", data, budget)


@PRESSES.strict("ok", 0, 1, who=CounsellorActor)
async def confirm(press: Press) -> Screen:
    over = press.args == ("over",)
    if press.args and not over:
        raise Stale("unknown press")
    actor = press.counsellor
    config = session_settings(press.context)
    async with work(press.context) as session:
        draft = await current_draft(session, actor, "confirm")
        if draft.flow == "cancel":
            return await _cancel_from_draft(session, press, draft, with_reason=True)
        try:
            screen, queued = await schedule_from_draft(
                session, press.caller, actor, draft, over, config
            )
        except SessionRefused as refused:
            return page(refusal_text(refused, press._))
    if queued:
        wake_dispatcher(press.context)
    return screen
