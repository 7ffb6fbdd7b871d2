"""The professional project and the action plan, in Telegram.

The counsellor opens it from a beneficiary's card ("📝 Project and action
plan") and writes the main and alternative project and the steps, each with
a target date; the beneficiary sees it with ``/plan``, ticks steps done (or
not done again) and may propose a step, which the counsellor agrees to with
one button. Typing takes several messages (a title, then its date): what the
bot waits for is stored by :mod:`storage.plans`, never kept in memory, so the
router asks :func:`handle_text` and ``/annuler`` calls :func:`cancel`.

Callback grammar (all under ``pl:``; every id is re-checked by ``storage.plans``)::

    pl:me                (beneficiary) my plan
    pl:d:<step>:<1|0>    (beneficiary) mark a step done / not done
    pl:p                 (beneficiary) propose a step: its title, then its date
    pl:w:<step>          (beneficiary) withdraw my pending proposal
    pl:c:<beneficiary>   (counsellor) the plan of one of their beneficiaries
    pl:m:<beneficiary>   (counsellor) type the main project
    pl:a:<beneficiary>   (counsellor) type the alternative project
    pl:f:<beneficiary>   (counsellor) type the training project, if the plan needs one
    pl:s:<beneficiary>   (counsellor) add a step: its title, then its date
    pl:v:<step>          (counsellor) agree to a proposed step
    pl:r:<step>[:ok]     (counsellor) remove a step, once confirmed
    pl:x                 stop typing, back to the plan
"""

from __future__ import annotations

import html
import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from bot.handlers.onboarding import stranger_text
from bot.i18n import N_, Translate
from bot.keyboards import button
from bot.kit.door import Flow
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from bot.replies import settle_press, show_screen
from bot.runtime import Caller, Context, identify, wake_dispatcher, work
from dialogues.engine import Rejected
from dialogues.followup import parse_target_date
from dialogues.messages import error_message
from dialogues.typography import shorten
from storage.actors import (
    AccessDenied,
    BeneficiaryActor,
    CounsellorActor,
    PersonActor,
    load_beneficiary_for,
)
from storage.outbox import ClaimedMessage
from storage.people import get_beneficiary
from storage.plans import FLOW as PLAN_FLOW
from storage.plans import (
    PROJECT_FIELDS,
    PROJECT_MAX,
    PROPOSED_KIND,
    TITLE_MAX,
    InputField,
    PendingInput,
    Plan,
    ProjectField,
    Step,
    add_step,
    agree_step,
    pending_input,
    read_plan,
    read_step,
    remove_step,
    set_project,
    set_step_done,
    start_input,
    stop_input,
)

log = logging.getLogger(__name__)

PREFIX = "pl:"
CALLBACK_PATTERN = r"^pl:"
MINE = "pl:me"
COUNSELLOR_PREFIX = "pl:c:"
# bot.handlers.card.CARD_PREFIX, written out: the card imports the follow-up helpers,
# which import this module.
CARD_PREFIX = "c:"

CARD_BUTTON = N_("📝 Project and action plan")
COMMANDS = [("plan", N_("Your professional project and action plan"))]

CLEAR = "-"
FIELDS: dict[str, InputField] = {
    "m": "main",
    "a": "alternative",
    "f": "training",
    "s": "step_title",
}
BUTTON_TITLE = 40


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _short(text: str, limit: int = BUTTON_TITLE) -> str:
    return shorten(text, limit)


def day_text(day: date, locale: str) -> str:
    return format_date(day, format="d MMMM y", locale=locale)


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


# --- screens ---------------------------------------------------------------------------


def _project_lines(plan: Plan, _: Translate) -> list[str]:
    missing = "<i>" + _("not written yet") + "</i>"
    return [
        _("<b>Main project:</b> {text}").format(text=_e(plan.main) if plan.main else missing),
        _("<b>Alternative project:</b> {text}").format(
            text=_e(plan.alternative) if plan.alternative else missing
        ),
        _("<b>Training project, if any:</b> {text}").format(
            text=_e(plan.training) if plan.training else missing
        ),
    ]


def _step_line(number: int, step: Step, today: date, locale: str, _: Translate) -> str:
    when = day_text(step.target_date, locale)
    if not step.agreed:
        mark = "💡"
        state = _("proposed, waiting for agreement")
    elif step.done:
        mark, state = "✅", _("completed")
    elif step.target_date < today:
        mark, state = "⬜", _("⚠️ past its date")
    else:
        mark, state = "⬜", ""
    line = _("{mark} {number}. {title} — by {date}").format(
        mark=mark, number=number, title=_e(step.title), date=when
    )
    return f"{line} ({state})" if state else line


