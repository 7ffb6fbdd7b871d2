"""What the project and the action plan look like, to the counsellor and to the beneficiary.

Builders only: they read what storage gives them and return
:class:`~bot.kit.screens.Screen` values; the press table (:mod:`.presses`)
and the typed-text flow (:mod:`.typed`) decide which one comes next. The
buttons' data follow the grammar of :mod:`.presses`. The follow-up feature
reads the plan's dates and the card's button from here too.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.i18n import N_, Translate
from bot.keyboards import button
from bot.kit.screens import Screen, ask_once, e
from dialogues.typography import shorten
from storage.actors import CounsellorActor, PersonActor
from storage.people import get_beneficiary
from storage.plans import PROJECT_FIELDS, Plan, Step, read_plan

COUNSELLOR_PREFIX = "pl:c:"
# bot.features.card.lists.CARD_PREFIX, written out: the card imports the follow-up's card
# lines, which import this module.
CARD_PREFIX = "c:"

CARD_BUTTON = N_("📝 Project and action plan")
BUTTON_TITLE = 40


def _short(text: str, limit: int = BUTTON_TITLE) -> str:
    return shorten(text, limit)


def day_text(day: date, locale: str) -> str:
    return format_date(day, format="d MMMM y", locale=locale)


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def _project_lines(plan: Plan, _: Translate) -> list[str]:
    missing = "<i>" + _("not written yet") + "</i>"
    return [
        _("<b>Main project:</b> {text}").format(text=e(plan.main) if plan.main else missing),
        _("<b>Alternative project:</b> {text}").format(
            text=e(plan.alternative) if plan.alternative else missing
        ),
        _("<b>Training project, if any:</b> {text}").format(
            text=e(plan.training) if plan.training else missing
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
        mark=mark, number=number, title=e(step.title), date=when
    )
    return f"{line} ({state})" if state else line


def _steps_lines(plan: Plan, today: date, locale: str, _: Translate) -> list[str]:
    lines = ["", _("<b>Action plan</b>")]
    if not plan.steps:
        lines.append("<i>" + _("No steps yet.") + "</i>")
    for number, step in enumerate(plan.steps, start=1):
        lines.append(_step_line(number, step, today, locale, _))
    return lines


def counsellor_screen(plan: Plan, name: str, today: date, locale: str, _: Translate) -> Screen:
    """The plan as the counsellor writes it: the projects, the steps, a button for each change."""
    bid = plan.beneficiary_id
    lines = [_("<b>📝 Project and action plan — {name}</b>").format(name=e(name)), ""]
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
    return Screen("\n".join(lines), rows)


def beneficiary_screen(plan: Plan, today: date, locale: str, _: Translate) -> Screen:
    """The plan as the beneficiary follows it: tick a step, withdraw a proposal, propose one."""
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
    return Screen("\n".join(lines), rows)


async def screen_for(
    session: AsyncSession, actor: PersonActor, beneficiary_id: int, locale: str, _: Translate
) -> Screen:
    """The plan as this actor sees it (a counsellor's reading is audited by storage)."""
    plan = await read_plan(session, actor, beneficiary_id)
    today = today_in(actor.timezone)
    if isinstance(actor, CounsellorActor):
        person = await get_beneficiary(session, actor, beneficiary_id)
        return counsellor_screen(plan, person.name, today, locale, _)
    return beneficiary_screen(plan, today, locale, _)


def typing_rows(_: Translate) -> list[list[InlineKeyboardButton]]:
    """While the bot waits for typed text: one button to stop, back to the plan."""
    return [[button(_("Cancel"), "pl:x")]]


def prompt(field: str, name: str, _: Translate) -> str:
    """What to type for ``field`` (a project, or a step's title), about ``name``'s plan."""
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
    text = text.format(name=e(name))
    if field in PROJECT_FIELDS:
        text += "\n" + _("(Send - on its own to clear it.)")
    return text


def prompt_screen(field: str, name: str, _: Translate) -> Screen:
    return Screen(prompt(field, name, _), typing_rows(_))


def date_prompt_screen(title: str, _: Translate) -> Screen:
    text = _(
        "<b>{title}</b>\nBy when? Type a date, e.g. 30 November 2026 or 2026-11-30, "
        "or a month: 11/2026."
    ).format(title=e(title))
    return Screen(text, typing_rows(_))


def removal_screen(step: Step, _: Translate) -> Screen:
    """The counsellor confirms a step's removal, or goes back to the plan."""
    return ask_once(
        _("Remove the step “{title}” from the plan?").format(title=e(step.title)),
        button(_("🗑 Remove it"), f"pl:r:{step.id}:ok"),
        button(_("Cancel"), f"{COUNSELLOR_PREFIX}{step.beneficiary_id}"),
    )


def too_long(limit: int, _: Translate) -> str:
    return _("That is a little long: {max} characters at most, please.").format(max=limit)
