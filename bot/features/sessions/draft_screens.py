"""The questions of the scheduling and moving dialogue.

With whom, which day, what hour, how long, in which mode, at which place.
"""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date, format_time
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.caseload import active_beneficiaries, beneficiary_rows
from bot.datetime_input import local_today, to_utc
from bot.features.sessions.draft import COMMON_HOURS, DAY_PAGES, DAYS_PER_PAGE, DURATIONS
from bot.features.sessions.texts import BENEFICIARY_PREFIX, page
from bot.i18n import Translate
from bot.keyboards import button
from bot.kit.screens import Screen
from bot.moments import day_text, duration_text
from bot.runtime import Caller
from dialogues.typography import shorten
from storage import sessions as store
from storage.actors import CounsellorActor
from storage.models import utcnow
from storage.sessions import SessionMode


async def picker_screen(session: AsyncSession, caller: Caller, actor: CounsellorActor) -> Screen:
    _ = caller._
    people = await active_beneficiaries(session, actor)
    if not people:
        return page(
            _(
                "None of your beneficiaries has accepted their invitation yet: a session can be "
                "scheduled once they have. Invite someone with /invite First Last."
            )
        )
    await store.save_dialogue(session, actor, "session", "ben")
    rows = beneficiary_rows(people, BENEFICIARY_PREFIX)
    rows.append([button(_("✖ Cancel"), "s:x")])
    return page(_("<b>New session.</b> With whom?"), rows)


def day_rows(
    _: Translate, locale: str, today: date, page: int, prefix: str, more: str
) -> list[list[InlineKeyboardButton]]:
    """Buttons for the next days, three a row, and one to see the following ones."""
    first = today + timedelta(days=page * DAYS_PER_PAGE)
    days = [first + timedelta(days=i) for i in range(DAYS_PER_PAGE)]
    rows = [
        [
            button(format_date(d, "EEE d MMM", locale=locale), f"{prefix}{d:%Y%m%d}")
            for d in days[i : i + 3]
        ]
        for i in range(0, len(days), 3)
    ]
    if page + 1 < DAY_PAGES:
        rows.append([button(_("Later ▶"), f"{more}{page + 1}")])
    return rows


def day_screen(caller: Caller, actor: CounsellorActor, heading: str, shown: int = 0) -> Screen:
    """The days from page ``shown`` of the calendar (12 a page)."""
    _ = caller._
    today = local_today(utcnow(), actor.timezone)
    text = "\n".join(
        [
            heading,
            "",
            _(
                "When? Type the day and time, for example “03/12 2:30pm”, “Tuesday 2pm”, "
                "“tomorrow 10am” or “Thursday 2pm-3:30pm”, or choose a day:"
            ),
        ]
    )
    rows = day_rows(_, caller.locale, today, shown, "s:d:", "s:dp:")
    rows.append([button(_("✖ Cancel"), "s:x")])
    return page(text, rows)


def hour_screen(caller: Caller, actor: CounsellorActor, heading: str, day: date) -> Screen:
    _ = caller._
    now = utcnow()
    hours = [h for h in COMMON_HOURS if to_utc(day, h, actor.timezone) > now]
    rows = [
        [
            button(format_time(h, "short", locale=caller.locale), f"s:h:{h:%H%M}")
            for h in hours[i : i + 4]
        ]
        for i in range(0, len(hours), 4)
    ]
    rows.append([button(_("◀ Another day"), "s:dp:0"), button(_("✖ Cancel"), "s:x")])
    text = "\n".join(
        [
            heading,
            "",
            _("{day}: at what time? Choose, or type it (« 14h30 »).").format(
                day=day_text(day, caller.locale).capitalize()
            ),
        ]
    )
    return page(text, rows)


def duration_screen(caller: Caller, heading: str) -> Screen:
    _ = caller._
    rows = [[button(duration_text(m, _), f"s:du:{m}") for m in DURATIONS]]
    rows.append([button(_("✖ Cancel"), "s:x")])
    return page("\n".join([heading, "", _("How long will it last?")]), rows)


def mode_screen(caller: Caller, heading: str) -> Screen:
    _ = caller._
    rows = [
        [button(_("🏢 In person"), "s:mo:in_person")],
        [button(_("💻 Video call"), "s:mo:video")],
        [button(_("📞 Phone"), "s:mo:phone")],
        [button(_("✖ Cancel"), "s:x")],
    ]
    return page("\n".join([heading, "", _("How will it take place?")]), rows)


def place_screen(caller: Caller, heading: str, mode: SessionMode, previous: str | None) -> Screen:
    _ = caller._
    if mode == SessionMode.IN_PERSON:
        ask = _("Type the address (the person will see it in the notice and the reminders).")
    else:
        ask = _("Paste the video call link (the person will see it in the reminders).")
    rows: list[list[InlineKeyboardButton]] = []
    if previous:
        rows.append(
            [button(_("↩ Same as last time: {place}").format(place=shorten(previous, 40)), "s:pl")]
        )
    rows.append([button(_("✖ Cancel"), "s:x")])
    return page("\n".join([heading, "", ask]), rows)
