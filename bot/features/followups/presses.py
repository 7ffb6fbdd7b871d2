"""The ``fu:`` buttons: the beneficiary's check-ins, and the counsellor's concluding.

Callback grammar (all under ``fu:``; ids re-checked in storage on every press)::

    fu:me                          (beneficiary) my check-ins
    fu:go:<check-in>               (beneficiary) open / resume a check-in
    fu:a:<run>:<step>:<status>     (beneficiary) a step's progress
    fu:k:<run>:<step>              (beneficiary) no word to add
    fu:b:<run>:<step>              (beneficiary) back
    fu:end:<beneficiary>[:ok]      (counsellor) close the conclusion phase, once confirmed

**Concluding.** On the card of a bilan in its conclusion phase, the counsellor
presses "✅ Close the conclusion phase" and confirms: the bilan is dated, moves
to *suivi*, and :func:`storage.followups.conclude` schedules the check-ins in
the outbox (``FOLLOWUP_MONTHS``, default 3 and 6, at 10:00 in the
beneficiary's time zone) with their two re-pings.

A press that no longer fits (an old button, an id not theirs, the other
side's verb) reads "This button is no longer active."; a check-in already
sent, or a bilan that cannot be concluded now, says so.
"""

from __future__ import annotations

import logging

from bot.features.followups import steps as checkin
from bot.features.followups.screens import (
    checkins_screen,
    conclude_question_screen,
    concluded_screen,
    note_screen,
    step_screen,
)
from bot.i18n import Translate
from bot.kit.presses import Press, Presses, Reply, new_message
from bot.kit.refusals import STALE, NotPossible, words_for
from bot.kit.screens import Screen, Stale, number
from bot.runtime import Context, settings, wake_dispatcher, work
from dialogues import followup as loop
from dialogues.followup import STEP_STATUSES
from storage.actors import AccessDenied, BeneficiaryActor, CounsellorActor
from storage.followups import (
    INSTRUMENT_KEY,
    CheckinAnswered,
    CheckinState,
    Schedule,
    attach_run,
    conclude,
    followup_status,
)
from storage.models import Phase
from storage.people import get_beneficiary
from storage.responses import load_own_run, open_run, save_answer, set_position

log = logging.getLogger(__name__)

PRESSES = Presses("fu", denied=STALE)


@words_for(CheckinAnswered)
def _already_sent(error: CheckinAnswered, _: Translate) -> str:
    return _("You have already sent this check-in. Thank you!")


def schedule_from_settings(context: Context) -> Schedule:
    config = settings(context)
    return Schedule(config.followup_month_list, config.followup_delay_seconds)


# --- the beneficiary's check-ins --------------------------------------------------------


@PRESSES.on("me", who=BeneficiaryActor)
async def mine(press: Press) -> Reply:
    """Their check-ins, in a new message under the menu."""
    me = press.beneficiary
    async with work(press.context) as session:
        statuses = await followup_status(session, me, me.beneficiary_id)
    screen = checkins_screen(statuses, press.caller.locale, me.timezone, press._)
    return new_message(screen)


@PRESSES.on("go", who=BeneficiaryActor)
async def open_checkin(press: Press) -> None:
    """``go:<check-in>``: tie the run in progress to the check-in, then continue it."""
    me = press.beneficiary
    instrument = checkin.instrument()
    if instrument is None:
        return None
    checkin_id = number(press.arg(0))
    async with work(press.context) as session:
        statuses = await followup_status(session, me, me.beneficiary_id)
        status = next((s for s in statuses if s.id == checkin_id), None)
        if status is None or status.state == CheckinState.SCHEDULED:
            raise Stale("no such check-in due")
        if status.state == CheckinState.ANSWERED:
            raise CheckinAnswered("already sent")
        run = await open_run(
            session, me, instrument.key, instrument.version, instrument.compatible_versions
        )
        await attach_run(session, me, checkin_id, run.id)
        # Typed text now answers the check-in: showing its step replaces the wait
        # that stood (a title, a plan step), and the reply names it.
    await checkin.continue_checkin(
        press.update, press.context, press.caller, me, instrument, run.id, edit=False
    )
    return None


