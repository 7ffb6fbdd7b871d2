"""The questionnaire conversation: where the person stands, a typed answer, the end.

Every update reloads the run from the database (one query), applies the
press (:mod:`~bot.features.questionnaire.presses`) or the typed text through
the pure engine, and stores the accepted answer together with the next
position (two statements). Nothing lives in memory between two updates, so a
restart resumes at the same question.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup, Update

from bot.datetime_input import local_today
from bot.features.questionnaire import render
from bot.features.questionnaire.finish import SCORED_KINDS, finish_scored, recap_messages
from bot.features.questionnaire.screens import question_screen
from bot.i18n import N_
from bot.keyboards import button
from bot.kit.commands import only
from bot.kit.door import Typed
from bot.kit.roles import as_beneficiary
from bot.kit.screens import Screen, e, send, show
from bot.replies import chunk_lines
from bot.runtime import Caller, Context, work
from dialogues.engine import (
    Accepted,
    Rejected,
    Step,
    next_step,
    parse_other_text,
    parse_step_text,
    step_by_id,
)
from dialogues.instruments import Instrument, QuestionType, load_all
from dialogues.messages import error_message
from storage.actors import BeneficiaryActor
from storage.models import utcnow
from storage.responses import (
    RunState,
    latest_open_run,
    open_run,
    save_answer,
    set_position,
    wait_on,
)

if TYPE_CHECKING:  # the presses import this module
    from bot.kit.presses import Press

log = logging.getLogger(__name__)

BENEFICIARIES = only(
    BeneficiaryActor, N_("Your beneficiaries' questionnaires are on their card (/beneficiaires).")
)


def instruments() -> Mapping[str, Instrument]:
    return load_all()


async def present(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    edit: bool,
) -> None:
    """Show where the person stands in ``instrument``: a question, or the end."""
    async with work(context) as session:
        run = await open_run(
            session, actor, instrument.key, instrument.version, instrument.compatible_versions
        )
        step = next_step(instrument, run.answers)
        position = step.id if step else render.RECAP
        # Typed text now answers the question shown; the wait this replaces (a job
        # title, a note) is named to the person in the reply.
        if run.current_step != position:
            await set_position(session, actor, run.id, position)
        elif step is not None:
            await wait_on(session, actor, run.id, step.id)
    if step is None:
        await at_end(update, context, caller, actor, instrument, run)
        return
    intro = ""
    if not run.answers and instrument.intro is not None:
        intro = instrument.intro.get(caller.locale)
        await send(update, Screen(e(intro)))
    screen = question_screen(instrument, run, step, caller.locale, caller._)
    await show(update, screen, in_place=edit and not intro)


async def resume_command(update: Update, context: Context) -> None:
    """``/reprendre``: continue the questionnaire touched last."""
    found = await BENEFICIARIES(update, context)
    message = update.effective_message
    if found is None or message is None:
        return
    caller, me = found
    async with work(context) as session:
        run = await latest_open_run(session, me)
    instrument = instruments().get(run.instrument_key) if run else None
    if instrument is None:
        await message.reply_text(caller._("You have no questionnaire in progress. See /menu."))
        return
    await present(update, context, caller, me, instrument, edit=False)


async def apply(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run: RunState,
    step: Step,
    result: Accepted | Rejected,
    edit: bool,
    press: Press | None = None,
) -> None:
    """Store an accepted answer and show what comes next; or explain and ask again.

    ``press``: the button that gave the answer, answered once it is stored."""
    locale = caller.locale
    if isinstance(result, Rejected):
        if press is not None:
            await press.answer()
        screen = question_screen(
            instrument, run, step, locale, caller._, notice=error_message(result, locale)
        )
        await show(update, screen, in_place=edit)
        return
    run.answers[step.id] = result.value
    following = next_step(instrument, run.answers)
    position = following.id if following else render.RECAP
    async with work(context) as session:
        await save_answer(session, actor, run.id, step.id, result.value, position)
    if press is not None:
        await press.answer()
    log.debug("run %s saved", run.id)
    run.current_step = position
    if following is None:
        await at_end(update, context, caller, actor, instrument, run)
        return
    screen = question_screen(instrument, run, following, locale, caller._)
    await show(update, screen, in_place=edit)


async def keep_ticks(
    context: Context, actor: BeneficiaryActor, run: RunState, step: Step, value: Any
) -> None:
    """Ticks of a multiple choice kept as its draft, not yet its answer, and the
    person kept at its question until "validate"."""
    async with work(context) as session:
        await save_answer(session, actor, run.id, render.draft_id(step.id), value, step.id)
    run.answers[render.draft_id(step.id)] = value


async def at_end(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run: RunState,
) -> None:
    if instrument.kind in SCORED_KINDS:
        await finish_scored(context, caller, actor, instrument, run)
        return
    await _send_recap(context, caller, actor, instrument, run)


async def _send_recap(
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run: RunState,
) -> None:
    _ = caller._
    tag = render.step_tag(render.RECAP)
    lines = [_("<b>Your answers — please check them</b>"), ""]
    lines += recap_messages(instrument, run.answers, caller.locale)
    keyboard = InlineKeyboardMarkup(
        [
            [button(_("✏️ Change an answer"), render.data(run.id, tag, "e"))],
            [button(_("📨 Send to my counsellor"), render.data(run.id, tag, "s"))],
        ]
    )
    chunks = chunk_lines(lines)
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await context.bot.send_message(
            actor.telegram_id,
            chunk,
            reply_markup=keyboard if last else None,
        )


async def handle_text(typed: Typed) -> bool:
    """A message while a question of the person's open run waits for one; False if none does.

    The door (:mod:`bot.kit.door`) hands it any message from a beneficiary whose wait
    is the questionnaire's: a sticker or a photo reads as an empty answer.
    """
    update, context, caller, message = typed.update, typed.context, typed.caller, typed.message
    actor = as_beneficiary(caller)
    async with work(context) as session:
        run = await latest_open_run(session, actor)
    instrument = instruments().get(run.instrument_key) if run else None
    if run is None or instrument is None or not run.current_step:
        return False
    current = run.current_step
    locale = caller.locale
    if current.startswith(render.OTHER_PREFIX):
        step = step_by_id(instrument, run.answers, current.removeprefix(render.OTHER_PREFIX))
        if step is None or step.question is None:
            return False
        if message.text is None:
            await message.reply_text(error_message(Rejected("expected_text"), locale))
            return True
        draft = render.ticked_so_far(run.answers, step.id)
        result = parse_other_text(step.question, message.text, draft)
        if step.question.type is QuestionType.MULTI_CHOICE and isinstance(result, Accepted):
            await keep_ticks(context, actor, run, step, result.value)
            await send(update, question_screen(instrument, run, step, locale, caller._))
            return True
        if isinstance(result, Rejected):
            await message.reply_text(error_message(result, locale))
            return True
        await apply(update, context, caller, actor, instrument, run, step, result, edit=False)
        return True
    step = step_by_id(instrument, run.answers, current)
    if step is None:
        return False
    # A sticker or a photo reads as an empty answer: the reply says what is expected.
    today = local_today(utcnow(), actor.timezone)
    result = parse_step_text(step, message.text or "", locale, today)
    await apply(update, context, caller, actor, instrument, run, step, result, edit=False)
    return True
