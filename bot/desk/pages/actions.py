"""What a counsellor does from a person's page: a session, a task, the next phase.

The same ``storage`` functions as the chat, so the beneficiary gets the same
notices through the outbox (the session's notice with its .ics and
reminders, the task and its reminder, the phase notice). Each form carries
its CSRF token; after a write the browser is sent back to the page with a
short code saying what happened (never any content in the URL).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.desk.web import Visit, config, database, form_of, signed_in
from storage import sessions as store
from storage.actors import AccessDenied
from storage.cards import set_phase
from storage.models import Phase
from storage.sessions import SessionMode, SessionRefused
from storage.tasks import TaskRefused, assign_task

log = logging.getLogger(__name__)

DURATIONS = (60, 90, 120, 180)


def back(beneficiary_id: int, **code: str) -> Response:
    query = "&".join(f"{k}={v}" for k, v in code.items())
    return RedirectResponse(f"/people/{beneficiary_id}?{query}#actions", status_code=303)


def _wake(request: Request) -> None:
    wake = config(request).wake
    if wake is not None:
        wake()


async def _start(request: Request) -> tuple[Visit, int, dict[str, str]]:
    visit = await signed_in(request)
    form = await form_of(visit)
    return visit, int(request.path_params["beneficiary_id"]), form


def _local_moment(day: str, hour: str, timezone: str) -> datetime | None:
    try:
        moment = datetime.combine(date.fromisoformat(day), time.fromisoformat(hour))
    except ValueError:
        return None
    return moment.replace(tzinfo=ZoneInfo(timezone))


async def schedule(request: Request) -> Response:
    """``POST /people/<id>/sessions``: date, time (the counsellor's zone), length, mode, place."""
    visit, beneficiary_id, form = await _start(request)
    starts_at = _local_moment(form.get("day", ""), form.get("time", ""), visit.actor.timezone)
    try:
        minutes = int(form.get("minutes", ""))
        mode = SessionMode(form.get("mode", ""))
    except ValueError:
        return back(beneficiary_id, error="time")
    if starts_at is None or minutes not in DURATIONS:
        return back(beneficiary_id, error="time")
    place = form.get("place", "").strip() or None
    if mode != SessionMode.PHONE and place is None:
        return back(beneficiary_id, error="place")
    try:
        async with database(request).transaction() as session:
            use = await store.budget_use(session, visit.actor, beneficiary_id)
            if use.over(config(request).budget_hours, minutes) and not form.get("over_ok"):
                return back(beneficiary_id, error="over_budget")
            info = await store.schedule_session(
                session,
                visit.actor,
                beneficiary_id,
                starts_at,
                minutes,
                mode,
                place if mode != SessionMode.PHONE else None,
                reminders=config(request).reminders,
            )
    except AccessDenied:
        raise HTTPException(403) from None
    except SessionRefused as refused:
        return back(beneficiary_id, error=refused.reason)
    except ValueError:
        return back(beneficiary_id, error="time")
    _wake(request)
    log.info("desk: counsellor %s scheduled session %s", visit.actor.counsellor_id, info.id)
    return back(beneficiary_id, done="session")


async def give_task(request: Request) -> Response:
    """``POST /people/<id>/tasks``: a title, optional details, a due date."""
    visit, beneficiary_id, form = await _start(request)
    try:
        due_on = date.fromisoformat(form.get("due_on", ""))
    except ValueError:
        return back(beneficiary_id, error="time")
    try:
        async with database(request).transaction() as session:
            info = await assign_task(
                session,
                visit.actor,
                beneficiary_id,
                form.get("title", ""),
                form.get("details", "").strip() or None,
                due_on,
                reminder_hour=config(request).task_reminder_hour,
            )
    except AccessDenied:
        raise HTTPException(403) from None
    except TaskRefused as refused:
        return back(beneficiary_id, error=refused.reason)
    _wake(request)
    log.info("desk: counsellor %s gave task %s", visit.actor.counsellor_id, info.id)
    return back(beneficiary_id, done="task")


async def move_phase(request: Request) -> Response:
    """``POST /people/<id>/phase``: one step on or back, told to the person like in the chat."""
    visit, beneficiary_id, form = await _start(request)
    try:
        phase = Phase(form.get("phase", ""))
    except ValueError:
        return back(beneficiary_id, error="phase")
    if phase == Phase.SUIVI:
        return back(beneficiary_id, error="phase")
    try:
        async with database(request).transaction() as session:
            await set_phase(session, visit.actor, beneficiary_id, phase)
    except AccessDenied:
        raise HTTPException(403) from None
    except ValueError:
        return back(beneficiary_id, error="phase")
    _wake(request)
    log.info("desk: counsellor %s moved beneficiary %s", visit.actor.counsellor_id, beneficiary_id)
    return back(beneficiary_id, done="phase")
