"""``GET /caseload``: the counsellor's people in one table, "waiting on me" first.

Sorting and the phase filter are query parameters (no personal data in
them); the search by name happens in the browser, so a name never reaches a
URL or an access log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from bot.desk.labels import instrument_label
from bot.desk.web import Visit, database, signed_in
from bot.features.card.labels import phase_label, status_label
from storage.cards import PHASE_ORDER
from storage.caseload import CaseloadRow, caseload
from storage.models import BeneficiaryStatus, Phase, utcnow
from storage.people import BeneficiarySummary
from storage.responses import RunStatus

SORTS = ("attention", "name", "phase", "activity", "next")
FAMILIES = (
    ("dossier_auto_bilan",),
    ("riasec_short", "riasec"),
    ("work_values",),
)


@dataclass(frozen=True)
class Line:
    row: CaseloadRow
    state: str
    hours_done: str
    hours_left: str
    questionnaires: list[tuple[str, str, str]]
    """(title, state label, css class) per instrument family."""
    next_session: str
    next_confirmed: str
    tasks: str
    followup: str
    activity: str
    waiting: list[str]


def hours(minutes: int, visit: Visit) -> str:
    whole, rest = divmod(max(minutes, 0), 60)
    if not rest:
        return visit._("{hours} h").format(hours=whole)
    return visit._("{hours} h {minutes:02d}").format(hours=whole, minutes=rest)


def _questionnaires(row: CaseloadRow, visit: Visit) -> list[tuple[str, str, str]]:
    _ = visit._
    found = []
    for keys in FAMILIES:
        run = next((r for r in reversed(row.runs) if r.instrument_key in keys), None)
        title = instrument_label(keys[0] if run is None else run.instrument_key, _)
        if run is None:
            found.append((title, _("not started"), "none"))
        elif run.status == RunStatus.SUBMITTED:
            found.append((title, _("finished"), "done"))
        else:
            found.append(
                (
                    title,
                    visit.ngettext("{n} answer", "{n} answers", run.answers).format(n=run.answers),
                    "open",
                )
            )
    return found


def _waiting(row: CaseloadRow, visit: Visit) -> list[str]:
    reasons = []
    if row.moves_asked:
        reasons.append(
            visit.ngettext(
                "asks to move a session", "asks to move {n} sessions", row.moves_asked
            ).format(n=row.moves_asked)
        )
    if row.unread_submissions:
        reasons.append(
            visit.ngettext(
                "a questionnaire to read", "{n} questionnaires to read", row.unread_submissions
            ).format(n=row.unread_submissions)
        )
    return reasons


def line(row: CaseloadRow, visit: Visit, budget_hours: float) -> Line:
    _ = visit._
    summary = BeneficiarySummary(
        row.beneficiary_id, 0, row.name, row.status, row.phase, utcnow(), None
    )
    state = (
        phase_label(row.phase, _)
        if row.status == BeneficiaryStatus.ACTIVE
        else status_label(summary, _)
    )
    left = round(budget_hours * 60) - row.done_minutes - row.planned_minutes
    tasks = visit.ngettext("{n} open", "{n} open", row.open_tasks).format(n=row.open_tasks)
    if row.overdue_tasks:
        tasks += " · " + visit.ngettext("{n} late", "{n} late", row.overdue_tasks).format(
            n=row.overdue_tasks
        )
    followup = "—"
    if row.followup_due_at is not None:
        followup = visit.day(row.followup_due_at.date())
        if row.followup_late:
            followup = _("due since {date}").format(date=followup)
    confirmed = ""
    if row.next_session_at is not None:
        confirmed = _("confirmed") if row.next_session_confirmed else _("not confirmed yet")
    return Line(
        row,
        state,
        hours(row.done_minutes, visit),
        hours(left, visit) if left >= 0 else _("over by {hours}").format(hours=hours(-left, visit)),
        _questionnaires(row, visit),
        visit.when_short(row.next_session_at),
        confirmed,
        tasks,
        followup,
        visit.when_short(row.last_activity_at),
        _waiting(row, visit),
    )


def _soonest(moment: datetime | None) -> tuple[int, float]:
    """Sessions soonest first, people without one last."""
    return (0, moment.timestamp()) if moment is not None else (1, 0.0)


def order(lines: list[Line], sort: str) -> list[Line]:
    by_name = sorted(lines, key=lambda li: li.row.name.casefold())
    if sort == "name":
        return by_name
    if sort == "phase":
        return sorted(by_name, key=lambda li: PHASE_ORDER.index(li.row.phase))
    if sort == "activity":
        return sorted(
            by_name,
            key=lambda li: -(li.row.last_activity_at.timestamp() if li.row.last_activity_at else 0),
        )
    if sort == "next":
        return sorted(by_name, key=lambda li: _soonest(li.row.next_session_at))
    # "Waiting on me" first, then running bilans, invitations, closed ones.
    rank = {BeneficiaryStatus.ACTIVE: 0, BeneficiaryStatus.INVITED: 1}
    return sorted(
        by_name,
        key=lambda li: (
            0 if li.row.waiting_on_me else 1,
            3 if li.row.phase == Phase.CLOS else rank.get(li.row.status, 2),
        ),
    )


async def page(request: Request) -> Response:
    visit = await signed_in(request)
    sort = request.query_params.get("sort", "attention")
    sort = sort if sort in SORTS else "attention"
    wanted = request.query_params.get("phase", "")
    phase = next((p for p in Phase if p.value == wanted), None)
    async with database(request).transaction() as session:
        rows = await caseload(session, visit.actor)
    budget = request.app.state.config.budget_hours
    lines = [line(r, visit, budget) for r in rows if phase is None or r.phase == phase]
    phases = [(p.value, phase_label(p, visit._)) for p in PHASE_ORDER]
    return visit.render(
        "caseload.html",
        lines=order(lines, sort),
        total=len(rows),
        sort=sort,
        sorts=SORTS,
        phase=phase.value if phase else "",
        phases=phases,
        waiting=sum(1 for li in lines if li.row.waiting_on_me),
    )
