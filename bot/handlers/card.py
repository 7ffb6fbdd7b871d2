"""The counsellor's view: their beneficiaries, one card each, and the phase of each bilan.

Callback data: ``ben:list[:<page>]``, ``ben:find`` (search by a typed name, or
``/beneficiaires léa``), ``c:<id>`` (card), ``ph:<id>:<phase>[:ok]`` (move the
phase, then confirm). Every id is re-checked by ``storage.cards``. The list puts
first the people who wait on the counsellor (``storage.waiting``).
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from unidecode import unidecode

from bot.features.followups import card as followups
from bot.features.sessions.settings import DEFAULT_BUDGET_HOURS, session_settings
from bot.features.synthesis.screens import card_line as synthesis_card_line
from bot.handlers.counsellor import counsellor_caller, phase_label, status_label
from bot.i18n import (
    N_,
    Translate,
    format_date_long,
    format_day_and_time,
    format_recent,
    format_short_moment,
    ngettext_for,
)
from bot.keyboards import button, distinct
from bot.kit.door import Flow
from bot.moments import duration_text
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from bot.questionnaire.finish import READ_PREFIX
from bot.runtime import Context, identify, wake_dispatcher, work
from dialogues.instruments import Instrument, load_all
from dialogues.results import value_name
from dialogues.typography import shorten
from storage.actors import AccessDenied, CounsellorActor
from storage.cards import (
    PHASE_CHANGED,
    PHASE_ORDER,
    Card,
    RunLine,
    next_phases,
    open_card,
    set_phase,
)
from storage.models import BeneficiaryStatus, Phase, utcnow
from storage.outbox import ClaimedMessage
from storage.people import BeneficiarySummary, list_beneficiaries
from storage.responses import RunStatus
from storage.sessions import BudgetUse, current_dialogue, end_dialogue, save_dialogue
from storage.synthesis import Status as SynthesisStatus
from storage.synthesis import status as synthesis_status
from storage.waiting import ORDER as WAITING_ORDER
from storage.waiting import Waiting, waiting_on

log = logging.getLogger(__name__)

PAGE_SIZE = 8
CARD_PREFIX = "c:"
PHASE_PREFIX = "ph:"
LIST_PREFIX = "ben:list"
FIND = "ben:find"
FIND_FLOW = "ben_find"
FIND_WAIT = timedelta(minutes=30)
"""A search asked and not typed is forgotten after this: later text goes elsewhere."""
MAX_TYPED = 60

PHASE_NOTICE = N_(
    "Your counsellor has moved your bilan on: {phase}. Your menu shows what comes next."
)


@register(PHASE_CHANGED)
async def render_phase_changed(
    context: RenderContext, row: ClaimedMessage
) -> OutgoingMessage | None:
    """Told to the beneficiary in their language at send time."""
    try:
        phase = Phase(str((row.payload or {}).get("phase")))
    except ValueError:
        return None
    _ = context._
    return OutgoingMessage(_(PHASE_NOTICE).format(phase=phase_label(phase, _)))


def phase_move_label(current: Phase, target: Phase, _: Translate) -> str:
    """The button that moves a bilan from ``current`` to ``target``, as a French speaker says it.

    One sentence per move rather than "Move to {phase}", which read "Passer en clos"."""
    if PHASE_ORDER.index(target) > PHASE_ORDER.index(current):
        forward = {
            Phase.INVESTIGATION: _("➡️ Start the investigation phase"),
            Phase.CONCLUSION: _("➡️ Start the conclusion phase"),
            Phase.SUIVI: _("➡️ Start the follow-up"),
            Phase.CLOS: _("➡️ Close the bilan"),
        }
        return forward[target]
    back = {
        Phase.PRELIMINAIRE: _("⬅️ Back to the preliminary phase"),
        Phase.INVESTIGATION: _("⬅️ Back to the investigation phase"),
        Phase.CONCLUSION: _("⬅️ Back to the conclusion phase"),
        Phase.SUIVI: _("⬅️ Reopen the bilan (follow-up)"),
    }
    return back[target]


WAITING_MARKS = {
    Waiting.MOVE: "🔁",
    Waiting.TALK: "💬",
    Waiting.COMMENT: "📝",
    Waiting.STEP: "💡",
    Waiting.CLOSE: "⏳",
}


def reason_texts(_: Translate) -> dict[Waiting, str]:
    """What a person waits on the counsellor for, in words, each with its list mark."""
    return {
        Waiting.MOVE: _("🔁 asks to move a session"),
        Waiting.TALK: _("💬 wants to talk"),
        Waiting.COMMENT: _("📝 commented the synthesis"),
        Waiting.STEP: _("💡 proposed a step of the plan"),
        Waiting.CLOSE: _("⏳ a past session to mark done"),
    }


def waiting_reasons(reasons: list[Waiting], _: Translate) -> str:
    """The card's line: why this person waits on the counsellor."""
    texts = reason_texts(_)
    return _("🔔 Waiting on you: {reasons}").format(reasons=", ".join(texts[r] for r in reasons))


