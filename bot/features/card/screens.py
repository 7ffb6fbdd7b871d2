"""One beneficiary's card, as their counsellor reads it, and the question before a phase moves.

Where the person stands (consent, phase, last activity, hours, next session,
tasks), what they wait on the counsellor for, their questionnaires with a
button to read each result, what the plan, the follow-up and the synthesis
add, and the buttons to every other screen about them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.features.card.labels import phase_label, phase_move_label, status_label
from bot.features.card.lists import CARD_PREFIX, LIST, waiting_reasons
from bot.features.followups import card as followups
from bot.features.questionnaire.finish import READ_PREFIX
from bot.features.sessions.settings import DEFAULT_BUDGET_HOURS
from bot.features.synthesis.screens import card_line as synthesis_card_line
from bot.i18n import (
    Translate,
    format_date_long,
    format_day_and_time,
    format_recent,
    format_short_moment,
    ngettext_for,
)
from bot.keyboards import button, distinct
from bot.kit.screens import Screen, e
from bot.moments import duration_text
from bot.runtime import Caller
from dialogues.instruments import Instrument, load_all
from dialogues.results import value_name
from dialogues.typography import shorten
from storage.actors import CounsellorActor
from storage.cards import Card, RunLine, next_phases, open_card
from storage.models import BeneficiaryStatus, Phase, utcnow
from storage.responses import RunStatus
from storage.sessions import BudgetUse
from storage.synthesis import Status as SynthesisStatus
from storage.synthesis import status as synthesis_status
from storage.waiting import Waiting, waiting_on

PHASE_PREFIX = "ph:"


def run_progress(run: RunLine, instrument: Instrument | None, locale: str) -> str:
    """ "question 12 sur 60" of a run in progress: answers kept, of the questions asked."""
    ngettext = ngettext_for(locale)
    if instrument is None:
        said = ngettext("{count} answer so far", "{count} answers so far", run.answers)
        return said.format(count=run.answers)
    total = sum(1 for _question in instrument.questions())
    answered = min(run.answers, total)
    said = ngettext(
        "in progress: {answered} answer of {total} questions",
        "in progress: {answered} answers of {total} questions",
        answered,
    )
    return said.format(answered=answered, total=total)


def hours_line(use: BudgetUse, budget_hours: float, _: Translate) -> str:
    """Done, planned and left of the bilan's hours, so nobody has to add them up."""
    budget = round(budget_hours * 60)
    left = budget - use.total_minutes
    text = _("⏱ Hours: {done} done, {planned} planned, of {budget}").format(
        done=duration_text(use.done_minutes, _),
        planned=duration_text(use.planned_minutes, _),
        budget=duration_text(budget, _),
    )
    if left >= 0:
        return text + " · " + _("{left} left").format(left=duration_text(left, _))
    return text + " · " + _("⚠️ {over} over").format(over=duration_text(-left, _))


def _standing(
    card: Card,
    actor: CounsellorActor,
    locale: str,
    _: Translate,
    budget_hours: float,
    now: datetime,
    waiting: list[Waiting] | None,
) -> list[str]:
    """The card's head: who, consent and phase, activity, hours, next session, tasks."""
    ngettext = ngettext_for(locale)
    person = card.person
    zone = actor.timezone
    lines = [f"<b>{e(person.name)}</b>"]
    if person.status == BeneficiaryStatus.ACTIVE and person.consent_at is not None:
        lines.append(
            _("{phase} · consent given on {date}").format(
                phase=phase_label(person.phase, _).capitalize(),
                date=format_date_long(person.consent_at, locale, zone),
            )
        )
    else:
        lines.append(status_label(person, _).capitalize())
    if card.last_activity_at is not None:
        when = format_recent(card.last_activity_at, locale, zone, now)
        lines.append(_("Last activity: {when}").format(when=when))
    if card.unreachable_at is not None:
        lines.append(_("⚠️ No longer receives my messages (the bot may be blocked)."))
    if waiting:
        lines.append(waiting_reasons(waiting, _))
    if person.status != BeneficiaryStatus.ACTIVE:
        return lines
    lines.append(hours_line(card.budget, budget_hours, _))
    upcoming = card.next_session
    if upcoming is None:
        lines.append(_("📅 No session planned"))
    else:
        if upcoming.move_requested:
            state = _("🔁 asks to move it")
        elif upcoming.confirmed:
            state = _("confirmed")
        else:
            state = _("not confirmed yet")
        when = format_day_and_time(upcoming.starts_at, locale, zone)
        lines.append(_("📅 Next session: {when} — {state}").format(when=when, state=state))
    if card.tasks_open:
        tasks = ngettext("📌 {count} task open", "📌 {count} tasks open", card.tasks_open)
        tasks = tasks.format(count=card.tasks_open)
        if card.tasks_overdue:
            late = ngettext("{count} overdue", "{count} overdue", card.tasks_overdue)
            tasks += ", " + late.format(count=card.tasks_overdue)
        lines.append(tasks)
    return lines


