"""Concluding the bilan, and the follow-up check-ins that come 3 and 6 months later.

**Concluding.** On the card of a bilan in its conclusion phase, the counsellor
presses "✅ Close the conclusion phase" and confirms: the bilan is dated, moves
to *suivi*, and :func:`storage.followups.conclude` schedules the check-ins in
the outbox (``FOLLOWUP_MONTHS``, default 3 and 6, at 10:00 in the
beneficiary's time zone) with their two re-pings.

**A check-in.** The invitation (outbox kind ``followup_invite``) carries a
button, ``fu:go:<check-in>``. The check-in is one run of the ``followup``
instrument in two parts:

1. the steps of the person's *own* action plan, which no static file can
   list, asked here one at a time — done / in progress / not started /
   dropped, then an optional word — and stored in the same run as
   ``plan_step#<step id>`` answers (:mod:`dialogues.followup`); the run's
   ``current_step`` is ``plan|<step>`` or ``plan|<step>|note`` meanwhile;
2. then the questions of ``dialogues/instruments/followup.toml`` through the
   ordinary questionnaire flow (:func:`bot.questionnaire.flow.present`),
   which ends on its recap and "Send to my counsellor".

The steps come first because the flow's recap is the end: once the person has
sent, nothing may still be asked. Resuming (the invitation's button,
``/reprendre`` through :func:`resume_command`, ``/suivi``) first asks any
step still unanswered, then continues the questions where they stopped.
Sending tells the counsellor at once (the flow's ``instrument_submitted``)
and, through :func:`storage.followups.on_checkin_submitted`, cancels the
re-pings and sends the "wants to talk" alert (outbox kind ``followup_talk``).

Callback grammar (all under ``fu:``; ids re-checked in storage on every press)::

    fu:me                          (beneficiary) my check-ins
    fu:go:<check-in>               (beneficiary) open / resume a check-in
    fu:a:<run>:<step>:<status>     (beneficiary) a step's progress
    fu:k:<run>:<step>              (beneficiary) no word to add
    fu:b:<run>:<step>              (beneficiary) back
    fu:end:<beneficiary>[:ok]      (counsellor) close the conclusion phase, once confirmed
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.handlers.counsellor import counsellor_caller
from bot.handlers.plan import CARD_BUTTON, CARD_PREFIX, COUNSELLOR_PREFIX, day_text, today_in
from bot.i18n import N_, Translate, format_date_long, ngettext_for
from bot.keyboards import button
from bot.kit.door import Flow
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from bot.questionnaire import flow
from bot.questionnaire.finish import READ_PREFIX
from bot.runtime import Caller, Context, identify, settings, wake_dispatcher, work
from dialogues import followup as loop
from dialogues.followup import STEP_STATUSES
from dialogues.instruments import Instrument, load_all
from storage.actors import (
    AccessDenied,
    BeneficiaryActor,
    CounsellorActor,
    SystemActor,
    load_beneficiary_for,
)
from storage.followups import (
    CONCLUDED_KIND,
    INSTRUMENT_KEY,
    INVITE_KIND,
    TALK_KIND,
    CheckinAnswered,
    CheckinState,
    CheckinStatus,
    Schedule,
    attach_run,
    checkin_for_message,
    conclude,
    followup_status,
)
from storage.models import Phase
from storage.outbox import ClaimedMessage
from storage.people import get_beneficiary
from storage.plans import PlanSummary, Step, plan_summary, read_plan
from storage.responses import FLOW as QUESTIONNAIRE_FLOW
from storage.responses import (
    RunState,
    latest_open_run,
    load_own_run,
    open_run,
    save_answer,
    set_position,
)

log = logging.getLogger(__name__)

PREFIX = "fu:"
CALLBACK_PATTERN = r"^fu:"
MINE = "fu:me"
GO_PREFIX = "fu:go:"
END_PREFIX = "fu:end:"

COMMANDS = [("suivi", N_("Your follow-up check-ins after the bilan"))]

STATUS_LABELS = {
    "done": N_("✅ Completed"),
    "ongoing": N_("🔄 In progress"),
    "not_started": N_("⏸ Not started"),
    "dropped": N_("✖️ Dropped"),
}
CONCLUDED_NOTICE = N_(
    "Your counsellor has closed the conclusion phase of your bilan. Your project and "
    "your action plan stay in /plan, where you can tick the steps you complete. In a few "
    "months I will ask you, in a short check-in, where you stand."
)


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def months_text(months: int, locale: str) -> str:
    ngettext = ngettext_for(locale)
    return ngettext("{months} month", "{months} months", months).format(months=months)


def schedule_from_settings(context: Context) -> Schedule:
    config = settings(context)
    return Schedule(config.followup_month_list, config.followup_delay_seconds)


def _instrument() -> Instrument | None:
    return load_all().get(INSTRUMENT_KEY)


async def _beneficiary(update: Update, context: Context) -> tuple[Caller, BeneficiaryActor] | None:
    caller = await identify(update, context)
    if caller is None or not isinstance(caller.actor, BeneficiaryActor):
        return None
    return caller, caller.actor


async def _show(
    message: Message | None,
    chat_id: int,
    context: Context,
    text: str,
    markup: InlineKeyboardMarkup | None,
    edit: bool,
) -> None:
    if edit and message is not None:
        try:
            await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
    await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)


# --- concluding (counsellor) ---------------------------------------------------------


async def _conclude_press(
    update: Update, context: Context, message: Message, parts: list[str]
) -> None:
    """``fu:end:<beneficiary>`` asks for confirmation; ``…:ok`` concludes."""
    found = await counsellor_caller(update, context)
    if found is None:
        return
    caller, actor = found
    _ = caller._
    if not parts or not parts[0].isdigit():
        return
    bid = int(parts[0])
    schedule = schedule_from_settings(context)
    locale = caller.locale
    confirmed = parts[1:2] == ["ok"]
    try:
        async with work(context) as session:
            person = await get_beneficiary(session, actor, bid)
            if person.phase != Phase.CONCLUSION:
                raise ValueError("not in conclusion")
            if confirmed:
                checkins = await conclude(session, actor, bid, schedule)
    except (AccessDenied, ValueError):
        await message.reply_text(_("This change is not possible."))
        return
    name = _e(person.name)
    card = [button(_("🗂 Back to the card"), f"{CARD_PREFIX}{bid}")]
    if not confirmed:
        planned = ", ".join(months_text(m, locale) for m in schedule.months)
        text = _(
            "Close the conclusion phase of {name}'s bilan? It is dated today and moves to "
            "follow-up; check-ins will be sent at {months}, at 10:00 their time."
        ).format(name=name, months=planned)
        markup = InlineKeyboardMarkup(
            [
                [button(_("✅ Confirm"), f"{END_PREFIX}{bid}:ok")],
                [button(_("Cancel"), f"{CARD_PREFIX}{bid}")],
            ]
        )
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        return
    wake_dispatcher(context)
    log.info("counsellor %s concluded beneficiary %s", actor.counsellor_id, bid)
    lines = [_("Done: {name}'s bilan is concluded and moves to follow-up.").format(name=name), ""]
    lines += [
        "• "
        + _("{months} check-in: {date}").format(
            months=months_text(c.months, locale),
            date=format_date_long(c.due_at, locale, actor.timezone),
        )
        for c in checkins
    ]
    await message.edit_text(
        "\n".join(lines), parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup([card])
    )


# --- the beneficiary's check-ins ------------------------------------------------------


def _state_text(status: CheckinStatus, locale: str, timezone: str, _: Translate) -> str:
    if status.state == CheckinState.ANSWERED and status.answered_at is not None:
        date = format_date_long(status.answered_at, locale, timezone)
        return _("sent on {date}").format(date=date)
    if status.state == CheckinState.SCHEDULED:
        return _("planned for {date}").format(
            date=format_date_long(status.due_at, locale, timezone)
        )
    if status.started:
        return _("started, to finish")
    if status.state == CheckinState.UNANSWERED:
        return _("not answered")
    return _("waiting for an answer")


async def my_followups(update: Update, context: Context) -> None:
    """``/suivi`` and ``fu:me``: the beneficiary's check-ins, with a button for the open one."""
    found = await _beneficiary(update, context)
    query = update.callback_query
    if query is not None:
        await query.answer()
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    _ = caller._
    async with work(context) as session:
        statuses = await followup_status(session, actor, actor.beneficiary_id)
    lines = [_("<b>🔁 My follow-up</b>"), ""]
    rows: list[list[InlineKeyboardButton]] = []
    if not statuses:
        lines.append(
            _(
                "After your bilan, I will ask you a few questions at 3 and 6 months to see "
                "where you stand. They are planned when your counsellor closes the "
                "conclusion phase."
            )
        )
    for status in statuses:
        when = months_text(status.months, caller.locale)
        state = _state_text(status, caller.locale, actor.timezone, _)
        lines.append("• " + _("{months} check-in: {state}").format(months=when, state=state))
        if status.state in (CheckinState.DUE, CheckinState.UNANSWERED):
            label = _("📝 Continue") if status.started else _("📝 Answer")
            rows.append([button(f"{label} — {when}", f"{GO_PREFIX}{status.id}")])
    markup = InlineKeyboardMarkup(rows) if rows else None
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML, reply_markup=markup)


