"""The questionnaire conversation: open, answer, go back, review, submit.

Every handler reloads the run from the database (one query), applies the
press or the typed text through the pure engine, and stores the accepted
answer together with the next position (two statements). Nothing lives in
memory between two updates, so a restart resumes at the same question.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.datetime_input import local_today
from bot.i18n import Translate
from bot.keyboards import button
from bot.kit.door import Typed
from bot.kit.roles import as_beneficiary
from bot.questionnaire import render
from bot.questionnaire.finish import (
    SCORED_KINDS,
    finish_scored,
    next_step_markup,
    notify_submission,
    recap_messages,
)
from bot.replies import chunk_lines
from bot.runtime import Caller, Context, identify, wake_dispatcher, work
from dialogues.engine import (
    Accepted,
    Rejected,
    Step,
    finish_multi,
    next_step,
    parse_button,
    parse_other_text,
    parse_step_text,
    previous_step,
    question_numbers,
    step_by_id,
    toggle_multi,
    visible_steps,
)
from dialogues.instruments import Instrument, QuestionType, load_all
from dialogues.messages import error_message, label
from dialogues.typography import shorten
from storage.actors import AccessDenied, BeneficiaryActor
from storage.models import utcnow
from storage.responses import (
    RunState,
    latest_open_run,
    load_own_run,
    open_run,
    save_answer,
    set_position,
    submit_run,
    wait_on,
)

log = logging.getLogger(__name__)

OPEN_PREFIX = "q:open:"


def instruments() -> Mapping[str, Instrument]:
    return load_all()


@dataclass
class Screen:
    """A message to show: text (HTML) and its keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None


def question_screen(
    instrument: Instrument,
    run: RunState,
    step: Step,
    locale: str,
    _: Translate,
    notice: str | None = None,
) -> Screen:
    # ``step`` comes from the visible steps of these answers (or of the same answers
    # but a draft, which shows and hides nothing): its index says if one comes before.
    has_previous = step.index > 0
    return Screen(
        render.question_text(instrument, step, run.answers, locale, _, notice),
        render.question_keyboard(instrument, run.id, step, run.answers, locale, has_previous),
    )


def other_prompt_screen(run: RunState, step: Step, locale: str, _: Translate) -> Screen:
    question = step.prompt.get(locale)
    text = f"<b>{html.escape(question)}</b>\n\n{html.escape(label('other_prompt', locale))}"
    tag = render.step_tag(render.OTHER_PREFIX + step.id)
    keyboard = InlineKeyboardMarkup(
        [[button(label("previous", locale), render.data(run.id, tag, "b"))]]
    )
    return Screen(text, keyboard)


async def _show(
    message: Message | None, chat_id: int, context: Context, screen: Screen, edit: bool
) -> None:
    """Edit the message in place (button answers) or send a new one (typed answers)."""
    if edit and message is not None:
        try:
            await message.edit_text(screen.text, reply_markup=screen.keyboard)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("could not edit message %s, sending a new one", message.message_id)
    await context.bot.send_message(chat_id, screen.text, reply_markup=screen.keyboard)


async def _beneficiary(update: Update, context: Context) -> tuple[Caller, BeneficiaryActor] | None:
    caller = await identify(update, context)
    if caller is None or not isinstance(caller.actor, BeneficiaryActor):
        return None
    return caller, caller.actor


async def open_instrument(update: Update, context: Context) -> None:
    """``q:open:<key>``: start or resume an instrument at its first unanswered step."""
    query = update.callback_query
    found = await _beneficiary(update, context)
    if query is None or query.data is None or found is None:
        if query is not None:
            await query.answer()
        return
    caller, actor = found
    key = query.data.removeprefix(OPEN_PREFIX)
    instrument = instruments().get(key)
    await query.answer()
    if instrument is None:
        return
    await present(update, context, caller, actor, instrument, edit=False)


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
    chat_id = actor.telegram_id
    message = update.effective_message
    if step is None:
        await _at_end(update, context, caller, actor, instrument, run)
        return
    intro = ""
    if not run.answers and instrument.intro is not None:
        intro = instrument.intro.get(caller.locale)
        await context.bot.send_message(chat_id, html.escape(intro))
    screen = question_screen(instrument, run, step, caller.locale, caller._)
    await _show(message, chat_id, context, screen, edit and not intro)


