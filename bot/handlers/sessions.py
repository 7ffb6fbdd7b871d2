"""Sessions in Telegram: the counsellor schedules, moves, cancels and closes; the
beneficiary is told, reminded, confirms or asks to move.

Counsellor: ``/seance`` → one of *their* consenting beneficiaries (buttons) →
day and hour (typed "12/03 14h30", "mardi 14h", "demain 10h", or picked) →
duration → mode (in person with an address, video with a link, phone) →
confirm, with the bilan's hours budget shown and a second confirmation when
the session goes beyond it. ``/seances`` lists the coming sessions with
whether each beneficiary confirmed, and those to close; each opens a card
to move, cancel or mark done with the real duration.

Beneficiary: a notice with an .ics file when a session is scheduled, moved
or cancelled; reminders 24 h and 2 h before (the 2 h one repeats the
address or link) with "✅ Je confirme" and "🔁 Je dois décaler", the latter
alerting the counsellor at once and asking an optional reason;
``/seances`` lists their sessions in their zone and language.

Every multi-step dialogue keeps its state in the database
(:func:`storage.sessions.save_dialogue`), never in memory: a counsellor's
draft, a beneficiary's wait for typed text. ``/annuler`` clears it
(:func:`cancel`). Callback data carries short ids only and every press is
re-checked by the storage functions against the caller.

Callback grammar (all under ``s:``)::

    s:list                     coming sessions (either role)
    s:new  s:b:<beneficiary>   (counsellor) schedule: choose who / for this one
    s:d:<yyyymmdd>  s:dp:<n>   day chosen / another page of days
    s:h:<hhmm>  s:du:<min>     hour chosen / duration chosen
    s:mo:<mode>  s:pl          mode chosen / same place as last time
    s:ok  s:ok:over  s:x       confirm / confirm beyond the budget / abandon
    s:v:<session>              a session's card
    s:mv:<session>             (counsellor) move it
    s:cx:<session>  s:cxn      (counsellor) cancel it / cancel without a reason
    s:dn:<session>             (counsellor) mark done: choose the real duration
    s:dd:<session>:<min>       (counsellor) done, with this duration
    s:y:<session>:<seq>        (beneficiary) I confirm
    s:n:<session>:<seq>  s:nr  (beneficiary) I have to move it / no reason to give
    s:ics:<session>            the calendar file again
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date, format_time
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.calendar import CalendarEvent, session_ics
from bot.datetime_input import When, local_today, parse_when, to_utc
from bot.handlers.onboarding import known_caller
from bot.i18n import N_, Translate, format_datetime, gettext_for, moment_text, ngettext_of
from bot.keyboards import button, distinct
from bot.kit.door import Flow
from bot.outbox_kinds import OutgoingFile, OutgoingMessage, RenderContext, register
from bot.runtime import Caller, Context, identify, settings, wake_dispatcher, work
from bot.settings import DEFAULT_TIMEZONE
from dialogues.languages import language
from dialogues.typography import shorten
from storage import sessions as store
from storage.actors import AccessDenied, BeneficiaryActor, CounsellorActor, PersonActor
from storage.models import BeneficiaryStatus, utcnow
from storage.outbox import ClaimedMessage
from storage.people import BeneficiarySummary, get_beneficiary, list_beneficiaries
from storage.sessions import SessionInfo, SessionMode, SessionRefused, SessionStatus

log = logging.getLogger(__name__)

PREFIX = "s:"
CALLBACK_PATTERN = r"^s:"
LIST = "s:list"
NEW = "s:new"
BENEFICIARY_PREFIX = "s:b:"

# For setMyCommands (bot/app.py lists them).
BENEFICIARY_COMMANDS = [("seances", N_("Your sessions with your counsellor"))]
COUNSELLOR_COMMANDS = [
    ("seance", N_("Schedule a session")),
    ("seances", N_("Coming sessions and confirmations")),
]

DEFAULT_BUDGET_HOURS = 24.0
SESSION_FLOWS = ("session", "move", "cancel")
MOVE_REASON_FLOW = "move_reason"
# A counsellor's draft waits this long for typed text (a date, an address);
# a beneficiary's wait for a reason, half an hour. Buttons of a draft work as
# long as the draft exists.
DRAFT_TEXT_WAIT = timedelta(hours=6)
BENEFICIARY_TEXT_WAIT = timedelta(minutes=30)
DAYS_PER_PAGE = 12
DAY_PAGES = 8
COMMON_HOURS = (time(9), time(10), time(11), time(14), time(15), time(16), time(17), time(18))
DURATIONS = (60, 90, 120, 180)
LISTED = 20
CAPTION_PART = 300

_NUMBER = re.compile(r"\d{1,9}")


# ---------------------------------------------------------------------------
# Shared by the sessions, tasks and journal handlers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Screen:
    """What one step shows: HTML text and buttons."""

    text: str
    rows: list[list[InlineKeyboardButton]] = field(default_factory=list)

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        return InlineKeyboardMarkup(self.rows) if self.rows else None


class Stale(Exception):
    """A press that no longer fits the stored state (an old, repeated or forged button)."""


def e(text: str) -> str:
    """HTML-escape a person's text for Telegram's HTML mode."""
    return html.escape(text, quote=False)


def number(text: str) -> int:
    """A strictly positive-looking id from callback data, or :class:`Stale`."""
    if not _NUMBER.fullmatch(text):
        raise Stale("malformed id")
    return int(text)


async def send_screen(update: Update, screen: Screen) -> None:
    message = update.effective_message
    if message is None:
        return
    await message.reply_text(
        screen.text,
        parse_mode=ParseMode.HTML,
        reply_markup=screen.markup,
        disable_web_page_preview=True,
    )


async def edit_screen(update: Update, screen: Screen) -> None:
    """Show the next step in place of the pressed message (a new one if it cannot be edited)."""
    query = update.callback_query
    if query is None or query.message is None:
        await send_screen(update, screen)
        return
    try:
        await query.edit_message_text(
            screen.text,
            parse_mode=ParseMode.HTML,
            reply_markup=screen.markup,
            disable_web_page_preview=True,
        )
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return
        # A document's caption or a message too old to edit: say it anew.
        await send_screen(update, screen)


async def typed_text(update: Update, context: Context) -> tuple[Caller, PersonActor, str] | None:
    """Who typed what (the caller and their actor), for a plain typed message from
    someone the bot knows.

    ``None`` for a command, a file, an edit or a stranger. Every flow that waits
    for typed text starts here, so that they all agree on what a typed answer is.
    """
    message = update.message
    text = message.text if message is not None else None
    if not text or text.startswith("/"):
        return None
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return None
    return caller, caller.actor, text


async def answer_stale(query: CallbackQuery, _: Translate) -> None:
    await query.answer(_("This button is no longer active."))


def setting(context: Context, name: str) -> str | None:
    """An organisation setting (``bot.settings.Settings``) by its lower-case name."""
    value = getattr(settings(context), name, None)
    return None if value is None or str(value).strip() == "" else str(value)


def when_text(moment: datetime, locale: str, timezone: str) -> str:
    """ "jeudi 3 décembre 2026 à 14 h 30", as people write it."""
    return moment_text(moment, locale, timezone)


def zone_note(timezone: str) -> str:
    """ " (America/New_York)" for someone outside the usual zone; nothing for the others."""
    return "" if timezone == DEFAULT_TIMEZONE else f" ({timezone})"


def when_short(moment: datetime, locale: str, timezone: str) -> str:
    return format_datetime(moment, locale, timezone, language(locale).dates.session_button)


def day_text(day: date, locale: str) -> str:
    return format_date(day, "EEEE d MMMM y", locale=locale)


def duration_text(minutes: int, _: Translate) -> str:
    hours, rest = divmod(minutes, 60)
    if not rest:
        return _("{hours} h").format(hours=hours)
    if not hours:
        return _("{minutes} min").format(minutes=rest)
    return _("{hours} h {minutes:02d}").format(hours=hours, minutes=rest)


async def active_beneficiaries(
    session: AsyncSession, actor: CounsellorActor
) -> list[BeneficiarySummary]:
    """The counsellor's beneficiaries who consented, by name."""
    people = await list_beneficiaries(session, actor)
    active = [p for p in people if p.status == BeneficiaryStatus.ACTIVE]
    return sorted(active, key=lambda p: p.name.casefold())