@PRESSES.on("a", "k", "b", who=BeneficiaryActor)
async def plan_step(press: Press) -> Reply:
    """A step's status, "no word", or back: the plan-step part of the check-in; the
    screen it leads to, then a short notice, if any."""
    action = press.verb
    me = press.beneficiary
    _ = press._
    instrument = checkin.instrument()
    if instrument is None:
        raise Stale("no check-in questionnaire")
    run_id, step_id = number(press.arg(0)), number(press.arg(1))
    async with work(press.context) as session:
        run = await load_own_run(session, me, run_id)
        steps = await checkin.agreed_steps(session, me)
    if run.instrument_key != INSTRUMENT_KEY:
        raise AccessDenied("not a check-in run")
    if run.submitted_at is not None:
        return Reply(toast=_("This questionnaire has already been sent."))
    update, context, caller = press.update, press.context, press.caller
    where = loop.read_position(run.current_step)
    step = next((s for s in steps if s.id == step_id), None)
    expected_note = action == "k" or (action == "b" and where == (step_id, True))
    if step is None or where != (step_id, expected_note):
        await checkin.continue_checkin(update, context, caller, me, instrument, run.id, edit=False)
        return Reply(toast=_("That question is behind you; here is where you are now."))
    if action == "a":
        pressed = press.args[2] if len(press.args) > 2 else ""
        status = next((s for s in STEP_STATUSES if s == pressed), None)
        if status is None:
            raise Stale("unknown status")
        previous = loop.read_answer(run.answers.get(loop.answer_id(step.id)))
        value = loop.make_answer(
            status, step.title, step.target_date, previous.note if previous else None
        )
        async with work(context) as session:
            await save_answer(
                session, me, run.id, loop.answer_id(step.id), value, loop.position(step.id, True)
            )
        run.answers[loop.answer_id(step.id)] = value
        return Reply([note_screen(run, step, _)])
    if action == "k":
        await checkin.advance(update, context, caller, me, instrument, run, steps, edit=True)
        return Reply()
    # "b": from the word back to the status, or from a status to the previous step.
    ids = [s.id for s in steps]
    target = step.id if where == (step_id, True) else loop.previous_step(ids, step.id)
    if target is None:
        return Reply()
    async with work(context) as session:
        await set_position(session, me, run.id, loop.position(target))
    chosen = next(s for s in steps if s.id == target)
    return Reply([step_screen(instrument, run, steps, chosen, caller.locale, _)])


# --- concluding (counsellor) ------------------------------------------------------------


@PRESSES.on("end", who=CounsellorActor)
async def conclude_bilan(press: Press) -> Screen:
    """``end:<beneficiary>`` asks for confirmation; ``…:ok`` concludes."""
    actor = press.actor
    assert isinstance(actor, CounsellorActor)  # the table lets counsellors only
    bid = number(press.arg(0))
    schedule = schedule_from_settings(press.context)
    confirmed = press.args[1:2] == ("ok",)
    locale, _ = press.caller.locale, press._
    try:
        async with work(press.context) as session:
            person = await get_beneficiary(session, actor, bid)
            if person.phase != Phase.CONCLUSION:
                raise ValueError("not in conclusion")
            if not confirmed:
                return conclude_question_screen(person.name, bid, schedule.months, locale, _)
            checkins = await conclude(session, actor, bid, schedule)
    except (AccessDenied, ValueError) as error:
        raise NotPossible() from error
    wake_dispatcher(press.context)
    log.info("counsellor %s concluded beneficiary %s", actor.counsellor_id, bid)
    return concluded_screen(person.name, bid, checkins, locale, actor.timezone, _)