def _steps_lines(plan: Plan, today: date, locale: str, _: Translate) -> list[str]:
    lines = ["", _("<b>Action plan</b>")]
    if not plan.steps:
        lines.append("<i>" + _("No steps yet.") + "</i>")
    for number, step in enumerate(plan.steps, start=1):
        lines.append(_step_line(number, step, today, locale, _))
    return lines


def counsellor_screen(
    plan: Plan, name: str, today: date, locale: str, _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    bid = plan.beneficiary_id
    lines = [_("<b>📝 Project and action plan — {name}</b>").format(name=_e(name)), ""]
    lines += _project_lines(plan, _)
    lines += _steps_lines(plan, today, locale, _)
    rows: list[list[InlineKeyboardButton]] = [
        [
            button(_("✏️ Main project"), f"pl:m:{bid}"),
            button(_("✏️ Alternative project"), f"pl:a:{bid}"),
        ],
        [button(_("✏️ Training project"), f"pl:f:{bid}")],
        [button(_("➕ Add a step"), f"pl:s:{bid}")],
    ]
    for number, step in enumerate(plan.steps, start=1):
        if not step.agreed:
            label = _("✅ Agree to {number}. {title}").format(
                number=number, title=_short(step.title)
            )
            rows.append([button(label, f"pl:v:{step.id}")])
        label = _("🗑 Remove {number}. {title}").format(number=number, title=_short(step.title))
        rows.append([button(label, f"pl:r:{step.id}")])
    rows.append([button(_("⬅️ Back to the card"), f"{CARD_PREFIX}{bid}")])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def beneficiary_screen(
    plan: Plan, today: date, locale: str, _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("<b>📝 My professional project and action plan</b>"), ""]
    if plan.is_empty:
        lines.append(
            _(
                "Your project and your action plan are written with your counsellor "
                "in the conclusion phase of the bilan. You can already propose a step."
            )
        )
    else:
        lines += _project_lines(plan, _)
        lines += _steps_lines(plan, today, locale, _)
    rows: list[list[InlineKeyboardButton]] = []
    for number, step in enumerate(plan.steps, start=1):
        title = _short(step.title)
        if not step.agreed:
            if step.proposed_by == "beneficiary":
                label = _("✖️ Withdraw my proposal {number}. {title}")
                rows.append([button(label.format(number=number, title=title), f"pl:w:{step.id}")])
        elif step.done:
            label = _("↩️ Not done after all: {number}. {title}")
            rows.append([button(label.format(number=number, title=title), f"pl:d:{step.id}:0")])
        else:
            label = _("✅ Done: {number}. {title}")
            rows.append([button(label.format(number=number, title=title), f"pl:d:{step.id}:1")])
    rows.append([button(_("💡 Propose a step"), "pl:p")])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _screen_for(
    session: AsyncSession, actor: PersonActor, beneficiary_id: int, locale: str, _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    """The plan as this actor sees it (a counsellor's reading is audited by storage)."""
    plan = await read_plan(session, actor, beneficiary_id)
    today = today_in(actor.timezone)
    if isinstance(actor, CounsellorActor):
        person = await get_beneficiary(session, actor, beneficiary_id)
        return counsellor_screen(plan, person.name, today, locale, _)
    return beneficiary_screen(plan, today, locale, _)


def _typing_markup(_: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(_("Cancel"), "pl:x")]])


def _prompt(field: str, name: str, _: Translate) -> str:
    if field == "main":
        text = _("Write {name}'s main professional project in one message.")
    elif field == "alternative":
        text = _("Write {name}'s alternative professional project in one message.")
    elif field == "training":
        text = _(
            "Write the training {name}'s project needs, if any, in one message: the course, "
            "the provider, its length, the funding in view."
        )
    else:
        text = _("Write the step in one message, for example “Meet two wind turbine technicians”.")
    text = text.format(name=_e(name))
    if field in PROJECT_FIELDS:
        text += "\n" + _("(Send - on its own to clear it.)")
    return text


def _date_prompt(title: str, _: Translate) -> str:
    return _(
        "<b>{title}</b>\nBy when? Type a date, e.g. 30 November 2026 or 2026-11-30, "
        "or a month: 11/2026."
    ).format(title=_e(title))


# --- entry points ----------------------------------------------------------------------


async def _caller(update: Update, context: Context) -> tuple[Caller, PersonActor] | None:
    caller = await identify(update, context)
    if caller is None:
        return None
    if caller.actor is None:
        message = update.effective_message
        if message is not None:
            await message.reply_text(stranger_text(caller._, caller.retired))
        return None
    return caller, caller.actor