def beneficiary_rows(
    people: Sequence[BeneficiarySummary], prefix: str, labels: dict[int, str] | None = None
) -> list[list[InlineKeyboardButton]]:
    rows: list[list[InlineKeyboardButton]] = []
    for person in people[:40]:
        label = shorten(person.name, 48)
        if labels and person.id in labels:
            label = f"{label} {labels[person.id]}"
        rows.append([button(label, f"{prefix}{person.id}")])
    return rows


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionSettings:
    """Organisation settings: the bilan's hours budget and when reminders go."""

    budget_hours: float = DEFAULT_BUDGET_HOURS
    reminders: tuple[timedelta, ...] = store.DEFAULT_REMINDERS


def session_settings(context: Context) -> SessionSettings:
    """From ``BILAN_HOURS_BUDGET`` (24) and ``SESSION_REMINDER_OFFSETS`` ("24h,2h")."""
    budget = DEFAULT_BUDGET_HOURS
    raw_budget = setting(context, "bilan_hours_budget")
    if raw_budget is not None:
        try:
            budget = float(raw_budget)
        except ValueError:
            log.warning("BILAN_HOURS_BUDGET is not a number: using %s", DEFAULT_BUDGET_HOURS)
    reminders: tuple[timedelta, ...] = store.DEFAULT_REMINDERS
    raw_offsets = setting(context, "session_reminder_offsets")
    if raw_offsets is not None:
        try:
            reminders = store.parse_offsets(raw_offsets)
        except ValueError:
            log.warning("SESSION_REMINDER_OFFSETS is malformed: using 24h,2h")
    return SessionSettings(budget, reminders)


# ---------------------------------------------------------------------------
# Texts about a session
# ---------------------------------------------------------------------------


def mode_label(mode: SessionMode, _: Translate) -> str:
    labels = {
        SessionMode.IN_PERSON: _("in person"),
        SessionMode.VIDEO: _("video call"),
        SessionMode.PHONE: _("by phone"),
    }
    return labels[mode]


def place_line(info: SessionInfo, _: Translate, limit: int = store.MAX_PLACE) -> str:
    """Where the session happens, as a line of HTML."""
    if info.mode == SessionMode.IN_PERSON and info.place:
        return _("📍 Address: {place}").format(place=e(shorten(info.place, limit)))
    if info.mode == SessionMode.VIDEO and info.place:
        return _("💻 Video call link: {place}").format(place=e(shorten(info.place, limit)))
    return _("📞 By phone: your counsellor will call you.")


def budget_text(use: store.BudgetUse, budget_hours: float, _: Translate) -> str:
    """ "Heures du bilan : 2 h faites, 1 h prévue ; il reste 21 h sur 24 h." — the hours
    left are stated, so nobody has to do the sum."""
    ngettext = ngettext_of(_)
    budget_minutes = round(budget_hours * 60)
    done = ngettext("{duration} done", "{duration} done", use.done_minutes // 60).format(
        duration=duration_text(use.done_minutes, _)
    )
    planned = ngettext(
        "{duration} planned", "{duration} planned", use.planned_minutes // 60
    ).format(duration=duration_text(use.planned_minutes, _))
    left_minutes = budget_minutes - use.total_minutes
    if left_minutes >= 0:
        left = _("{left} left of {budget}").format(
            left=duration_text(left_minutes, _), budget=duration_text(budget_minutes, _)
        )
    else:
        left = _("{over} over the {budget}").format(
            over=duration_text(-left_minutes, _), budget=duration_text(budget_minutes, _)
        )
    return _("Bilan hours: {done}, {planned}; {left}.").format(
        done=done, planned=planned, left=left
    )


def confirmation_state(info: SessionInfo, _: Translate) -> str:
    if info.move_requested_at is not None:
        state = _("🔁 asks to move it")
        if info.move_reason:
            state += f" — « {e(shorten(info.move_reason, 120))} »"
        return state
    if info.confirmed_at is not None:
        return _("✅ confirmed")
    return _("⏳ not confirmed yet")


def _session_lines(info: SessionInfo, caller: Caller, timezone: str) -> list[str]:
    _ = caller._
    lines = [
        "🗓 " + when_text(info.starts_at, caller.locale, timezone) + zone_note(timezone),
        _("⏱ Duration: {duration}").format(duration=duration_text(info.duration_minutes, _)),
        _("Mode: {mode}").format(mode=mode_label(info.mode, _)),
    ]
    if info.mode != SessionMode.PHONE:
        lines.append(place_line(info, _))
    return lines


# ---------------------------------------------------------------------------
# The counsellor's scheduling dialogue
# ---------------------------------------------------------------------------


def as_counsellor(caller: Caller) -> CounsellorActor:
    if not isinstance(caller.actor, CounsellorActor):
        raise Stale("for counsellors")
    return caller.actor


def as_beneficiary(caller: Caller) -> BeneficiaryActor:
    if not isinstance(caller.actor, BeneficiaryActor):
        raise Stale("for beneficiaries")
    return caller.actor


