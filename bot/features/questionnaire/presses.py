"""Every press in a questionnaire, as one table (``q:``).

``q:pick:<entry>`` shows a menu entry's instruments, ``q:open:<key>`` starts
or resumes one, ``q:mine:<run>`` shows the person what they sent. Every
other press was shown for one step of one run,
``q:<run>:<tag>:<action>[:<arg>]``, and counts only while the run still
stands at that step: a press from a screen the person has moved past is told
so and shown where they are. The actions: ``a`` a choice, ``t`` a tick and
``v`` "validate" answer the question; ``b`` goes back, ``o`` asks for the
person's own words; at the recap, ``e`` picks a part, ``p`` a question of it,
``g`` goes to it, and ``s`` sends the whole to the counsellor.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.features.questionnaire import render
from bot.features.questionnaire.finish import (
    SCORED_KINDS,
    next_step_markup,
    notify_submission,
    recap_messages,
    send_result,
)
from bot.features.questionnaire.flow import apply, instruments, keep_ticks, present
from bot.features.questionnaire.pick import entry_screen
from bot.features.questionnaire.screens import (
    other_prompt_screen,
    parts_screen,
    question_screen,
    questions_screen,
)
from bot.kit.presses import Press, Presses, Reply, Shown, new_message
from bot.kit.refusals import STALE
from bot.kit.screens import Screen, Stale, count, e, number
from bot.menu import family
from bot.replies import reply_lines
from bot.runtime import wake_dispatcher, work
from dialogues.engine import (
    Accepted,
    Step,
    finish_multi,
    parse_button,
    previous_step,
    step_by_id,
    toggle_multi,
    visible_steps,
)
from dialogues.instruments import Instrument
from storage.actors import BeneficiaryActor
from storage.responses import (
    RunState,
    load_own_run,
    read_run,
    set_position,
    submit_run,
)

log = logging.getLogger(__name__)

ALONE = ("open", "mine", "pick")
"""The presses that are not shown for a step of a run: their one argument follows the verb."""


class QuestionPresses(Presses):
    """The table whose step presses put the run and the step first, the action after."""

    def split(self, data: str) -> tuple[str, tuple[str, ...]]:
        parts = data.split(":", 4)
        if len(parts) == 3 and parts[1] in ALONE:
            return parts[1], (parts[2],)
        if len(parts) < 4:
            return "", ()
        return parts[3], (parts[1], parts[2], *parts[4:])


PRESSES = QuestionPresses("q", denied=STALE, means={KeyError: Stale})
"""A run that is not the person's (``AccessDenied``) or an instrument no longer offered is
an old button."""


@PRESSES.on("pick", who=BeneficiaryActor)
async def pick(press: Press) -> Reply:
    """``q:pick:<entry>``: a menu entry's instruments, under the menu."""
    entry = family(press.arg(0))
    if entry is None:
        raise Stale("no such entry")
    async with work(press.context) as session:
        screen = await entry_screen(session, press.caller, entry)
    return new_message(screen)


@PRESSES.on("open", who=BeneficiaryActor)
async def open_instrument(press: Press) -> None:
    """``q:open:<key>``: start or resume an instrument at its first unanswered step."""
    instrument = instruments()[press.arg(0)]
    await press.answer()
    await _where_now(press, instrument, in_place=False)


@PRESSES.on("mine", who=BeneficiaryActor)
async def see_mine(press: Press) -> Shown:
    """``q:mine:<run>``: the person looks at what they sent, or at their result."""
    me, locale = press.beneficiary, press.caller.locale
    async with work(press.context) as session:
        run = await read_run(session, me, number(press.arg(0)))
    instrument = instruments()[run.instrument_key]
    await press.answer()
    if instrument.kind in SCORED_KINDS and run.result is not None:
        await send_result(press.context, me.telegram_id, instrument.kind, run.result, locale)
        return None
    if press.update.effective_message is not None:
        title = f"<b>{e(instrument.title.get(locale))}</b>"
        lines = [title, "", *recap_messages(instrument, run.answers, locale)]
        await reply_lines(press.update.effective_message, lines)
    return None