async def plan_command(update: Update, context: Context) -> None:
    """``/plan``: the beneficiary's own plan (a counsellor opens one from a card)."""
    found = await _caller(update, context)
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    if isinstance(actor, CounsellorActor):
        await message.reply_text(
            caller._("Open a beneficiary's card with /beneficiaires to see their action plan.")
        )
        return
    async with work(context) as session:
        await stop_input(session, actor)
        text, markup = await _screen_for(
            session, actor, actor.beneficiary_id, caller.locale, caller._
        )
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


def _ids(parts: list[str], count: int) -> list[int]:
    """``count`` numeric ids from callback parts, or AccessDenied (forged or malformed)."""
    if len(parts) < count or not all(p.isdigit() and len(p) <= 12 for p in parts[:count]):
        raise AccessDenied("malformed id")
    return [int(p) for p in parts[:count]]


async def on_button(update: Update, context: Context) -> None:
    """Every ``pl:`` press."""
    query = update.callback_query
    found = await _caller(update, context)
    if query is None or query.data is None:
        return
    message = update.effective_message
    if found is None or message is None:
        await query.answer()
        return
    caller, actor = found
    _ = caller._
    action, *parts = query.data.removeprefix(PREFIX).split(":")
    press = (
        _beneficiary_press(context, message, caller, actor, action, parts)
        if isinstance(actor, BeneficiaryActor)
        else _counsellor_press(context, message, caller, actor, action, parts)
    )
    await settle_press(query, caller._, "plan", actor, press)


async def _beneficiary_press(
    context: Context,
    message: Message,
    caller: Caller,
    actor: BeneficiaryActor,
    action: str,
    parts: list[str],
) -> str | None:
    _ = caller._
    me = actor.beneficiary_id
    async with work(context) as session:
        if action == "p":
            await start_input(session, actor, me, "step_title")
            await message.reply_text(_prompt("step_title", "", _), reply_markup=_typing_markup(_))
            return None
        if action == "d":
            (step_id,) = _ids(parts, 1)
            done = len(parts) > 1 and parts[1] == "1"
            await set_step_done(session, actor, step_id, done)
            notice = _("Well done!") if done else None
        elif action == "w":
            (step_id,) = _ids(parts, 1)
            await remove_step(session, actor, step_id)
            notice = _("Proposal withdrawn.")
        elif action in ("me", "x"):
            await stop_input(session, actor)
            notice = None
        else:
            raise AccessDenied("unknown plan action")
        text, markup = await _screen_for(session, actor, me, caller.locale, _)
    await show_screen(message, text, markup, edit=action in ("d", "w"))
    return notice


async def _counsellor_press(
    context: Context,
    message: Message,
    caller: Caller,
    actor: CounsellorActor,
    action: str,
    parts: list[str],
) -> str | None:
    _ = caller._
    locale = caller.locale
    async with work(context) as session:
        if action == "x":
            waiting = await pending_input(session, actor)
            await stop_input(session, actor)
            if waiting is None:
                return None
            text, markup = await _screen_for(session, actor, waiting.beneficiary_id, locale, _)
            await show_screen(message, text, markup, edit=True)
            return None
        if action in ("c", "m", "a", "f", "s"):
            (bid,) = _ids(parts, 1)
            if action == "c":
                await stop_input(session, actor)
                text, markup = await _screen_for(session, actor, bid, locale, _)
                await show_screen(message, text, markup, edit=True)
                return None
            field = FIELDS[action]
            await start_input(session, actor, bid, field)
            person = await get_beneficiary(session, actor, bid)
            await message.reply_text(
                _prompt(field, person.name, _),
                parse_mode=ParseMode.HTML,
                reply_markup=_typing_markup(_),
            )
            return None
        (step_id,) = _ids(parts, 1)
        if action == "v":
            step = await agree_step(session, actor, step_id)
            bid, notice = step.beneficiary_id, _("Step agreed.")
        elif action == "r" and parts[1:2] == ["ok"]:
            bid, notice = await remove_step(session, actor, step_id), _("Step removed.")
        elif action == "r":
            plan_text, bid = await _removal_question(session, actor, step_id, _)
            markup = InlineKeyboardMarkup(
                [
                    [button(_("🗑 Remove it"), f"pl:r:{step_id}:ok")],
                    [button(_("Cancel"), f"{COUNSELLOR_PREFIX}{bid}")],
                ]
            )
            await show_screen(message, plan_text, markup, edit=True)
            return None
        else:
            raise AccessDenied("unknown plan action")
        text, markup = await _screen_for(session, actor, bid, locale, _)
    await show_screen(message, text, markup, edit=True)
    return notice


async def _removal_question(
    session: AsyncSession, actor: CounsellorActor, step_id: int, _: Translate
) -> tuple[str, int]:
    step = await read_step(session, actor, step_id)
    text = _("Remove the step “{title}” from the plan?").format(title=_e(step.title))
    return text, step.beneficiary_id