async def _open_checkin(
    update: Update, context: Context, caller: Caller, actor: BeneficiaryActor, raw: str
) -> None:
    """``fu:go:<check-in>``: tie the run in progress to the check-in, then continue it."""
    _ = caller._
    instrument = _instrument()
    if instrument is None:
        return
    try:
        if not raw.isdigit():
            raise AccessDenied("malformed check-in id")
        checkin_id = int(raw)
        async with work(context) as session:
            statuses = await followup_status(session, actor, actor.beneficiary_id)
            status = next((s for s in statuses if s.id == checkin_id), None)
            if status is None or status.state == CheckinState.SCHEDULED:
                raise AccessDenied("no such check-in due")
            if status.state == CheckinState.ANSWERED:
                raise CheckinAnswered("already sent")
            run = await open_run(
                session, actor, instrument.key, instrument.version, instrument.compatible_versions
            )
            await attach_run(session, actor, checkin_id, run.id)
            # Typed text now answers the check-in: showing its step replaces the wait
            # that stood (a title, a plan step), and the reply names it.
    except CheckinAnswered:
        await context.bot.send_message(
            actor.telegram_id, _("You have already sent this check-in. Thank you!")
        )
        return
    except AccessDenied:
        await context.bot.send_message(actor.telegram_id, _("This button is no longer active."))
        return
    await continue_checkin(update, context, caller, actor, instrument, run.id, edit=False)