async def _picker_screen(session: AsyncSession, caller: Caller, actor: CounsellorActor) -> Screen:
    _ = caller._
    people = await active_beneficiaries(session, actor)
    if not people:
        return Screen(
            _(
                "None of your beneficiaries has accepted their invitation yet: a session can be "
                "scheduled once they have. Invite someone with /invite First Last."
            )
        )
    await store.save_dialogue(session, actor, "session", "ben")
    rows = beneficiary_rows(people, BENEFICIARY_PREFIX)
    rows.append([button(_("✖ Cancel"), "s:x")])
    return Screen(_("<b>New session.</b> With whom?"), rows)


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


def _day_screen(caller: Caller, actor: CounsellorActor, heading: str, page: int = 0) -> Screen:
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
    rows = day_rows(_, caller.locale, today, page, "s:d:", "s:dp:")
    rows.append([button(_("✖ Cancel"), "s:x")])
    return Screen(text, rows)


def _hour_screen(caller: Caller, actor: CounsellorActor, heading: str, day: date) -> Screen:
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
    return Screen(text, rows)


def _duration_screen(caller: Caller, heading: str) -> Screen:
    _ = caller._
    rows = [[button(duration_text(m, _), f"s:du:{m}") for m in DURATIONS]]
    rows.append([button(_("✖ Cancel"), "s:x")])
    return Screen("\n".join([heading, "", _("How long will it last?")]), rows)


def _mode_screen(caller: Caller, heading: str) -> Screen:
    _ = caller._
    rows = [
        [button(_("🏢 In person"), "s:mo:in_person")],
        [button(_("💻 Video call"), "s:mo:video")],
        [button(_("📞 Phone"), "s:mo:phone")],
        [button(_("✖ Cancel"), "s:x")],
    ]
    return Screen("\n".join([heading, "", _("How will it take place?")]), rows)


def _place_screen(caller: Caller, heading: str, mode: SessionMode, previous: str | None) -> Screen:
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
    return Screen("\n".join([heading, "", ask]), rows)


def _heading(caller: Caller, name: str, flow: str) -> str:
    _ = caller._
    if flow == "move":
        return _("<b>Moving the session with {name}.</b>").format(name=e(name))
    return _("<b>New session with {name}.</b>").format(name=e(name))


