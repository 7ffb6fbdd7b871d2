"""``/reglages``: when a counsellor's digest comes (daily, weekly, off; the day, the hour).

A beneficiary who types it gets the language choice, their only setting. The
buttons are one press table (``dg:``): ``f`` the frequency, ``d`` the day of
a weekly digest, ``h`` the hour; each edits the screen in place and says
when the next digest comes.
"""

from __future__ import annotations

from datetime import time

from babel.dates import format_time
from telegram import InlineKeyboardButton, Update

from bot.features.everyday.commands import lang_command
from bot.i18n import Translate, format_day_and_time
from bot.keyboards import button
from bot.kit.presses import Press, Presses
from bot.kit.refusals import STALE
from bot.kit.screens import Screen, Stale, send
from bot.runtime import Caller, Context, identify, work
from dialogues.languages import DEFAULT, language
from storage.actors import CounsellorActor
from storage.digest import Frequency, Preference, get_preference, set_preference

HOURS = ("07:30", "08:30", "12:30", "17:30")

PRESSES = Presses("dg", denied=STALE)


def clock(at: time, locale: str) -> str:
    """A time of day as people write it: "8 h 30", "8:30"."""
    return format_time(at, language(locale).dates.digest_hour, locale=locale)


def describe(preference: Preference, _: Translate, locale: str = DEFAULT.code) -> str:
    days = [
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    ]
    at = clock(preference.at, locale)
    if preference.frequency == Frequency.OFF:
        return _("Digest: off.")
    if preference.frequency == Frequency.DAILY:
        return _("Digest: every day at {at}.").format(at=at)
    return _("Digest: every {day} at {at}.").format(day=days[preference.weekday], at=at)


def settings_rows(preference: Preference, _: Translate) -> list[list[InlineKeyboardButton]]:
    def mark(selected: bool, label: str) -> str:
        return f"✅ {label}" if selected else label

    frequency = preference.frequency
    rows = [
        [
            button(mark(frequency == chosen, label), PRESSES.data("f", chosen.value))
            for chosen, label in (
                (Frequency.DAILY, _("Daily")),
                (Frequency.WEEKLY, _("Weekly")),
                (Frequency.OFF, _("Off")),
            )
        ]
    ]
    if frequency == Frequency.WEEKLY:
        short = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
        rows.append(
            [
                button(mark(preference.weekday == i, d), PRESSES.data("d", i))
                for i, d in enumerate(short)
            ]
        )
    if frequency != Frequency.OFF:
        current = preference.at.strftime("%H:%M")
        rows.append(
            [button(mark(current == h, h), PRESSES.data("h", h.replace(":", ""))) for h in HOURS]
        )
    rows.append([button(_("🌐 Language"), "lang")])
    return rows


def settings_screen(preference: Preference, caller: Caller, note: str = "") -> Screen:
    text = describe(preference, caller._, caller.locale)
    return Screen(f"{text}\n{note}" if note else text, settings_rows(preference, caller._))


async def settings_command(update: Update, context: Context) -> None:
    """``/reglages``: a counsellor's digest and language; a beneficiary's language."""
    caller = await identify(update, context)
    if caller is None:
        return
    if not isinstance(caller.actor, CounsellorActor):
        await lang_command(update, context)
        return
    async with work(context) as session:
        preference = await get_preference(session, caller.actor)
    await send(update, settings_screen(preference, caller))


def _changed(preference: Preference, what: str, value: str) -> Preference:
    """The preference with the pressed choice; data that names no choice is stale."""
    if what == "f":
        return Preference(Frequency(value), preference.weekday, preference.at)
    if what == "d" and value.isdigit() and int(value) < 7:
        return Preference(preference.frequency, int(value), preference.at)
    if what == "h" and len(value) == 4 and value.isdigit():
        at = time(int(value[:2]), int(value[2:]))
        return Preference(preference.frequency, preference.weekday, at)
    raise Stale("no such choice")


@PRESSES.strict("f", 1, who=CounsellorActor)
@PRESSES.strict("d", 1, who=CounsellorActor)
@PRESSES.strict("h", 1, who=CounsellorActor)
async def choose(press: Press) -> Screen:
    """One choice pressed: saved, and the screen says when the next digest comes."""
    me = press.counsellor
    async with work(press.context) as session:
        preference = _changed(await get_preference(session, me), press.verb, press.arg(0))
        upcoming = await set_preference(session, me, preference)
    note = ""
    if upcoming is not None:
        note = press._("Next one: {when}.").format(
            when=format_day_and_time(upcoming, press.caller.locale, me.timezone)
        )
    return settings_screen(preference, press.caller, note)