async def _agreed_steps(session: AsyncSession, actor: BeneficiaryActor) -> list[Step]:
    plan = await read_plan(session, actor, actor.beneficiary_id)
    return list(plan.agreed_steps)


async def continue_checkin(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run_id: int,
    edit: bool,
) -> None:
    """Show where the person stands: a plan step still to tell, else the questions."""
    async with work(context) as session:
        run = await load_own_run(session, actor, run_id)
        steps = await _agreed_steps(session, actor)
        ids = [s.id for s in steps]
        where = loop.read_position(run.current_step)
        step_id: int | None = None
        note = False
        if where is not None and where[0] in ids:
            step_id, note = where
        else:
            step_id = loop.next_step(ids, run.answers)
            if step_id is not None:
                await set_position(session, actor, run.id, loop.position(step_id))
    if step_id is None:
        await flow.present(update, context, caller, actor, instrument, edit=edit)
        return
    if not run.answers and instrument.intro is not None:
        await context.bot.send_message(
            actor.telegram_id, _e(instrument.intro.get(caller.locale)), parse_mode=ParseMode.HTML
        )
        edit = False
    step = next(s for s in steps if s.id == step_id)
    text, markup = (
        _note_screen(run, step, caller.locale, caller._)
        if note
        else _step_screen(instrument, run, steps, step, caller.locale, caller._)
    )
    await _show(update.effective_message, actor.telegram_id, context, text, markup, edit)