def _questionnaires(
    card: Card, actor: CounsellorActor, locale: str, _: Translate
) -> tuple[list[str], list[list[InlineKeyboardButton]]]:
    """Each questionnaire done or in progress; a button to read each of the last results."""
    zone = actor.timezone
    instruments = load_all()
    reads: list[tuple[str, str]] = []
    lines = ["", _("<b>Questionnaires</b>")]
    if not card.runs:
        lines.append(_("Nothing started yet."))
    for run in card.runs:
        instrument = instruments.get(run.instrument_key)
        title = instrument.title_about(locale) if instrument else run.instrument_key
        if run.status == RunStatus.SUBMITTED and run.submitted_at is not None:
            date = format_date_long(run.submitted_at, locale, zone)
            state = _("done on {date}").format(date=date)
            if run.code:
                state += " · " + _("Holland code {code}").format(code=run.code)
            if run.top_value:
                state += " · " + _("first value: {value}").format(
                    value=value_name(run.top_value, locale)
                )
            if len(reads) < 6:
                # The time and the code tell apart two results of the same day.
                when = format_short_moment(run.submitted_at, locale, zone)
                suffix = f"{run.code} · {when}" if run.code else when
                label = f"📖 {shorten(title, 56 - len(suffix))} — {suffix}"
                reads.append((label, f"{READ_PREFIX}{run.id}"))
        else:
            state = run_progress(run, instrument, locale)
        lines.append(f"• {e(title)} — {state}")
    labels = distinct([label for label, _data in reads])
    rows = [[button(label, data)] for label, (_old, data) in zip(labels, reads, strict=True)]
    return lines, rows


def card_screen(
    card: Card,
    actor: CounsellorActor,
    locale: str,
    _: Translate,
    addition: followups.CardAddition | None = None,
    written: SynthesisStatus | None = None,
    budget_hours: float = DEFAULT_BUDGET_HOURS,
    now: datetime | None = None,
    waiting: list[Waiting] | None = None,
) -> Screen:
    """Where the person stands and what waits for the counsellor, at a glance."""
    person = card.person
    lines = _standing(card, actor, locale, _, budget_hours, now or utcnow(), waiting)
    runs, rows = _questionnaires(card, actor, locale, _)
    lines += runs
    if addition is not None:
        lines += followups.card_lines(addition, locale, actor.timezone, _)
    if written is not None:
        lines += ["", synthesis_card_line(written, _, locale, actor.timezone)]
    rows.append([button(_("🧰 Job, skills and pistes"), f"m:ben:{person.id}")])
    rows.append([button(_("🎒 Skills portfolio"), f"pf:c:{person.id}")])
    if person.status == BeneficiaryStatus.ACTIVE:
        rows.append([button(_("🤝 Enquêtes métiers and contacts"), f"ct:b:{person.id}")])
    if person.status == BeneficiaryStatus.ACTIVE:
        rows.append(
            [
                button(_("📅 Session"), f"s:b:{person.id}"),
                button(_("📌 Task"), f"t:b:{person.id}"),
                button(_("📓 Journal"), f"j:b:{person.id}"),
            ]
        )
    if addition is not None:
        rows += followups.card_buttons(addition, _)
    if person.phase in (Phase.CONCLUSION, Phase.SUIVI):
        rows.append([button(_("📝 Synthesis"), f"sy:{person.id}")])
    if person.status == BeneficiaryStatus.ACTIVE:
        for phase in next_phases(person.phase):
            if person.phase == Phase.CONCLUSION and phase == Phase.SUIVI:
                continue  # "Close the conclusion phase" dates it and schedules the check-ins
            label = phase_move_label(person.phase, phase, _)
            rows.append([button(label, f"{PHASE_PREFIX}{person.id}:{phase.value}")])
    rows.append([button(_("👥 My beneficiaries"), LIST)])
    return Screen("\n".join(lines), rows)


async def open_card_screen(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    beneficiary_id: int,
    budget_hours: float,
) -> Screen:
    """The card as it stands now, everything it shows read in the update's transaction."""
    card = await open_card(session, actor, beneficiary_id)
    addition = await followups.load_card_addition(session, actor, beneficiary_id)
    written = await synthesis_status(session, actor, beneficiary_id)
    waiting = (await waiting_on(session, actor)).get(beneficiary_id, [])
    return card_screen(
        card, actor, caller.locale, caller._, addition, written, budget_hours, waiting=waiting
    )


def confirm_phase_screen(card: Card, phase: Phase, _: Translate) -> Screen:
    """Asked before the phase moves: the beneficiary is told when it does."""
    person = card.person
    if phase == Phase.CLOS:
        text = _("Close {name}'s bilan?").format(name=e(person.name))
    else:
        text = _("Move {name}'s bilan on: {phase}?").format(
            name=e(person.name), phase=phase_label(phase, _)
        )
    rows = [
        [button(_("✅ Confirm"), f"{PHASE_PREFIX}{person.id}:{phase.value}:ok")],
        [button(_("Cancel"), f"{CARD_PREFIX}{person.id}")],
    ]
    return Screen(text, rows)