async def resume_command(update: Update, context: Context) -> None:
    """``/reprendre``: continue the questionnaire touched last."""
    found = await _beneficiary(update, context)
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    async with work(context) as session:
        run = await latest_open_run(session, actor)
    instrument = instruments().get(run.instrument_key) if run else None
    if instrument is None:
        await message.reply_text(caller._("You have no questionnaire in progress. See /menu."))
        return
    await present(update, context, caller, actor, instrument, edit=False)


async def on_button(update: Update, context: Context) -> None:
    """Every press on a question's buttons: ``q:<run>:<tag>:<action>[:<arg>]``."""
    query = update.callback_query
    found = await _beneficiary(update, context)
    if query is None or query.data is None:
        return
    if found is None:
        await query.answer()
        return
    caller, actor = found
    parts = query.data.split(":", 4)
    if len(parts) < 4 or not parts[1].isdigit():
        await query.answer()
        return
    run_id, tag, action = int(parts[1]), parts[2], parts[3]
    arg = parts[4] if len(parts) > 4 else ""
    try:
        async with work(context) as session:
            run = await load_own_run(session, actor, run_id)
    except AccessDenied:
        await query.answer(caller._("This button is no longer active."))
        return
    instrument = instruments().get(run.instrument_key)
    if instrument is None:
        await query.answer()
        return
    _ = caller._
    locale = caller.locale
    current = run.current_step or ""
    if run.submitted_at is not None:
        await query.answer(_("This questionnaire has already been sent."))
        return
    if tag != render.step_tag(current):
        await query.answer(_("That question is behind you; here is where you are now."))
        await present(update, context, caller, actor, instrument, edit=False)
        return
    message = update.effective_message
    answering = current != render.RECAP and not current.startswith(render.OTHER_PREFIX)
    step = step_by_id(instrument, run.answers, current) if answering else None
    if step is not None and await _answer_press(
        update, context, caller, actor, instrument, run, step, action, arg
    ):
        return
    await query.answer()
    if current == render.RECAP:
        await _recap_action(update, context, caller, actor, instrument, run, action, arg)
        return
    if current.startswith(render.OTHER_PREFIX):
        step = step_by_id(instrument, run.answers, current.removeprefix(render.OTHER_PREFIX))
        if step is None or action != "b":
            await present(update, context, caller, actor, instrument, edit=True)
            return
        async with work(context) as session:
            await set_position(session, actor, run.id, step.id)
        await _show(
            message,
            actor.telegram_id,
            context,
            question_screen(instrument, run, step, locale, _),
            edit=True,
        )
        return
    if step is None:
        await present(update, context, caller, actor, instrument, edit=True)
        return
    if action == "b":
        await _go_back(update, context, caller, actor, instrument, run, step)
    elif action == "o" and step.question is not None and step.question.other:
        async with work(context) as session:
            await set_position(session, actor, run.id, render.OTHER_PREFIX + step.id)
        await _show(
            message,
            actor.telegram_id,
            context,
            other_prompt_screen(run, step, locale, _),
            edit=True,
        )


async def _answer_press(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run: RunState,
    step: Step,
    action: str,
    arg: str,
) -> bool:
    """A press that answers the question shown (a choice, a tick, "validate"); False for
    any other press. The press is answered once the answer is stored: the update's
    one transaction then holds both the lookup and the write."""
    query = update.callback_query
    assert query is not None
    if action == "a":
        result = parse_button(step, arg)
        await _apply(update, context, caller, actor, instrument, run, step, result, True, query)
        return True
    if step.question is None or action not in ("t", "v"):
        return False
    draft = run.answers.get(render.draft_id(step.id), run.answers.get(step.id))
    if action == "v":
        result = finish_multi(step.question, draft)
        await _apply(update, context, caller, actor, instrument, run, step, result, True, query)
        return True
    toggled = toggle_multi(step.question, draft, arg)
    if isinstance(toggled, Accepted):
        async with work(context) as session:
            await save_answer(
                session, actor, run.id, render.draft_id(step.id), toggled.value, step.id
            )
        run.answers[render.draft_id(step.id)] = toggled.value
    await query.answer()
    if isinstance(toggled, Accepted):
        screen = question_screen(instrument, run, step, caller.locale, caller._)
        await _show(update.effective_message, actor.telegram_id, context, screen, edit=True)
    return True