def _data(action: str, run_id: int, step_id: int, arg: str = "") -> str:
    return f"{PREFIX}{action}:{run_id}:{step_id}" + (f":{arg}" if arg else "")


def _step_screen(
    instrument: Instrument,
    run: RunState,
    steps: list[Step],
    step: Step,
    locale: str,
    _: Translate,
) -> tuple[str, InlineKeyboardMarkup]:
    number = [s.id for s in steps].index(step.id) + 1
    lines = [
        f"<b>{_e(instrument.title.get(locale))}</b> · "
        + _("Your action plan, step {number} of {count}").format(number=number, count=len(steps)),
        "",
        f"<b>{_e(step.title)}</b>",
        _("Planned for {date}").format(date=day_text(step.target_date, locale)),
        "",
        "<b>" + _("Where are you with this step?") + "</b>",
    ]
    current = loop.read_answer(run.answers.get(loop.answer_id(step.id)))
    if current is not None:
        lines.append(
            _("Your current answer: {answer}").format(answer=_(STATUS_LABELS[current.status]))
        )
    statuses = [button(_(STATUS_LABELS[s]), _data("a", run.id, step.id, s)) for s in STEP_STATUSES]
    rows = [statuses[:2], statuses[2:]]
    if number > 1:
        rows.append([button(_("◀ Previous"), _data("b", run.id, step.id))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _note_screen(
    run: RunState, step: Step, locale: str, _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    current = loop.read_answer(run.answers.get(loop.answer_id(step.id)))
    status = _(STATUS_LABELS[current.status]) if current else ""
    lines = [
        f"<b>{_e(step.title)}</b> — {status}",
        "",
        _("A word to add? Write it in a message (optional), or go on."),
    ]
    rows = [
        [button(_("Go on ➡️"), _data("k", run.id, step.id))],
        [button(_("◀ Previous"), _data("b", run.id, step.id))],
    ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _loop_press(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    action: str,
    parts: list[str],
) -> str | None:
    """A press in the plan-step part; returns a short notice for the button, if any."""
    _ = caller._
    instrument = _instrument()
    if instrument is None or len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        raise AccessDenied("malformed check-in press")
    run_id, step_id = int(parts[0]), int(parts[1])
    async with work(context) as session:
        run = await load_own_run(session, actor, run_id)
        steps = await _agreed_steps(session, actor)
    if run.instrument_key != INSTRUMENT_KEY:
        raise AccessDenied("not a check-in run")
    if run.submitted_at is not None:
        return _("This questionnaire has already been sent.")
    where = loop.read_position(run.current_step)
    step = next((s for s in steps if s.id == step_id), None)
    expected_note = action in ("k",) or (action == "b" and where == (step_id, True))
    if step is None or where != (step_id, expected_note):
        await continue_checkin(update, context, caller, actor, instrument, run.id, edit=False)
        return _("That question is behind you; here is where you are now.")
    ids = [s.id for s in steps]
    message = update.effective_message
    if action == "a":
        status = next((s for s in STEP_STATUSES if s == (parts[2] if len(parts) > 2 else "")), None)
        if status is None:
            raise AccessDenied("unknown status")
        previous = loop.read_answer(run.answers.get(loop.answer_id(step.id)))
        value = loop.make_answer(
            status, step.title, step.target_date, previous.note if previous else None
        )
        async with work(context) as session:
            await save_answer(
                session, actor, run.id, loop.answer_id(step.id), value, loop.position(step.id, True)
            )
        run.answers[loop.answer_id(step.id)] = value
        text, markup = _note_screen(run, step, caller.locale, _)
        await _show(message, actor.telegram_id, context, text, markup, edit=True)
        return None
    if action == "k":
        await _advance(update, context, caller, actor, instrument, run, steps, edit=True)
        return None
    # "b": from the word back to the status, or from a status to the previous step.
    target = step.id if where == (step_id, True) else loop.previous_step(ids, step.id)
    if target is None:
        return None
    async with work(context) as session:
        await set_position(session, actor, run.id, loop.position(target))
    chosen = next(s for s in steps if s.id == target)
    text, markup = _step_screen(instrument, run, steps, chosen, caller.locale, _)
    await _show(message, actor.telegram_id, context, text, markup, edit=True)
    return None


async def _advance(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run: RunState,
    steps: list[Step],
    edit: bool,
) -> None:
    """After a step: the next one not yet told, or a summary and then the questions."""
    ids = [s.id for s in steps]
    following = loop.next_step(ids, run.answers)
    if following is not None:
        async with work(context) as session:
            await set_position(session, actor, run.id, loop.position(following))
        step = next(s for s in steps if s.id == following)
        text, markup = _step_screen(instrument, run, steps, step, caller.locale, caller._)
        await _show(update.effective_message, actor.telegram_id, context, text, markup, edit)
        return
    summary = [caller._("<b>Your action plan — thank you!</b>")]
    summary += plan_progress_lines(run.answers, caller.locale, caller._, heading=False)
    await _show(
        update.effective_message, actor.telegram_id, context, "\n".join(summary), None, edit
    )
    await flow.present(update, context, caller, actor, instrument, edit=False)


async def handle_text(update: Update, context: Context) -> bool:
    """The optional word on a plan step; False unless the check-in waits for one."""
    message = update.effective_message
    if message is None or update.edited_message is not None:
        return False
    found = await _beneficiary(update, context)
    if found is None:
        return False
    caller, actor = found
    async with work(context) as session:
        run = await latest_open_run(session, actor)
        checkin = run is not None and run.instrument_key == INSTRUMENT_KEY
        steps = await _agreed_steps(session, actor) if checkin else []
    instrument = _instrument()
    if run is None or instrument is None or not checkin:
        return False
    where = loop.read_position(run.current_step)
    step = next((s for s in steps if where is not None and s.id == where[0]), None)
    if where is None or step is None:
        return False
    _ = caller._
    if not where[1]:
        await message.reply_text(_("Please choose with the buttons of the question."))
        await continue_checkin(update, context, caller, actor, instrument, run.id, edit=False)
        return True
    note = (message.text or "").strip()
    if not note:
        await message.reply_text(_("Please write your word as a message, or press “Go on”."))
        return True
    if len(note) > loop.NOTE_MAX:
        await message.reply_text(
            _("That is a little long: {max} characters at most, please.").format(max=loop.NOTE_MAX)
        )
        return True
    value = loop.with_note(run.answers.get(loop.answer_id(step.id)), note)
    if value is None:
        await continue_checkin(update, context, caller, actor, instrument, run.id, edit=False)
        return True
    async with work(context) as session:
        await save_answer(session, actor, run.id, loop.answer_id(step.id), value, run.current_step)
    run.answers[loop.answer_id(step.id)] = value
    await _advance(update, context, caller, actor, instrument, run, steps, edit=False)
    return True


async def questionnaire_text(update: Update, context: Context) -> bool:
    """Typed text while a questionnaire's step is shown: a check-in's, else the dossier's."""
    return await handle_text(update, context) or await flow.handle_text(update, context)


TEXT_FLOWS = (
    Flow(
        (QUESTIONNAIRE_FLOW,),
        questionnaire_text,
        lambda _wait, _: _("your questionnaire (/reprendre picks it up where you left it)"),
    ),
)


async def resume_command(update: Update, context: Context) -> None:
    """``/reprendre``: a check-in resumes with its plan steps; anything else as usual."""
    found = await _beneficiary(update, context)
    instrument = _instrument()
    if found is not None and instrument is not None:
        caller, actor = found
        async with work(context) as session:
            run = await latest_open_run(session, actor)
        if run is not None and run.instrument_key == INSTRUMENT_KEY:
            await continue_checkin(update, context, caller, actor, instrument, run.id, edit=False)
            return
    await flow.resume_command(update, context)


async def on_button(update: Update, context: Context) -> None:
    """Every ``fu:`` press."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    action, *parts = query.data.removeprefix(PREFIX).split(":")
    message = update.effective_message
    if action == "end":
        await query.answer()
        if message is not None:
            await _conclude_press(update, context, message, parts)
        return
    if action == "me":
        await my_followups(update, context)
        return
    caller = await identify(update, context)
    if caller is None or not isinstance(caller.actor, BeneficiaryActor):
        # A counsellor or a stranger pressing a beneficiary's button: refused out loud.
        await query.answer(caller._("This button is no longer active.") if caller else None)
        return
    actor = caller.actor
    try:
        if action == "go":
            await query.answer()
            await _open_checkin(update, context, caller, actor, parts[0] if parts else "")
            return
        if action not in ("a", "k", "b"):
            raise AccessDenied("unknown check-in action")
        notice = await _loop_press(update, context, caller, actor, action, parts)
    except AccessDenied:
        log.info("check-in press refused for beneficiary %s", actor.beneficiary_id)
        await query.answer(caller._("This button is no longer active."))
        return
    await query.answer(notice)


# --- the answers, for whoever reads the run -------------------------------------------


def plan_progress_lines(
    answers: dict[str, Any], locale: str, _: Translate, heading: bool = True
) -> list[str]:
    """The plan-step answers of a check-in run, as HTML lines (empty if there are none).

    The steps' titles are those of the day the person answered, kept in the
    answers: the reading stays right if the plan changed since.
    """
    found = loop.step_answers(answers)
    if not found:
        return []
    lines = [_("<b>Action plan</b>")] if heading else []
    for _step_id, answer in found:
        line = f"• <i>{_e(answer.title)}</i> — {_(STATUS_LABELS[answer.status])}"
        if answer.note:
            line += f"\n  {_e(answer.note)}"
        lines.append(line)
    if heading:
        lines.append("")
    return lines


# --- outbox: the invitation and its re-pings, the counsellor's alert ------------------

INVITE_TEXT = N_(
    "Hello! {months} ago you concluded your skills assessment. Where do you stand today? "
    "This short check-in takes about five minutes; your counsellor will read it."
)
REPING_TEXT = N_(
    "A gentle reminder, no pressure: your {months} follow-up check-in is waiting for you. "
    "A few minutes are enough, and you can answer in several goes."
)
LAST_REPING_TEXT = N_(
    "One last reminder about your {months} follow-up check-in. Your answers help your "
    "counsellor; after this, I will not ask again."
)
TALK_TEXT = N_(
    "🙋 {name} would like to talk with you (follow-up check-in at {months}). "
    "Their answers are one tap away."
)


@register(CONCLUDED_KIND)
async def render_concluded(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Told to the person in their language at send time."""
    return OutgoingMessage(context._(CONCLUDED_NOTICE))


@register(INVITE_KIND, stale_after=timedelta(days=10))
async def render_invite(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Sent only while the bilan is in follow-up and the check-in is still unanswered."""
    payload = row.payload or {}
    checkin_id, ping = payload.get("checkin_id"), payload.get("ping", 0)
    if not isinstance(checkin_id, int) or not isinstance(ping, int):
        return None
    async with context.db.transaction() as session:
        found = await checkin_for_message(session, SystemActor("outbox"), checkin_id)
    if found is None:
        return None
    status, phase = found
    if phase != Phase.SUIVI or status.state == CheckinState.ANSWERED:
        return None
    _ = context._
    months = months_text(status.months, context.locale)
    text = (INVITE_TEXT, REPING_TEXT, LAST_REPING_TEXT)[min(max(ping, 0), 2)]
    label = _("📝 Continue") if status.started else _("📝 Answer")
    keyboard = InlineKeyboardMarkup([[button(label, f"{GO_PREFIX}{checkin_id}")]])
    return OutgoingMessage(_(text).format(months=months), keyboard=keyboard)


@register(TALK_KIND, urgent=False)
async def render_talk(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """To the beneficiary's own counsellor: who, and the buttons; never the answers."""
    payload = row.payload or {}
    run_id, months = payload.get("run_id"), payload.get("months")
    actor = context.counsellor_actor()
    if actor is None or row.beneficiary_id is None:
        return None
    if not isinstance(run_id, int) or not isinstance(months, int):
        return None
    async with context.db.transaction() as session:
        try:
            person = await get_beneficiary(session, actor, row.beneficiary_id)
        except AccessDenied:
            return None
    _ = context._
    text = _(TALK_TEXT).format(name=_e(person.name), months=months_text(months, context.locale))
    keyboard = InlineKeyboardMarkup(
        [
            [button(_("📖 Read the answers"), f"{READ_PREFIX}{run_id}")],
            [button(_("🗂 Card"), f"{CARD_PREFIX}{row.beneficiary_id}")],
        ]
    )
    return OutgoingMessage(text, parse_mode=ParseMode.HTML, keyboard=keyboard)


# --- the card ------------------------------------------------------------------------


@dataclass(frozen=True)
class CardAddition:
    """What the card shows of the plan and the follow-up: counts, states and dates only."""

    beneficiary_id: int
    phase: Phase
    concluded_at: datetime | None
    plan: PlanSummary
    checkins: tuple[CheckinStatus, ...]


async def load_card_addition(
    session: AsyncSession, actor: CounsellorActor, beneficiary_id: int
) -> CardAddition:
    """Load in the card's own transaction: a handful of small queries, no text decrypted."""
    row = await load_beneficiary_for(session, actor, beneficiary_id)
    plan = await plan_summary(session, actor, beneficiary_id, today_in(actor.timezone))
    checkins = await followup_status(session, actor, beneficiary_id)
    return CardAddition(beneficiary_id, row.phase, row.concluded_at, plan, tuple(checkins))


PLAN_PHASES = (Phase.CONCLUSION, Phase.SUIVI, Phase.CLOS)


def card_lines(addition: CardAddition, locale: str, timezone: str, _: Translate) -> list[str]:
    """Lines for ``card_screen``, after the questionnaires (HTML, no personal text)."""
    plan = addition.plan
    lines: list[str] = []
    if addition.phase in PLAN_PHASES or plan != PlanSummary():
        written, missing = _("written"), _("not written yet")
        lines += ["", _("<b>Project and action plan</b>")]
        lines.append(
            _("Main project: {main} · alternative: {alternative}").format(
                main=written if plan.has_main else missing,
                alternative=written if plan.has_alternative else missing,
            )
        )
        if plan.steps or plan.proposed:
            steps = _("Steps done: {done} of {count}").format(done=plan.done, count=plan.steps)
            if plan.overdue:
                steps += " · " + _("⚠️ past their date: {count}").format(count=plan.overdue)
            if plan.proposed:
                steps += " · " + _("💡 to agree: {count}").format(count=plan.proposed)
            lines.append(steps)
        else:
            lines.append(_("No steps yet."))
    if addition.concluded_at is not None or addition.checkins:
        lines += ["", _("<b>Follow-up</b>")]
        if addition.concluded_at is not None:
            date = format_date_long(addition.concluded_at, locale, timezone)
            lines.append(_("Bilan concluded on {date}").format(date=date))
        for status in addition.checkins:
            state = _state_text(status, locale, timezone, _)
            if status.state in (CheckinState.DUE, CheckinState.UNANSWERED):
                sent = format_date_long(status.due_at, locale, timezone)
                state = _("{state} (invited on {date})").format(state=state, date=sent)
            when = months_text(status.months, locale)
            lines.append("• " + _("{months} check-in: {state}").format(months=when, state=state))
    return lines


def card_buttons(addition: CardAddition, _: Translate) -> list[list[InlineKeyboardButton]]:
    """Rows for ``card_screen``: the plan (from the conclusion on) and concluding."""
    bid = addition.beneficiary_id
    rows: list[list[InlineKeyboardButton]] = []
    if addition.phase in PLAN_PHASES or addition.plan != PlanSummary():
        rows.append([button(_(CARD_BUTTON), f"{COUNSELLOR_PREFIX}{bid}")])
    if addition.phase == Phase.CONCLUSION:
        rows.append([button(_("✅ Close the conclusion phase"), f"{END_PREFIX}{bid}")])
    return rows
