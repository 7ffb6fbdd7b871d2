"""What a draft synthesis is made of, read through the access-checked door.

The counsellor asks for a draft; everything here is read as that counsellor
(the dossier's reading is audited like any other), so a draft can only ever
hold what they may read. ``dialogues.synthesis.assemble`` then writes it;
nothing in this module writes a sentence.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogues.instruments import load_all
from dialogues.synthesis import InquiryFact, SkillFact, StepFact, SynthesisMaterial
from storage import enquetes, followups, plans, portfolio
from storage.actors import CounsellorActor
from storage.people import counsellor_name, get_beneficiary
from storage.responses import RunState, RunStatus, read_run, runs_of
from storage.sessions import SessionStatus, sessions_of

DOSSIER = "dossier_auto_bilan"
RIASEC = ("riasec", "riasec_short")
VALUES = ("work_values",)


def _latest(runs: list[RunState], keys: tuple[str, ...]) -> RunState | None:
    """The newest submitted run of any of ``keys`` (``runs`` is newest first)."""
    return next(
        (r for r in runs if r.instrument_key in keys and r.status == RunStatus.SUBMITTED), None
    )


def _local_day(moment: datetime | None, timezone: str) -> date | None:
    return None if moment is None else moment.astimezone(ZoneInfo(timezone)).date()


async def gather(
    session: AsyncSession, actor: CounsellorActor, beneficiary_id: int, today: datetime
) -> SynthesisMaterial:
    """The material of ``beneficiary_id``'s draft, as ``actor`` may read it."""
    person = await get_beneficiary(session, actor, beneficiary_id)
    timezone = actor.timezone
    runs = await runs_of(session, actor, beneficiary_id)
    dossier_run = _latest(runs, (DOSSIER,))
    answers: dict[str, Any] | None = None
    if dossier_run is not None:
        answers = (await read_run(session, actor, dossier_run.id)).answers
    riasec = _latest(runs, RIASEC)
    values = _latest(runs, VALUES)
    held = [
        s.actual_minutes or s.duration_minutes
        for s in await sessions_of(session, actor, beneficiary_id)
        if s.status == SessionStatus.DONE
    ]
    skills = [
        SkillFact(s.kind, s.label, s.level, s.evidence.text if s.evidence else None)
        for s in await portfolio.read_portfolio(session, actor, beneficiary_id)
        if s.carried and not s.hidden
    ]
    plan = await plans.read_plan(session, actor, beneficiary_id)
    checkins = [
        c.due_at
        for c in await followups.followup_status(session, actor, beneficiary_id)
        if c.answered_at is None
    ]
    inquiries = [
        InquiryFact(
            r.title,
            r.met_on,
            r.confirms.value,
            r.learned,
            r.next_step,
            from_file=r.share is not None,
        )
        for r in await enquetes.reports_of(session, actor, beneficiary_id)
        if r.met_on is not None and r.confirms is not None and r.learned
    ]
    return SynthesisMaterial(
        locale=person.locale,
        person=person.name,
        counsellor=await counsellor_name(session, actor),
        today=today.astimezone(ZoneInfo(timezone)).date(),
        started_on=_local_day(person.consent_at, timezone),
        concluded_on=_local_day(person.concluded_at, timezone),
        session_minutes=tuple(held),
        dossier=load_all()[DOSSIER] if answers is not None else None,
        dossier_answers=answers,
        riasec=riasec.result if riasec is not None else None,
        values=values.result if values is not None else None,
        carried_skills=tuple(skills),
        main_project=plan.main,
        alternative_project=plan.alternative,
        training_project=plan.training,
        steps=tuple(StepFact(s.title, s.target_date, s.done) for s in plan.agreed_steps),
        checkins=tuple(day for due in checkins if (day := _local_day(due, timezone)) is not None),
        inquiries=tuple(inquiries),
    )