# --- typed text ------------------------------------------------------------------------


async def handle_text(update: Update, context: Context) -> bool:
    """A message while the bot waits for a project or a step; False if it waits for none."""
    message = update.effective_message
    if message is None or update.edited_message is not None:
        return False
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return False
    actor = caller.actor
    async with work(context) as session:
        waiting = await pending_input(session, actor)
    if waiting is None:
        return False
    _ = caller._
    if not message.text:
        await message.reply_text(_("Please type your answer as a message, or press Cancel."))
        return True
    try:
        await _typed(update, context, message, caller, actor, waiting, message.text)
    except AccessDenied:
        async with work(context) as session:
            await stop_input(session, actor)
        await message.reply_text(_("This plan is not available to you."))
    return True


TEXT_FLOWS = (
    Flow(
        (PLAN_FLOW,), handle_text, lambda _wait, _: _("what you were typing into the action plan")
    ),
)


async def _typed(
    update: Update,
    context: Context,
    message: Message,
    caller: Caller,
    actor: PersonActor,
    waiting: PendingInput,
    text: str,
) -> None:
    _ = caller._
    bid = waiting.beneficiary_id
    if waiting.field in PROJECT_FIELDS:
        value = None if text.strip() == CLEAR else text
        if value is not None and len(value.strip()) > PROJECT_MAX:
            await message.reply_text(_too_long(PROJECT_MAX, _))
            return
        which: ProjectField = next(f for f in PROJECT_FIELDS if f == waiting.field)
        async with work(context) as session:
            await set_project(session, actor, bid, which, value)
            await stop_input(session, actor)
            screen = await _screen_for(session, actor, bid, caller.locale, _)
        await message.reply_text(screen[0], parse_mode=ParseMode.HTML, reply_markup=screen[1])
        return
    if waiting.field == "step_title":
        title = text.strip()
        if len(title) > TITLE_MAX:
            await message.reply_text(_too_long(TITLE_MAX, _))
            return
        async with work(context) as session:
            await start_input(session, actor, bid, "step_date", draft=title)
        await message.reply_text(
            _date_prompt(title, _), parse_mode=ParseMode.HTML, reply_markup=_typing_markup(_)
        )
        return
    result = parse_target_date(text, caller.locale)
    if isinstance(result, Rejected):
        await message.reply_text(
            error_message(result, caller.locale), reply_markup=_typing_markup(_)
        )
        return
    assert isinstance(result.value, str)
    target = date.fromisoformat(result.value)
    if target < today_in(actor.timezone):
        await message.reply_text(
            _("That date has passed: give a date to come."), reply_markup=_typing_markup(_)
        )
        return
    if waiting.draft is None:
        async with work(context) as session:
            await start_input(session, actor, bid, "step_title")
        await message.reply_text(_prompt("step_title", "", _), reply_markup=_typing_markup(_))
        return
    try:
        async with work(context) as session:
            await add_step(session, actor, bid, waiting.draft, target)
            await stop_input(session, actor)
            screen = await _screen_for(session, actor, bid, caller.locale, _)
    except ValueError:
        async with work(context) as session:
            await stop_input(session, actor)
        await message.reply_text(_("The plan already has as many steps as it can hold."))
        return
    if isinstance(actor, BeneficiaryActor):
        wake_dispatcher(context)
        await message.reply_text(_("Proposed: your counsellor will look at it."))
    await message.reply_text(screen[0], parse_mode=ParseMode.HTML, reply_markup=screen[1])


def _too_long(limit: int, _: Translate) -> str:
    return _("That is a little long: {max} characters at most, please.").format(max=limit)


# --- the counsellor's notice of a proposal ----------------------------------------------

PROPOSED_TEXT = N_("{name} proposes a new step for their action plan. It waits for your agreement.")


@register(PROPOSED_KIND)
async def render_proposed(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Names the beneficiary to their own counsellor; the step's text stays behind the button."""
    actor = context.counsellor_actor()
    if actor is None or row.beneficiary_id is None:
        return None
    async with context.db.transaction() as session:
        try:
            beneficiary = await load_beneficiary_for(session, actor, row.beneficiary_id)
        except AccessDenied:
            return None
        name = beneficiary.name
    _ = context._
    keyboard = InlineKeyboardMarkup(
        [[button(_(CARD_BUTTON), f"{COUNSELLOR_PREFIX}{row.beneficiary_id}")]]
    )
    return OutgoingMessage(
        _(PROPOSED_TEXT).format(name=_e(name)), parse_mode=ParseMode.HTML, keyboard=keyboard
    )