async def _where_now(press: Press, instrument: Instrument, *, in_place: bool) -> None:
    """Where the person stands in ``instrument``: a question, or the end."""
    await present(
        press.update, press.context, press.caller, press.beneficiary, instrument, in_place
    )


async def _standing(press: Press) -> tuple[RunState, Instrument] | None:
    """The run the press was shown for, still at the step it was shown for; ``None`` once
    the person was told it is sent, or shown where they are now."""
    async with work(press.context) as session:
        run = await load_own_run(session, press.beneficiary, number(press.arg(0)))
    instrument = instruments()[run.instrument_key]
    if run.submitted_at is not None:
        await press.answer(press._("This questionnaire has already been sent."))
        return None
    if press.arg(1) != render.step_tag(run.current_step or ""):
        await press.answer(press._("That question is behind you; here is where you are now."))
        await _where_now(press, instrument, in_place=False)
        return None
    return run, instrument


def _value(press: Press) -> str:
    return press.args[2] if len(press.args) > 2 else ""


@dataclass(frozen=True)
class AtQuestion:
    """The run of a press, standing at the question the press was shown for."""

    run: RunState
    instrument: Instrument
    step: Step


@dataclass(frozen=True)
class AtRecap:
    """The run of a press, standing at its recap, and the steps its answers show."""

    run: RunState
    instrument: Instrument
    steps: list[Step]


Where = TypeVar("Where", AtQuestion, AtRecap)
StandingPress = Callable[[Press, Where], Awaitable[Shown]]
"""A press function that runs only while the run stands where it was shown."""


def _standing_at(
    where: Callable[[Press], Awaitable[Where | None]], verbs: tuple[str, ...]
) -> Callable[[StandingPress[Where]], StandingPress[Where]]:
    """Decorator: ``function`` answers ``verbs`` while ``where`` finds the run standing
    there, and is handed what it found."""

    def register(function: StandingPress[Where]) -> StandingPress[Where]:
        async def pressed(press: Press) -> Shown:
            found = await where(press)
            return None if found is None else await function(press, found)

        PRESSES.on(*verbs, who=BeneficiaryActor)(pressed)
        return function

    return register


def at_question(*verbs: str) -> Callable[[StandingPress[AtQuestion]], StandingPress[AtQuestion]]:
    """Decorator: a press on the question shown, which gets the run where it stands."""
    return _standing_at(_at_question, verbs)


def at_recap(*verbs: str) -> Callable[[StandingPress[AtRecap]], StandingPress[AtRecap]]:
    """Decorator: a press on the recap, which gets the run and the steps it shows."""
    return _standing_at(_at_recap, verbs)


async def _at_question(press: Press) -> AtQuestion | None:
    """:func:`_standing`, at a question (not the recap, not the "other" prompt)."""
    standing = await _standing(press)
    if standing is None:
        return None
    run, instrument = standing
    current = run.current_step or ""
    if current == render.RECAP or current.startswith(render.OTHER_PREFIX):
        raise Stale("not at a question")
    step = step_by_id(instrument, run.answers, current)
    if step is None:  # the answers before it now hide it: where the person stands instead
        await press.answer()
        await _where_now(press, instrument, in_place=True)
        return None
    return AtQuestion(run, instrument, step)


@at_question("a", "v")
async def answer(press: Press, at: AtQuestion) -> None:
    """A choice (``a``), or "validate" of ticked choices (``v``): stored, then what is next.
    The press is answered once the answer is stored."""
    run, instrument, step = at.run, at.instrument, at.step
    if press.verb == "a":
        result = parse_button(step, _value(press))
    elif step.question is not None:
        result = finish_multi(step.question, render.ticked_so_far(run.answers, step.id))
    else:
        raise Stale("nothing to validate")
    me = press.beneficiary
    await apply(
        press.update, press.context, press.caller, me, instrument, run, step, result, True, press
    )


