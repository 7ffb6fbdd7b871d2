"""``GET /people/<id>``: one person's whole bilan on one page, for their own counsellor.

Everything is read through the access-checked ``storage`` functions with the
counsellor's actor, each of which writes its own audit row (the card, each
questionnaire read, the plan, the portfolio, the shared journal, the task
notes), so the person sees in ``/mesdonnees`` that their counsellor opened
them. Another counsellor's person, or an id that does not exist, is 403 alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.desk.labels import instrument_label
from bot.desk.pages.caseload import hours
from bot.desk.web import Visit, database, signed_in
from bot.features.card.labels import phase_label, phase_move_label, status_label
from bot.features.questionnaire.finish import SCORED_KINDS, describe
from bot.features.questionnaire.finish import chart as draw_chart
from bot.features.sessions.texts import mode_label
from bot.i18n import Translate
from dialogues.engine import RecapSection, recap
from dialogues.instruments import load_all
from storage import followups, journal, plans, portfolio, sessions, tasks
from storage.actors import AccessDenied
from storage.cards import Card, next_phases, open_card
from storage.models import BeneficiaryStatus, Phase
from storage.responses import RunStatus, read_run
from storage.sessions import SessionMode
from storage.synthesis import Status, SynthesisState
from storage.synthesis import status as synthesis_status

NOTICES = ("session", "task", "phase")
ERRORS = (
    "past",
    "too_far",
    "not_active",
    "title",
    "details",
    "time",
    "over_budget",
    "phase",
    "place",
)


@dataclass
class Reading:
    """One submitted questionnaire as the page shows it."""

    run_id: int
    title: str
    submitted: str
    sections: list[RecapSection] = field(default_factory=list)
    result: str | None = None
    chart: bool = False


def synthesis_where(state: Status, visit: Visit) -> str:
    """Where the synthesis stands, in the card's words."""
    _ = visit._
    if state.state == SynthesisState.DELIVERED and state.delivered_at is not None:
        return _("delivered on {date}").format(date=visit.day(state.delivered_at.date()))
    if state.state == SynthesisState.AGREED:
        return _("version {number} agreed, to deliver").format(number=state.agreed_version)
    if state.state == SynthesisState.IN_REVIEW:
        return _("version {number} shown, waiting for their answer").format(
            number=state.review_version
        )
    number = state.current.number if state.current else 0
    return _("version {number} being written").format(number=number)


async def _readings(session: Any, visit: Visit, card: Card) -> list[Reading]:
    instruments = load_all()
    found = []
    for run in card.runs:
        if run.status != RunStatus.SUBMITTED:
            continue
        state = await read_run(session, visit.actor, run.id)
        instrument = instruments.get(state.instrument_key)
        if instrument is None or state.submitted_at is None:
            continue
        reading = Reading(
            state.id, instrument_label(instrument.key, visit._), visit.when(state.submitted_at)
        )
        if instrument.kind in SCORED_KINDS and isinstance(state.result, dict):
            reading.result = describe(instrument.kind, state.result, visit.locale)
            reading.chart = True
        else:
            reading.sections = recap(instrument, state.answers, visit.locale, about=True)
        found.append(reading)
    return found


def phase_moves(card: Card, _: Translate) -> list[tuple[str, str]]:
    """The phase buttons the card offers: one step on or back (the conclusion closes in chat)."""
    person = card.person
    if person.status != BeneficiaryStatus.ACTIVE:
        return []
    moves = []
    for phase in next_phases(person.phase):
        if person.phase == Phase.CONCLUSION and phase == Phase.SUIVI:
            continue
        moves.append((phase.value, phase_move_label(person.phase, phase, _)))
    return moves


async def page(request: Request) -> Response:
    visit = await signed_in(request)
    beneficiary_id = int(request.path_params["beneficiary_id"])
    try:
        async with database(request).transaction() as session:
            card = await open_card(session, visit.actor, beneficiary_id)
            readings = await _readings(session, visit, card)
            use = await sessions.budget_use(session, visit.actor, beneficiary_id)
            its_sessions = await sessions.sessions_of(session, visit.actor, beneficiary_id)
            its_tasks = await tasks.tasks_for_counsellor(
                session, visit.actor, beneficiary_id=beneficiary_id
            )
            entries = await journal.shared_entries(session, visit.actor, beneficiary_id)
            plan = await plans.read_plan(session, visit.actor, beneficiary_id)
            skills = (
                await portfolio.read_portfolio(session, visit.actor, beneficiary_id)
                if card.person.status == BeneficiaryStatus.ACTIVE
                else []
            )
            checkins = await followups.followup_status(session, visit.actor, beneficiary_id)
            written = await synthesis_status(session, visit.actor, beneficiary_id)
    except AccessDenied:
        raise HTTPException(403) from None
    _ = visit._
    person = card.person
    if person.status == BeneficiaryStatus.ACTIVE:
        state = phase_label(person.phase, _).capitalize()
    else:
        state = status_label(person, _).capitalize()
    budget = request.app.state.config.budget_hours
    notice = request.query_params.get("done", "")
    error = request.query_params.get("error", "")
    return visit.render(
        "person.html",
        card=card,
        person=person,
        state=state,
        readings=readings,
        hours_done=hours(use.done_minutes, visit),
        hours_planned=hours(use.planned_minutes, visit),
        hours_budget=hours(round(budget * 60), visit),
        sessions=its_sessions,
        mode_label=lambda mode: mode_label(mode, _),
        modes=SessionMode,
        titles={key: instrument_label(key, _) for key in load_all()},
        tasks=[t for t in its_tasks if t.beneficiary_id == beneficiary_id],
        entries=entries,
        plan=plan,
        skills=[s for s in skills if not s.hidden],
        checkins=checkins,
        synthesis=synthesis_where(written, visit) if written is not None else None,
        moves=phase_moves(card, _),
        active=person.status == BeneficiaryStatus.ACTIVE,
        notice=notice if notice in NOTICES else "",
        error=error if error in ERRORS else "",
    )


async def chart(request: Request) -> Response:
    """``GET /people/<id>/charts/<run>.png``: a scored questionnaire's chart (read audited)."""
    visit = await signed_in(request)
    beneficiary_id = int(request.path_params["beneficiary_id"])
    try:
        async with database(request).transaction() as session:
            state = await read_run(session, visit.actor, int(request.path_params["run_id"]))
    except AccessDenied:
        raise HTTPException(403) from None
    instrument = load_all().get(state.instrument_key)
    if (
        state.beneficiary_id != beneficiary_id
        or instrument is None
        or instrument.kind not in SCORED_KINDS
        or not isinstance(state.result, dict)
    ):
        raise HTTPException(404)
    png = await draw_chart(instrument.kind, state.result, visit.locale)
    return Response(png, media_type="image/png")