async def _go_back(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run: RunState,
    step: Step | None,
) -> None:
    current_id = step.id if step else None
    target = previous_step(instrument, run.answers, current_id)
    if target is None:
        return
    async with work(context) as session:
        await set_position(session, actor, run.id, target.id)
    screen = question_screen(instrument, run, target, caller.locale, caller._)
    await _show(update.effective_message, actor.telegram_id, context, screen, edit=True)


async def _apply(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run: RunState,
    step: Step,
    result: Accepted | Rejected,
    edit: bool,
    press: CallbackQuery | None = None,
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
        await _show(update.effective_message, actor.telegram_id, context, screen, edit)
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
        await _at_end(update, context, caller, actor, instrument, run)
        return
    screen = question_screen(instrument, run, following, locale, caller._)
    await _show(update.effective_message, actor.telegram_id, context, screen, edit)


async def _at_end(
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


async def _recap_action(
    update: Update,
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run: RunState,
    action: str,
    arg: str,
) -> None:
    _ = caller._
    locale = caller.locale
    tag = render.step_tag(render.RECAP)
    steps = visible_steps(instrument, run.answers)
    message = update.effective_message
    if action == "s":
        async with work(context) as session:
            await submit_run(session, actor, run.id)
            await notify_submission(session, actor, run.id, instrument.key)
        wake_dispatcher(context)
        log.info("run %s submitted", run.id)
        if message is not None:
            await message.edit_reply_markup(None)
        await context.bot.send_message(
            actor.telegram_id,
            _("Sent. Your counsellor can now read your answers. Thank you for this work!"),
            reply_markup=await next_step_markup(context, actor, instrument.key, caller),
        )
        return
    if action == "e":
        rows = []
        seen: list[str] = []
        for step in steps:
            title = step.section.heading(step.occurrence, locale)
            if title not in seen:
                seen.append(title)
                rows.append([button(title, render.data(run.id, tag, "p", str(step.index)))])
        screen = Screen(_("Which part do you want to change?"), InlineKeyboardMarkup(rows))
        await _show(message, actor.telegram_id, context, screen, edit=True)
        return
    if not arg.isdigit() or int(arg) >= len(steps):
        return
    chosen = steps[int(arg)]
    if action == "p":  # a part: its questions, numbered as their screens number them
        numbers = question_numbers(steps)
        rows = [
            [
                button(
                    shorten(f"{numbers[s.id]}. {s.prompt.get(locale)}")
                    if s.id in numbers
                    else shorten(s.prompt.get(locale)),
                    render.data(run.id, tag, "g", str(s.index)),
                )
            ]
            for s in steps
            if s.section.key == chosen.section.key and s.occurrence == chosen.occurrence
        ]
        screen = Screen(_("Which question?"), InlineKeyboardMarkup(rows))
        await _show(message, actor.telegram_id, context, screen, edit=True)
    elif action == "g":  # one question: show it with its current answer
        async with work(context) as session:
            await set_position(session, actor, run.id, chosen.id)
        screen = question_screen(instrument, run, chosen, locale, _)
        await _show(message, actor.telegram_id, context, screen, edit=True)


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
        draft = run.answers.get(render.draft_id(step.id), run.answers.get(step.id))
        result = parse_other_text(step.question, message.text, draft)
        if step.question.type is QuestionType.MULTI_CHOICE and isinstance(result, Accepted):
            async with work(context) as session:
                await save_answer(
                    session, actor, run.id, render.draft_id(step.id), result.value, step.id
                )
            run.answers[render.draft_id(step.id)] = result.value
            await _show(
                None,
                actor.telegram_id,
                context,
                question_screen(instrument, run, step, locale, caller._),
                edit=False,
            )
            return True
        if isinstance(result, Rejected):
            await message.reply_text(error_message(result, locale))
            return True
        await _apply(update, context, caller, actor, instrument, run, step, result, edit=False)
        return True
    step = step_by_id(instrument, run.answers, current)
    if step is None:
        return False
    # A sticker or a photo reads as an empty answer: the reply says what is expected.
    today = local_today(utcnow(), actor.timezone)
    result = parse_step_text(step, message.text or "", locale, today)
    await _apply(update, context, caller, actor, instrument, run, step, result, edit=False)
    return True