def waiting_legend(present: set[Waiting], _: Translate) -> str:
    """The marks the list shows, explained: only those on the page."""
    texts = reason_texts(_)
    return " · ".join(texts[reason] for reason in WAITING_ORDER if reason in present)


def attention_order(
    person: BeneficiarySummary, waiting: dict[int, list[Waiting]] | None = None
) -> tuple[int, str]:
    """Who waits on the counsellor first; then running bilans, invitations, closed ones."""
    rank = {BeneficiaryStatus.ACTIVE: 1, BeneficiaryStatus.INVITED: 2}.get(person.status, 3)
    if person.phase == Phase.CLOS:
        rank = 4
    if waiting and waiting.get(person.id):
        rank = 0
    return rank, fold(person.name)


def fold(text: str) -> str:
    """A name as a search compares it: no accents, no case ("Léa" finds "LEA", "lea")."""
    return " ".join(unidecode(text).casefold().split())


def matching(people: list[BeneficiarySummary], typed: str) -> list[BeneficiarySummary]:
    """The people whose name holds every word typed, in any order."""
    words = fold(typed).split()
    return [p for p in people if all(word in fold(p.name) for word in words)]


def list_screen(
    people: list[BeneficiarySummary],
    page: int,
    locale: str,
    _: Translate,
    waiting: dict[int, list[Waiting]] | None = None,
    searched: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the counsellor's people, those waiting on them first; or a search's finds."""
    ngettext = ngettext_for(locale)
    waiting = waiting or {}
    people = sorted(people, key=lambda person: attention_order(person, waiting))
    pages = max(1, (len(people) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    if searched is not None:
        pages, page = 1, 0
        said = ngettext(
            "<b>Search</b> “{typed}”: {count} person found",
            "<b>Search</b> “{typed}”: {count} people found",
            len(people),
        )
        text = said.format(typed=html.escape(searched), count=len(people))
        if len(people) > PAGE_SIZE:
            text += "\n" + _("Only the first {shown}: type more of the name.").format(
                shown=PAGE_SIZE
            )
    else:
        text = _("<b>Your beneficiaries</b> ({count})").format(count=len(people))
        if pages > 1:
            text += " · " + _("page {page} of {pages}").format(page=page + 1, pages=pages)
    shown = people[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    count_waiting = sum(1 for person in people if waiting.get(person.id))
    if count_waiting:
        said = ngettext(
            "{count} person waits on you (first in the list):",
            "{count} people wait on you (first in the list):",
            count_waiting,
        )
        present = {reason for person in people for reason in waiting.get(person.id, [])}
        text += "\n" + said.format(count=count_waiting) + "\n" + waiting_legend(present, _)
    rows: list[list[InlineKeyboardButton]] = []
    for person in shown:
        state = status_label(person, _)
        if person.status == BeneficiaryStatus.ACTIVE:
            state = phase_label(person.phase, _)
        marks = "".join(WAITING_MARKS[reason] for reason in waiting.get(person.id, []))
        label = f"{marks} {person.name} — {state}" if marks else f"{person.name} — {state}"
        rows.append([button(shorten(label), f"{CARD_PREFIX}{person.id}")])
    nav = []
    if page > 0:
        nav.append(button("◀", f"{LIST_PREFIX}:{page - 1}"))
    if page + 1 < pages:
        nav.append(button("▶", f"{LIST_PREFIX}:{page + 1}"))
    if nav:
        rows.append(nav)
    if searched is not None:
        rows.append([button(_("🔎 Search again"), FIND), button(_("👥 All"), LIST_PREFIX)])
    else:
        rows.append([button(_("🔎 Search by name"), FIND)])
    return text, InlineKeyboardMarkup(rows)


async def _people(
    context: Context, actor: CounsellorActor
) -> tuple[list[BeneficiarySummary], dict[int, list[Waiting]]]:
    async with work(context) as session:
        return await list_beneficiaries(session, actor), await waiting_on(session, actor)


async def beneficiaries(update: Update, context: Context) -> None:
    """``/beneficiaires [name]`` and ``ben:list[:<page>]``."""
    found = await counsellor_caller(update, context)
    message = update.effective_message
    query = update.callback_query
    if query is not None:
        await query.answer()
    if found is None or message is None:
        return
    caller, actor = found
    _ = caller._
    people, waiting = await _people(context, actor)
    if not people:
        await message.reply_text(
            _("You have no beneficiaries yet. Invite one with /invite First Last.")
        )
        return
    typed = " ".join(context.args or []).strip() if query is None else ""
    if typed:
        await _reply_found(message, people, waiting, typed, caller.locale, _)
        return
    page = 0
    if query is not None and query.data and query.data.count(":") == 2:
        tail = query.data.rsplit(":", 1)[1]
        page = int(tail) if tail.isdigit() else 0
    text, keyboard = list_screen(people, page, caller.locale, _, waiting)
    if query is not None and query.data and query.data.startswith(f"{LIST_PREFIX}:"):
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    else:
        await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def _reply_found(
    message: Message,
    people: list[BeneficiarySummary],
    waiting: dict[int, list[Waiting]],
    typed: str,
    locale: str,
    _: Translate,
) -> None:
    found = matching(people, typed)
    if not found:
        text = _(
            "Nobody among your beneficiaries is called “{typed}”. Type another part of the "
            "name, or see them all."
        ).format(typed=html.escape(typed))
        keyboard = InlineKeyboardMarkup(
            [[button(_("🔎 Search again"), FIND), button(_("👥 All"), LIST_PREFIX)]]
        )
        await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
        return
    text, keyboard = list_screen(found, 0, locale, _, waiting, searched=typed)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def ask_search(update: Update, context: Context) -> None:
    """``ben:find``: the next typed text is a name to look for."""
    found = await counsellor_caller(update, context)
    query = update.callback_query
    if query is not None:
        await query.answer()
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    async with work(context) as session:
        await save_dialogue(session, actor, FIND_FLOW, "name")
    await message.reply_text(
        caller._("Type the name (or part of it) of the person you are looking for.")
    )


async def handle_text(update: Update, context: Context) -> bool:
    """The typed name after "🔎 Search by name"; False when no search waits."""
    message = update.message
    typed = message.text if message is not None else None
    if message is None or not typed or typed.startswith("/"):
        return False
    caller = await identify(update, context)
    if caller is None or not isinstance(caller.actor, CounsellorActor):
        return False
    actor = caller.actor
    async with work(context) as session:
        if await current_dialogue(session, actor, flows=[FIND_FLOW], max_age=FIND_WAIT) is None:
            return False
        await end_dialogue(session, actor, flows=[FIND_FLOW])
    people, waiting = await _people(context, actor)
    await _reply_found(message, people, waiting, typed.strip()[:MAX_TYPED], caller.locale, caller._)
    return True


TEXT_FLOWS = (Flow((FIND_FLOW,), handle_text, lambda _wait, _: _("the search for a beneficiary")),)


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
) -> tuple[str, InlineKeyboardMarkup]:
    """Where the person stands and what waits for the counsellor, at a glance."""
    now = now or utcnow()
    ngettext = ngettext_for(locale)
    person = card.person
    zone = actor.timezone
    lines = [f"<b>{html.escape(person.name)}</b>"]
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
    if person.status == BeneficiaryStatus.ACTIVE:
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
    instruments = load_all()
    rows: list[list[InlineKeyboardButton]] = []
    reads: list[tuple[str, str]] = []
    lines += ["", _("<b>Questionnaires</b>")]
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
        lines.append(f"• {html.escape(title)} — {state}")
    labels = distinct([label for label, _data in reads])
    rows += [[button(label, data)] for label, (_old, data) in zip(labels, reads, strict=True)]
    if addition is not None:
        lines += followups.card_lines(addition, locale, zone, _)
    if written is not None:
        lines += ["", synthesis_card_line(written, _, locale, zone)]
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
    rows.append([button(_("👥 My beneficiaries"), LIST_PREFIX)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def show_card(update: Update, context: Context) -> None:
    """``c:<id>``: one beneficiary's card."""
    query = update.callback_query
    found = await counsellor_caller(update, context)
    if query is None or query.data is None:
        return
    await query.answer()
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    raw = query.data.removeprefix(CARD_PREFIX)
    try:
        if not raw.isdigit():
            raise AccessDenied("malformed id")
        async with work(context) as session:
            card = await open_card(session, actor, int(raw))
            addition = await followups.load_card_addition(session, actor, int(raw))
            written = await synthesis_status(session, actor, int(raw))
            waiting = (await waiting_on(session, actor)).get(int(raw), [])
    except AccessDenied:
        await message.reply_text(caller._("This card is not available to you."))
        return
    budget = session_settings(context).budget_hours
    text, keyboard = card_screen(
        card, actor, caller.locale, caller._, addition, written, budget, waiting=waiting
    )
    await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def change_phase(update: Update, context: Context) -> None:
    """``ph:<id>:<phase>`` asks for confirmation; ``ph:<id>:<phase>:ok`` moves the phase."""
    query = update.callback_query
    found = await counsellor_caller(update, context)
    if query is None or query.data is None:
        return
    await query.answer()
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    _ = caller._
    parts = query.data.removeprefix(PHASE_PREFIX).split(":")
    try:
        beneficiary_id, phase = int(parts[0]), Phase(parts[1])
    except (ValueError, IndexError):
        return
    confirmed = len(parts) == 3 and parts[2] == "ok"
    try:
        async with work(context) as session:
            if not confirmed:
                card = await open_card(session, actor, beneficiary_id)
            else:
                await set_phase(session, actor, beneficiary_id, phase)
                card = await open_card(session, actor, beneficiary_id)
            addition = await followups.load_card_addition(session, actor, beneficiary_id)
            written = await synthesis_status(session, actor, beneficiary_id)
            waiting = (await waiting_on(session, actor)).get(beneficiary_id, [])
    except (AccessDenied, ValueError):
        await message.reply_text(_("This change is not possible."))
        return
    if not confirmed:
        if phase == Phase.CLOS:
            text = _("Close {name}'s bilan?").format(name=html.escape(card.person.name))
        else:
            text = _("Move {name}'s bilan on: {phase}?").format(
                name=html.escape(card.person.name), phase=phase_label(phase, _)
            )
        keyboard = InlineKeyboardMarkup(
            [
                [button(_("✅ Confirm"), f"{PHASE_PREFIX}{beneficiary_id}:{phase.value}:ok")],
                [button(_("Cancel"), f"{CARD_PREFIX}{beneficiary_id}")],
            ]
        )
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
        return
    wake_dispatcher(context)
    log.info("counsellor %s moved beneficiary %s", actor.counsellor_id, beneficiary_id)
    budget = session_settings(context).budget_hours
    text, keyboard = card_screen(
        card, actor, caller.locale, _, addition, written, budget, waiting=waiting
    )
    await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