@at_question("t")
async def tick(press: Press, at: AtQuestion) -> Screen | None:
    """One choice of several ticked or unticked: kept as a draft until "validate"."""
    run, instrument, step = at.run, at.instrument, at.step
    if step.question is None:
        raise Stale("nothing to tick")
    draft = render.ticked_so_far(run.answers, step.id)
    toggled = toggle_multi(step.question, draft, _value(press))
    if not isinstance(toggled, Accepted):
        return None
    await keep_ticks(press.context, press.beneficiary, run, step, toggled.value)
    return question_screen(instrument, run, step, press.caller.locale, press._)


@at_question("o")
async def other(press: Press, at: AtQuestion) -> Screen:
    """The person's own words for "Other" are asked, to be typed."""
    run, step = at.run, at.step
    if step.question is None or not step.question.other:
        raise Stale("no other")
    async with work(press.context) as session:
        await set_position(session, press.beneficiary, run.id, render.OTHER_PREFIX + step.id)
    return other_prompt_screen(run, step, press.caller.locale)


@PRESSES.on("b", who=BeneficiaryActor)
async def back(press: Press) -> Screen | None:
    """The question before ("Previous"); from the "other" prompt, its question again."""
    standing = await _standing(press)
    if standing is None:
        return None
    run, instrument = standing
    current = run.current_step or ""
    if current == render.RECAP:
        raise Stale("no back from the recap")
    other_words = current.startswith(render.OTHER_PREFIX)
    step = step_by_id(instrument, run.answers, current.removeprefix(render.OTHER_PREFIX))
    await press.answer()
    if step is None:  # the answers before it now hide it: where the person stands instead
        await _where_now(press, instrument, in_place=True)
        return None
    target = step if other_words else previous_step(instrument, run.answers, step.id)
    if target is None:  # the first question: nothing before it
        return None
    async with work(press.context) as session:
        await set_position(session, press.beneficiary, run.id, target.id)
    return question_screen(instrument, run, target, press.caller.locale, press._)


async def _at_recap(press: Press) -> AtRecap | None:
    """:func:`_standing`, at the recap: the run, its instrument and its visible steps."""
    standing = await _standing(press)
    if standing is None:
        return None
    run, instrument = standing
    if run.current_step != render.RECAP:
        raise Stale("not at the recap")
    return AtRecap(run, instrument, visible_steps(instrument, run.answers))


def _chosen(press: Press, steps: list[Step]) -> Step:
    """The step whose index the press names; an index these answers do not show is stale."""
    index = count(_value(press))
    if index >= len(steps):
        raise Stale("no such step")
    return steps[index]


@at_recap("s")
async def submit(press: Press, at: AtRecap) -> Shown:
    """The whole run sent ("Send to my counsellor"), the counsellor told, what next offered."""
    run, instrument = at.run, at.instrument
    me = press.beneficiary
    async with work(press.context) as session:
        await submit_run(session, me, run.id)
        await notify_submission(session, me, run.id, instrument.key)
    wake_dispatcher(press.context)
    log.info("run %s submitted", run.id)
    await press.answer()
    if press.update.effective_message is not None:
        await press.update.effective_message.edit_reply_markup(None)
    markup = await next_step_markup(press.context, me, instrument.key, press.caller)
    sent = Screen(
        press._("Sent. Your counsellor can now read your answers. Thank you for this work!"),
        list(map(list, markup.inline_keyboard)) if markup is not None else [],
    )
    return new_message(sent)


@at_recap("e")
async def change(press: Press, at: AtRecap) -> Screen:
    """Which part to change ("Change an answer")."""
    return parts_screen(at.run, at.steps, press.caller.locale, press._)


@at_recap("p")
async def part(press: Press, at: AtRecap) -> Screen:
    """A part: which of its questions."""
    chosen = _chosen(press, at.steps)
    return questions_screen(at.run, at.steps, chosen, press.caller.locale, press._)


@at_recap("g")
async def go_to(press: Press, at: AtRecap) -> Screen:
    """One question: shown with its current answer, to be answered again."""
    run, instrument = at.run, at.instrument
    chosen = _chosen(press, at.steps)
    async with work(press.context) as session:
        await set_position(session, press.beneficiary, run.id, chosen.id)
    return question_screen(instrument, run, chosen, press.caller.locale, press._)