def _data_time(data: dict[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _data_int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Stale(f"draft without {key}")
    return value


async def _draft(session: AsyncSession, actor: PersonActor, *steps: str) -> store.Dialogue:
    """The counsellor's session draft at one of ``steps``, else :class:`Stale`."""
    draft = await store.current_dialogue(session, actor, flows=SESSION_FLOWS)
    if draft is None or (steps and draft.step not in steps):
        raise Stale("no draft at this step")
    return draft


async def _draft_name(session: AsyncSession, actor: CounsellorActor, draft: store.Dialogue) -> str:
    if draft.flow == "session":
        person = await get_beneficiary(session, actor, _data_int(draft.data, "beneficiary_id"))
        return person.name
    info = await store.session_for(session, actor, _data_int(draft.data, "session_id"))
    return info.beneficiary_name


async def _after_time_chosen(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: store.Dialogue,
    starts_at: datetime,
    budget_hours: float,
    minutes: int | None = None,
) -> Screen:
    """The next question once the time is known; a typed range ("14h-15h30") is the length."""
    data = {**draft.data, "starts_at": starts_at.isoformat()}
    name = await _draft_name(session, actor, draft)
    if draft.flow == "move":
        await store.save_dialogue(session, actor, "move", "confirm", data)
        return await _confirm_screen(session, caller, actor, "move", data, budget_hours)
    if minutes is not None and store.MIN_MINUTES <= minutes <= store.MAX_MINUTES:
        await store.save_dialogue(session, actor, "session", "mode", {**data, "minutes": minutes})
        return _mode_screen(caller, _heading(caller, name, "session"))
    await store.save_dialogue(session, actor, "session", "dur", data)
    return _duration_screen(caller, _heading(caller, name, "session"))


def _time_problem(caller: Caller, starts_at: datetime) -> str | None:
    _ = caller._
    now = utcnow()
    if starts_at <= now:
        return _("⚠️ That time has already passed. Choose a later one.")
    if starts_at - now > store.FARTHEST:
        return _("⚠️ That is more than a year away. Check the date.")
    return None


async def _typed_time(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: store.Dialogue,
    text: str,
    budget_hours: float,
) -> Screen:
    _ = caller._
    today = local_today(utcnow(), actor.timezone)
    when: When | None = parse_when(text, caller.locale, today)
    name = await _draft_name(session, actor, draft)
    heading = _heading(caller, name, draft.flow)
    day: date | None = when.day if when else None
    if when is not None and day is None and draft.step == "hour":
        chosen = draft.data.get("day")
        day = date.fromisoformat(chosen) if isinstance(chosen, str) else None
    if when is None or day is None:
        hint = _(
            "⚠️ I did not understand that date. Write for example “03/12 2:30pm”, "
            "“Tuesday 2pm”, “tomorrow 10am” or “03/14/2027 9am”."
        )
        screen = (
            _day_screen(caller, actor, heading)
            if draft.step == "day"
            else _hour_screen(caller, actor, heading, today)
        )
        return Screen(f"{hint}\n\n{screen.text}", screen.rows)
    if when.at is None:
        await store.save_dialogue(
            session, actor, draft.flow, "hour", {**draft.data, "day": day.isoformat()}
        )
        return _hour_screen(caller, actor, heading, day)
    starts_at = to_utc(day, when.at, actor.timezone)
    problem = _time_problem(caller, starts_at)
    if problem is not None:
        screen = _day_screen(caller, actor, heading)
        return Screen(f"{problem}\n\n{screen.text}", screen.rows)
    return await _after_time_chosen(
        session, caller, actor, draft, starts_at, budget_hours, when.minutes
    )


async def _confirm_screen(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    flow: str,
    data: dict[str, Any],
    budget_hours: float,
    *,
    insist: bool = False,
) -> Screen:
    """The summary before scheduling or moving, with the hours budget and any clash."""
    _ = caller._
    starts_at = _data_time(data, "starts_at")
    if starts_at is None:
        raise Stale("draft without a time")
    lines: list[str] = []
    excluding: int | None = None
    if flow == "move":
        info = await store.session_for(session, actor, _data_int(data, "session_id"))
        excluding = info.id
        minutes = info.duration_minutes
        lines.append(
            _("<b>Move the session with {name}</b>\nfrom {old}\nto <b>{new}</b>?").format(
                name=e(info.beneficiary_name),
                old=when_text(info.starts_at, caller.locale, actor.timezone),
                new=when_text(starts_at, caller.locale, actor.timezone),
            )
        )
        adding = 0
        beneficiary_id = info.beneficiary_id
    else:
        beneficiary_id = _data_int(data, "beneficiary_id")
        person = await get_beneficiary(session, actor, beneficiary_id)
        minutes = _data_int(data, "minutes")
        mode = SessionMode(str(data.get("mode")))
        lines += [
            _("<b>New session with {name}</b>").format(name=e(person.name)),
            "🗓 " + when_text(starts_at, caller.locale, actor.timezone) + zone_note(actor.timezone),
            _("⏱ Duration: {duration}").format(duration=duration_text(minutes, _)),
            _("Mode: {mode}").format(mode=mode_label(mode, _)),
        ]
        place = data.get("place")
        if isinstance(place, str) and place:
            lines.append(f"📍 {e(place)}")
        adding = minutes
    use = await store.budget_use(session, actor, beneficiary_id)
    lines += ["", budget_text(use, budget_hours, _)]
    over = use.over(budget_hours, adding)
    if adding:
        lines.append(
            _("With this one: {total}.").format(total=duration_text(use.total_minutes + adding, _))
        )
    clashes = await store.overlapping(session, actor, starts_at, minutes, excluding=excluding)
    if clashes:
        lines.append(_("⚠️ You already have a session at that time."))
    if over:
        lines.append(
            _(
                "⚠️ This goes beyond the {budget} of the bilan. Confirm only if that is intended."
            ).format(budget=duration_text(round(budget_hours * 60), _))
        )
    if insist:
        lines.append(_("Please confirm once more: the budget is exceeded."))
    confirm = (
        button(_("✅ Confirm beyond the budget"), "s:ok:over")
        if over
        else button(_("✅ Confirm"), "s:ok")
    )
    return Screen("\n".join(lines), [[confirm], [button(_("✖ Cancel"), "s:x")]])


async def _schedule_from_draft(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: store.Dialogue,
    over_confirmed: bool,
    config: SessionSettings,
) -> tuple[Screen, bool]:
    """Confirm pressed: schedule (or move); returns the screen and whether the outbox moved."""
    _ = caller._
    data = draft.data
    starts_at = _data_time(data, "starts_at")
    if starts_at is None:
        raise Stale("no time")
    if draft.flow == "session":
        beneficiary_id = _data_int(data, "beneficiary_id")
        minutes = _data_int(data, "minutes")
        use = await store.budget_use(session, actor, beneficiary_id)
        if use.over(config.budget_hours, minutes) and not over_confirmed:
            screen = await _confirm_screen(
                session, caller, actor, "session", data, config.budget_hours, insist=True
            )
            return screen, False
        place = data.get("place")
        info = await store.schedule_session(
            session,
            actor,
            beneficiary_id,
            starts_at,
            minutes,
            SessionMode(str(data.get("mode"))),
            place if isinstance(place, str) else None,
            reminders=config.reminders,
        )
        done = _("✅ Session scheduled with {name}: {when}.").format(
            name=e(info.beneficiary_name),
            when=when_text(info.starts_at, caller.locale, actor.timezone),
        )
    else:
        info = await store.reschedule_session(
            session, actor, _data_int(data, "session_id"), starts_at, reminders=config.reminders
        )
        done = _("✅ Session with {name} moved to {when}.").format(
            name=e(info.beneficiary_name),
            when=when_text(info.starts_at, caller.locale, actor.timezone),
        )
    await store.end_dialogue(session, actor)
    use = await store.budget_use(session, actor, info.beneficiary_id)
    text = "\n".join(
        [
            done,
            _("They receive a notice with a calendar file now, and reminders before it."),
            "",
            budget_text(use, config.budget_hours, _),
        ]
    )
    return Screen(text, [[button(_("📅 Coming sessions"), LIST)]]), True


# ---------------------------------------------------------------------------
# Lists and cards
# ---------------------------------------------------------------------------


async def _counsellor_list(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, budget_hours: float
) -> Screen:
    _ = caller._
    coming = await store.upcoming_sessions(session, actor, limit=LISTED)
    to_close = await store.sessions_to_close(session, actor, limit=10)
    lines = [_("<b>Coming sessions</b> ({count})").format(count=len(coming))]
    if not coming:
        lines.append(_("None planned. Schedule one with /seance."))
    rows: list[list[InlineKeyboardButton]] = []
    for info in coming:
        lines.append(
            "• "
            + _("{when} — {name} ({duration}, {mode}): {state}").format(
                when=when_short(info.starts_at, caller.locale, actor.timezone),
                name=e(info.beneficiary_name),
                duration=duration_text(info.duration_minutes, _),
                mode=mode_label(info.mode, _),
                state=confirmation_state(info, _),
            )
        )
    if to_close:
        lines += ["", _("<b>To close</b> (mark done with the real duration, or cancel):")]
        for info in to_close:
            lines.append(
                "• "
                + _("{when} — {name}").format(
                    when=when_short(info.starts_at, caller.locale, actor.timezone),
                    name=e(info.beneficiary_name),
                )
            )
    shown = [*coming, *to_close][:LISTED]
    labels = []
    for info in shown:
        moment = when_short(info.starts_at, caller.locale, actor.timezone)
        mark = "⏳ " if info in to_close else ""
        labels.append(f"{mark}{moment} · {shorten(info.beneficiary_name, 24)}")
    for info, label in zip(shown, distinct(labels), strict=True):
        rows.append([button(label, f"s:v:{info.id}")])
    rows.append([button(_("➕ Schedule a session"), NEW)])
    return Screen("\n".join(lines), rows)


async def _beneficiary_list(
    session: AsyncSession, caller: Caller, actor: BeneficiaryActor, budget_hours: float
) -> Screen:
    _ = caller._
    coming = await store.upcoming_sessions(session, actor, limit=LISTED)
    use = await store.budget_use(session, actor, actor.beneficiary_id)
    lines = [_("<b>Your sessions</b>")]
    if not coming:
        lines.append(_("No session planned yet: your counsellor will schedule the next one."))
    for info in coming:
        lines += ["", *_session_lines(info, caller, actor.timezone)]
        if info.confirmed_at is not None:
            lines.append(_("✅ You confirmed."))
    lines += ["", budget_text(use, budget_hours, _)]
    rows = [
        [
            button(
                "📅 " + when_short(info.starts_at, caller.locale, actor.timezone),
                f"s:v:{info.id}",
            )
        ]
        for info in coming[:10]
    ]
    return Screen("\n".join(lines), rows)


async def _card(
    session: AsyncSession, caller: Caller, session_id: int, budget_hours: float
) -> Screen:
    _ = caller._
    actor = caller.actor
    assert actor is not None
    info = await store.session_for(session, actor, session_id)
    lines = [
        _("<b>Session with {name}</b>").format(
            name=e(
                info.beneficiary_name
                if isinstance(actor, CounsellorActor)
                else info.counsellor_name
            )
        )
    ]
    lines += _session_lines(info, caller, actor.timezone)
    now = utcnow()
    rows: list[list[InlineKeyboardButton]] = []
    if info.status == SessionStatus.CANCELLED:
        lines.append(_("❌ Cancelled."))
        if info.cancel_reason:
            lines.append(_("Reason: {reason}").format(reason=e(info.cancel_reason)))
    elif info.status == SessionStatus.DONE:
        lines.append(
            _("✔ Done ({duration}).").format(
                duration=duration_text(info.actual_minutes or info.duration_minutes, _)
            )
        )
    if isinstance(actor, CounsellorActor):
        if info.status == SessionStatus.PLANNED:
            lines.append(_("Confirmation: {state}").format(state=confirmation_state(info, _)))
            if info.starts_at > now:
                rows.append(
                    [
                        button(_("📅 Move"), f"s:mv:{info.id}"),
                        button(_("✖ Cancel it"), f"s:cx:{info.id}"),
                    ]
                )
            else:
                rows.append(
                    [
                        button(_("✔ Mark done"), f"s:dn:{info.id}"),
                        button(_("✖ Cancel it"), f"s:cx:{info.id}"),
                    ]
                )
        use = await store.budget_use(session, actor, info.beneficiary_id)
        lines += ["", budget_text(use, budget_hours, _)]
    elif info.status == SessionStatus.PLANNED and info.starts_at > now:
        if info.confirmed_at is not None:
            lines.append(_("✅ You confirmed."))
        if info.move_requested_at is not None:
            lines.append(move_pending_line(info, _))
        rows.append(_answer_row(_, info))
        rows.append([button(_("📅 Calendar file"), f"s:ics:{info.id}")])
    rows.append([button(_("◀ All sessions"), LIST)])
    return Screen("\n".join(lines), rows)


def _answer_row(_: Translate, info: SessionInfo) -> list[InlineKeyboardButton]:
    return [
        button(_("✅ I confirm"), f"s:y:{info.id}:{info.sequence}"),
        button(_("🔁 I have to move it"), f"s:n:{info.id}:{info.sequence}"),
    ]


def _done_screen(caller: Caller, info: SessionInfo, actor: CounsellorActor) -> Screen:
    _ = caller._
    text = _("How long did the session with {name} of {when} really last?").format(
        name=e(info.beneficiary_name), when=when_text(info.starts_at, caller.locale, actor.timezone)
    )
    planned = _("As planned ({duration})").format(duration=duration_text(info.duration_minutes, _))
    rows = [[button(planned, f"s:dd:{info.id}:{info.duration_minutes}")]]
    rows.append(
        [
            button(duration_text(m, _), f"s:dd:{info.id}:{m}")
            for m in DURATIONS
            if m != info.duration_minutes
        ]
    )
    rows.append([button(_("◀ Back"), f"s:v:{info.id}")])
    return Screen(text, rows)


def ics_for(info: SessionInfo, locale: str, timezone: str, *, cancelled: bool = False) -> bytes:
    """The calendar file of a session, in the beneficiary's language and zone."""
    _ = gettext_for(locale)
    summary = _("Bilan de compétences session with {name}").format(name=info.counsellor_name)
    location = _("By phone") if info.mode == SessionMode.PHONE else info.place
    url = info.place if info.mode == SessionMode.VIDEO else None
    description = _("Session of your bilan de compétences ({mode}).").format(
        mode=mode_label(info.mode, _)
    )
    if cancelled and info.cancel_reason:
        description += "\n" + _("Reason: {reason}").format(reason=info.cancel_reason)
    return session_ics(
        CalendarEvent(
            uid=info.uid,
            sequence=info.sequence,
            starts_at=info.starts_at,
            duration=timedelta(minutes=info.duration_minutes),
            timezone=timezone,
            summary=summary,
            location=location,
            description=description,
            url=url,
            cancelled=cancelled,
        )
    )


def ics_name(_: Translate) -> str:
    return _("session") + ".ics"


# ---------------------------------------------------------------------------
# Button presses
# ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a press produced: a screen to edit in place or send anew, a document, a notice."""

    screen: Screen | None = None
    edit: bool = True
    document: bytes | None = None
    toast: str | None = None
    queued: bool = False


async def _press(caller: Caller, data: str, context: Context) -> Outcome:
    parts = data.split(":")
    kind, args = parts[1], parts[2:]
    config = session_settings(context)
    _ = caller._
    async with work(context) as session:
        actor = caller.actor
        assert actor is not None
        if kind == "list" and not args:
            if isinstance(actor, CounsellorActor):
                return Outcome(
                    await _counsellor_list(session, caller, actor, config.budget_hours), edit=False
                )
            return Outcome(
                await _beneficiary_list(
                    session, caller, as_beneficiary(caller), config.budget_hours
                ),
                edit=False,
            )
        if kind == "v" and len(args) == 1:
            return Outcome(
                await _card(session, caller, number(args[0]), config.budget_hours), edit=False
            )
        if kind == "ics" and len(args) == 1:
            me = as_beneficiary(caller)
            info = await store.session_for(session, me, number(args[0]))
            cancelled = info.status == SessionStatus.CANCELLED
            return Outcome(document=ics_for(info, caller.locale, me.timezone, cancelled=cancelled))
        if kind in ("y", "n") and len(args) == 2:
            return await _beneficiary_answer(
                session, caller, kind, number(args[0]), number(args[1])
            )
        if kind == "nr" and not args:
            await store.end_dialogue(session, as_beneficiary(caller), flows=[MOVE_REASON_FLOW])
            return Outcome(
                Screen(_("All right. Your counsellor will come back to you with another time.")),
                edit=False,
            )
        return await _counsellor_press(session, caller, as_counsellor(caller), kind, args, config)


async def _beneficiary_answer(
    session: AsyncSession, caller: Caller, kind: str, session_id: int, sequence: int
) -> Outcome:
    _ = caller._
    me = as_beneficiary(caller)
    try:
        if kind == "y":
            await store.confirm_attendance(session, me, session_id, sequence)
            return Outcome(
                Screen(_("✅ Thank you! Your counsellor will see that you are coming.")),
                edit=False,
                toast=_("Confirmed"),
            )
        info = await store.request_move(session, me, session_id, sequence)
    except SessionRefused as refused:
        if refused.reason == "changed":
            info = await store.session_for(session, me, session_id)
            lines = [_("This session has changed since that message. Here it is now:"), ""]
            lines += _session_lines(info, caller, me.timezone)
            return Outcome(Screen("\n".join(lines), [_answer_row(_, info)]), edit=False)
        return Outcome(Screen(_("This session is over or was cancelled.")), edit=False)
    await store.save_dialogue(session, me, MOVE_REASON_FLOW, "reason", {"session_id": info.id})
    text = _(
        "🔁 I have told your counsellor, who will suggest another time.\n\n"
        "If you like, type the reason now (only your counsellor will read it), or:"
    )
    return Outcome(
        Screen(text, [[button(_("No reason to give"), "s:nr")]]), edit=False, queued=True
    )


async def _counsellor_press(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    kind: str,
    args: list[str],
    config: SessionSettings,
) -> Outcome:
    _ = caller._
    if kind == "new" and not args:
        return Outcome(await _picker_screen(session, caller, actor), edit=False)
    if kind == "x" and not args:
        await store.end_dialogue(session, actor, flows=SESSION_FLOWS)
        return Outcome(Screen(_("Abandoned: nothing was changed.")))
    if kind == "b" and len(args) == 1:
        person = await get_beneficiary(session, actor, number(args[0]))
        if person.status != BeneficiaryStatus.ACTIVE:
            return Outcome(Screen(_("This person has not accepted their invitation yet.")))
        await store.save_dialogue(session, actor, "session", "day", {"beneficiary_id": person.id})
        return Outcome(_day_screen(caller, actor, _heading(caller, person.name, "session")))
    if kind == "mv" and len(args) == 1:
        info = await store.session_for(session, actor, number(args[0]))
        if info.status != SessionStatus.PLANNED:
            return Outcome(Screen(_("This session is over or was cancelled.")), edit=False)
        await store.save_dialogue(session, actor, "move", "day", {"session_id": info.id})
        return Outcome(
            _day_screen(caller, actor, _heading(caller, info.beneficiary_name, "move")), edit=False
        )
    if kind == "cx" and len(args) == 1:
        info = await store.session_for(session, actor, number(args[0]))
        if info.status != SessionStatus.PLANNED:
            return Outcome(Screen(_("This session is over or was cancelled.")), edit=False)
        await store.save_dialogue(session, actor, "cancel", "reason", {"session_id": info.id})
        text = _(
            "Cancel the session with {name} of {when}?\n\n"
            "You may type a reason for {name} (they will read it), or:"
        ).format(
            name=e(info.beneficiary_name),
            when=when_text(info.starts_at, caller.locale, actor.timezone),
        )
        rows = [
            [button(_("✖ Cancel it without a reason"), "s:cxn")],
            [button(_("◀ Keep it"), "s:x")],
        ]
        return Outcome(Screen(text, rows), edit=False)
    if kind == "cxn" and not args:
        draft = await _draft(session, actor, "reason", "confirm")
        return await _cancel_from_draft(session, caller, actor, draft, with_reason=False)
    if kind == "dn" and len(args) == 1:
        info = await store.session_for(session, actor, number(args[0]))
        if info.status != SessionStatus.PLANNED:
            return Outcome(Screen(_("This session is already closed or cancelled.")), edit=False)
        return Outcome(_done_screen(caller, info, actor), edit=False)
    if kind == "dd" and len(args) == 2:
        try:
            info = await store.mark_done(session, actor, number(args[0]), number(args[1]))
        except SessionRefused as refused:
            if refused.reason == "not_started":
                return Outcome(Screen(_("This session has not begun yet.")))
            return Outcome(Screen(_("This session is already closed or cancelled.")))
        use = await store.budget_use(session, actor, info.beneficiary_id)
        text = "\n".join(
            [
                _("✔ Session with {name} marked done ({duration}).").format(
                    name=e(info.beneficiary_name),
                    duration=duration_text(info.actual_minutes or 0, _),
                ),
                budget_text(use, config.budget_hours, _),
            ]
        )
        return Outcome(Screen(text, [[button(_("📅 Coming sessions"), LIST)]]))
    return await _draft_press(session, caller, actor, kind, args, config)


async def _cancel_from_draft(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: store.Dialogue,
    *,
    with_reason: bool,
) -> Outcome:
    _ = caller._
    if draft.flow != "cancel":
        raise Stale("not cancelling")
    reason = draft.data.get("reason") if with_reason else None
    info = await store.cancel_session(
        session,
        actor,
        _data_int(draft.data, "session_id"),
        reason if isinstance(reason, str) else None,
    )
    await store.end_dialogue(session, actor)
    text = _("❌ Session with {name} of {when} cancelled. They are told.").format(
        name=e(info.beneficiary_name),
        when=when_text(info.starts_at, caller.locale, actor.timezone),
    )
    return Outcome(Screen(text, [[button(_("📅 Coming sessions"), LIST)]]), queued=True)


async def _draft_press(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    kind: str,
    args: list[str],
    config: SessionSettings,
) -> Outcome:
    """A button of the scheduling or moving draft, checked against the draft's step."""
    _ = caller._
    today = local_today(utcnow(), actor.timezone)
    if kind == "dp" and len(args) == 1:
        draft = await _draft(session, actor, "day", "hour")
        page = number(args[0])
        if page >= DAY_PAGES:
            raise Stale("page")
        name = await _draft_name(session, actor, draft)
        await store.save_dialogue(session, actor, draft.flow, "day", draft.data)
        return Outcome(_day_screen(caller, actor, _heading(caller, name, draft.flow), page))
    if kind == "d" and len(args) == 1:
        draft = await _draft(session, actor, "day", "hour")
        try:
            day = datetime.strptime(args[0], "%Y%m%d").date()
        except ValueError:
            raise Stale("day") from None
        if not today <= day <= today + timedelta(days=DAYS_PER_PAGE * DAY_PAGES):
            raise Stale("day out of range")
        await store.save_dialogue(
            session, actor, draft.flow, "hour", {**draft.data, "day": day.isoformat()}
        )
        name = await _draft_name(session, actor, draft)
        return Outcome(_hour_screen(caller, actor, _heading(caller, name, draft.flow), day))
    if kind == "h" and len(args) == 1:
        draft = await _draft(session, actor, "hour")
        chosen = draft.data.get("day")
        try:
            at = datetime.strptime(args[0], "%H%M").time()
            day = date.fromisoformat(str(chosen))
        except ValueError:
            raise Stale("hour") from None
        starts_at = to_utc(day, at, actor.timezone)
        problem = _time_problem(caller, starts_at)
        if problem is not None:
            name = await _draft_name(session, actor, draft)
            screen = _day_screen(caller, actor, _heading(caller, name, draft.flow))
            return Outcome(Screen(f"{problem}\n\n{screen.text}", screen.rows))
        return Outcome(
            await _after_time_chosen(session, caller, actor, draft, starts_at, config.budget_hours)
        )
    if kind == "du" and len(args) == 1:
        draft = await _draft(session, actor, "dur")
        minutes = number(args[0])
        if minutes not in DURATIONS:
            raise Stale("duration")
        await store.save_dialogue(
            session, actor, "session", "mode", {**draft.data, "minutes": minutes}
        )
        name = await _draft_name(session, actor, draft)
        return Outcome(_mode_screen(caller, _heading(caller, name, "session")))
    if kind == "mo" and len(args) == 1:
        draft = await _draft(session, actor, "mode")
        try:
            mode = SessionMode(args[0])
        except ValueError:
            raise Stale("mode") from None
        data = {**draft.data, "mode": mode.value}
        if mode == SessionMode.PHONE:
            data.pop("place", None)
            await store.save_dialogue(session, actor, "session", "confirm", data)
            return Outcome(
                await _confirm_screen(session, caller, actor, "session", data, config.budget_hours)
            )
        await store.save_dialogue(session, actor, "session", "place", data)
        previous = await store.recent_place(session, actor, _data_int(data, "beneficiary_id"), mode)
        name = await _draft_name(session, actor, draft)
        return Outcome(_place_screen(caller, _heading(caller, name, "session"), mode, previous))
    if kind == "pl" and not args:
        draft = await _draft(session, actor, "place")
        mode = SessionMode(str(draft.data.get("mode")))
        previous = await store.recent_place(
            session, actor, _data_int(draft.data, "beneficiary_id"), mode
        )
        if not previous:
            raise Stale("no previous place")
        data = {**draft.data, "place": previous}
        await store.save_dialogue(session, actor, "session", "confirm", data)
        return Outcome(
            await _confirm_screen(session, caller, actor, "session", data, config.budget_hours)
        )
    if kind == "ok" and args in ([], ["over"]):
        draft = await _draft(session, actor, "confirm")
        if draft.flow == "cancel":
            return await _cancel_from_draft(session, caller, actor, draft, with_reason=True)
        try:
            screen, queued = await _schedule_from_draft(
                session, caller, actor, draft, args == ["over"], config
            )
        except SessionRefused as refused:
            return Outcome(Screen(_refusal_text(refused, _)))
        return Outcome(screen, queued=queued)
    raise Stale("unknown press")


def _refusal_text(refused: SessionRefused, _: Translate) -> str:
    texts = {
        "past": _(
            "⚠️ That time has passed meanwhile: nothing was scheduled. Start again with /seance."
        ),
        "too_far": _("⚠️ That is more than a year away: nothing was scheduled."),
        "not_active": _(
            "This person has not accepted their invitation, or withdrew their consent."
        ),
        "not_planned": _("This session is over or was cancelled."),
    }
    return texts.get(refused.reason, _("⚠️ That could not be done: nothing was changed."))


async def on_button(update: Update, context: Context) -> None:
    """Every ``s:`` press."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    caller = await known_caller(update, context)
    if caller is None:
        return
    try:
        outcome = await _press(caller, query.data, context)
    except (Stale, AccessDenied, IndexError, ValueError):
        await answer_stale(query, caller._)
        return
    await query.answer(outcome.toast)
    if outcome.queued:
        wake_dispatcher(context)
    if outcome.document is not None and update.effective_message is not None:
        await update.effective_message.reply_document(
            InputFile(outcome.document, filename=ics_name(caller._)),
            caption=caller._("Open this file to add the session to your calendar."),
        )
    if outcome.screen is not None:
        if outcome.edit:
            await edit_screen(update, outcome.screen)
        else:
            await send_screen(update, outcome.screen)


# ---------------------------------------------------------------------------
# Commands and typed text
# ---------------------------------------------------------------------------


async def schedule_command(update: Update, context: Context) -> None:
    """``/seance``: a counsellor schedules; a beneficiary sees their sessions."""
    caller = await known_caller(update, context)
    if caller is None:
        return
    data = NEW if isinstance(caller.actor, CounsellorActor) else LIST
    outcome = await _press(caller, data, context)
    if outcome.screen is not None:
        await send_screen(update, outcome.screen)


async def list_command(update: Update, context: Context) -> None:
    """``/seances``: coming sessions, in the caller's zone and language."""
    caller = await known_caller(update, context)
    if caller is None:
        return
    outcome = await _press(caller, LIST, context)
    if outcome.screen is not None:
        await send_screen(update, outcome.screen)


async def _counsellor_typed(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: store.Dialogue,
    text: str,
    config: SessionSettings,
) -> Screen:
    _ = caller._
    if draft.step in ("day", "hour"):
        return await _typed_time(session, caller, actor, draft, text, config.budget_hours)
    if draft.flow == "session" and draft.step == "place":
        place = text.strip()
        if len(place) > store.MAX_PLACE:
            return Screen(
                _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_PLACE)
            )
        data = {**draft.data, "place": place}
        await store.save_dialogue(session, actor, "session", "confirm", data)
        return await _confirm_screen(session, caller, actor, "session", data, config.budget_hours)
    if draft.flow == "cancel" and draft.step in ("reason", "confirm"):
        reason = text.strip()
        if len(reason) > store.MAX_REASON:
            return Screen(
                _("⚠️ That is too long ({max} characters at most).").format(max=store.MAX_REASON)
            )
        data = {**draft.data, "reason": reason}
        await store.save_dialogue(session, actor, "cancel", "confirm", data)
        info = await store.session_for(session, actor, _data_int(data, "session_id"))
        text_ = _(
            "Cancel the session with {name} of {when}, with this reason for them:\n« {reason} »?"
        ).format(
            name=e(info.beneficiary_name),
            when=when_text(info.starts_at, caller.locale, actor.timezone),
            reason=e(reason),
        )
        rows = [[button(_("✖ Yes, cancel it"), "s:ok")], [button(_("◀ Keep it"), "s:x")]]
        return Screen(text_, rows)
    return Screen(_("Please use the buttons above, or /annuler to stop."))


async def handle_text(update: Update, context: Context) -> bool:
    """Typed text for a session dialogue waiting for it; True when consumed.

    A counsellor's draft (a date, an address, a reason to cancel) or a
    beneficiary's reason to move, read from the database.
    """
    typed = await typed_text(update, context)
    if typed is None:
        return False
    caller, actor, text = typed
    config = session_settings(context)
    _ = caller._
    queued = False
    async with work(context) as session:
        if isinstance(actor, CounsellorActor):
            draft = await store.current_dialogue(
                session, actor, flows=SESSION_FLOWS, max_age=DRAFT_TEXT_WAIT
            )
            if draft is None:
                return False
            try:
                screen = await _counsellor_typed(session, caller, actor, draft, text, config)
            except (Stale, AccessDenied, ValueError):
                await store.end_dialogue(session, actor)
                screen = Screen(_("That dialogue is no longer current. Start again with /seance."))
        else:
            wait = await store.current_dialogue(
                session, actor, flows=[MOVE_REASON_FLOW], max_age=BENEFICIARY_TEXT_WAIT
            )
            if wait is None:
                return False
            await store.end_dialogue(session, actor, flows=[MOVE_REASON_FLOW])
            try:
                await store.add_move_reason(
                    session, actor, _data_int(wait.data, "session_id"), text
                )
                screen = Screen(_("Thank you: your counsellor receives your reason now."))
                queued = True
            except (SessionRefused, AccessDenied, Stale):
                screen = Screen(_("This session is over or was cancelled."))
    if queued:
        wake_dispatcher(context)
    await send_screen(update, screen)
    return True


TEXT_FLOWS = (
    Flow(
        (*SESSION_FLOWS, MOVE_REASON_FLOW),
        handle_text,
        lambda wait, _: {
            "session": _("the session you were scheduling"),
            "move": _("the session you were moving"),
            "cancel": _("the session you were cancelling"),
        }.get(wait.flow, _("the reason for moving your session")),
    ),
)


# ---------------------------------------------------------------------------
# What the outbox sends
# ---------------------------------------------------------------------------


async def _rendered_session(
    context: RenderContext, row: ClaimedMessage, actor: PersonActor
) -> SessionInfo | None:
    """The session a row is about, if the recipient may still see it and it is the same version."""
    payload = row.payload or {}
    session_id, sequence = payload.get("session_id"), payload.get("sequence")
    if not isinstance(session_id, int) or not isinstance(sequence, int):
        return None
    async with context.db.transaction() as session:
        try:
            info = await store.session_for(session, actor, session_id)
        except AccessDenied:
            return None
    return info if info.sequence == sequence else None


@register(store.SESSION_NOTICE)
async def render_notice(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Scheduled, moved or cancelled: the text and the .ics file, in the reader's zone."""
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    info = await _rendered_session(context, row, actor)
    if info is None:
        return None
    _ = context._
    event = str((row.payload or {}).get("event"))
    when = when_text(info.starts_at, context.locale, context.timezone)
    counsellor = e(info.counsellor_name)
    cancelled = event == store.NoticeEvent.CANCELLED
    if cancelled:
        if info.status != SessionStatus.CANCELLED:
            return None
        lines = [
            _("❌ Your session of {when} with {counsellor} is cancelled.").format(
                when=when, counsellor=counsellor
            )
        ]
        if info.cancel_reason:
            lines.append(
                _("Reason: {reason}").format(reason=e(shorten(info.cancel_reason, CAPTION_PART)))
            )
        lines.append(_("The attached file removes it from your calendar."))
    else:
        if info.status != SessionStatus.PLANNED or info.starts_at <= context.now:
            return None
        if event == store.NoticeEvent.MOVED:
            first = _("📅 Your session with {counsellor} is moved to <b>{when}</b> ({duration}).")
        else:
            first = _("📅 New session with {counsellor}: <b>{when}</b> ({duration}).")
        lines = [
            first.format(
                counsellor=counsellor, when=when, duration=duration_text(info.duration_minutes, _)
            ),
            place_line(info, _, CAPTION_PART),
            _("Open the attached file to put it in your calendar. I will remind you before it."),
        ]
    data = ics_for(info, context.locale, context.timezone, cancelled=cancelled)
    return OutgoingMessage(
        "\n".join(lines), parse_mode=ParseMode.HTML, document=OutgoingFile(data, ics_name(_))
    )


register(store.SESSION_NOTICE_SOON, urgent=True)(render_notice)


async def _render_reminder(
    context: RenderContext, row: ClaimedMessage, soon: bool
) -> OutgoingMessage | None:
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    info = await _rendered_session(context, row, actor)
    if info is None or info.status != SessionStatus.PLANNED or info.starts_at <= context.now:
        return None
    _ = context._
    lines = [
        _("⏰ Reminder: your session with {counsellor} is <b>{when}</b> ({duration}).").format(
            counsellor=e(info.counsellor_name),
            when=moment_text(
                info.starts_at, context.locale, context.timezone, context.now, on=True
            ),
            duration=duration_text(info.duration_minutes, _),
        )
    ]
    if soon:
        lines.append(place_line(info, _))
    else:
        lines.append(_("Mode: {mode}").format(mode=mode_label(info.mode, _)))
    if info.move_requested_at is not None:
        # Asked to move and not moved yet: no "will you be there?" as if nothing was said.
        lines.append(move_pending_line(info, _))
        keyboard = [[button(_("✅ I can come after all"), f"s:y:{info.id}:{info.sequence}")]]
    else:
        lines.append(_("Will you be there?"))
        keyboard = [_answer_row(_, info)]
    return OutgoingMessage(
        "\n".join(lines), parse_mode=ParseMode.HTML, keyboard=InlineKeyboardMarkup(keyboard)
    )


def move_pending_line(info: SessionInfo, _: Translate) -> str:
    """The beneficiary's own pending move request, in their voice."""
    return _(
        "🔁 You told {counsellor} you have to move it: they will offer you another time. "
        "Until then it stays planned."
    ).format(counsellor=e(info.counsellor_name))


@register(store.SESSION_REMINDER, stale_after=timedelta(hours=12))
async def render_reminder(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The day-before reminder (quiet hours may hold it: the session is still far)."""
    return await _render_reminder(context, row, soon=False)


@register(store.SESSION_REMINDER_SOON, urgent=True, stale_after=timedelta(hours=1))
async def render_reminder_soon(
    context: RenderContext, row: ClaimedMessage
) -> OutgoingMessage | None:
    """The reminder shortly before, with the address or link; never held by quiet hours."""
    return await _render_reminder(context, row, soon=True)


@register(store.MOVE_REQUEST, stale_after=timedelta(days=2))
async def render_move_request(
    context: RenderContext, row: ClaimedMessage
) -> OutgoingMessage | None:
    """Tells the counsellor their beneficiary has to move a session (and why, if they said)."""
    actor = context.counsellor_actor()
    if actor is None:
        return None
    info = await _rendered_session(context, row, actor)
    if info is None or info.status != SessionStatus.PLANNED or info.move_requested_at is None:
        return None
    _ = context._
    lines = [
        _("🔁 {name} has to move the session of {when}.").format(
            name=e(info.beneficiary_name),
            when=when_text(info.starts_at, context.locale, context.timezone),
        )
    ]
    if (row.payload or {}).get("reason"):
        if not info.move_reason:
            return None
        lines.append(_("Their reason: « {reason} »").format(reason=e(info.move_reason)))
    rows = [[button(_("📅 Move it"), f"s:mv:{info.id}"), button(_("👁 See it"), f"s:v:{info.id}")]]
    return OutgoingMessage(
        "\n".join(lines), parse_mode=ParseMode.HTML, keyboard=InlineKeyboardMarkup(rows)
    )


register(store.MOVE_REQUEST_SOON, urgent=True, stale_after=timedelta(hours=6))(render_move_request)
