"""Counsellors' digests: settings (``/reglages``), the periodic build, and the message.

A short repeating task claims the digests that are due (the claim hands each
to one process), gathers what changed since the previous point and, when
something did, queues ``digest`` rows in the outbox (one per message, as many
as a busy week needs): the dispatcher sends them, in the counsellor's
language, with a button to each card. ``/point`` reads the same changes at
once and moves the same mark. No digest when nothing changed; never an
answer, only that it exists.
"""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import datetime, time, timedelta

from babel.dates import format_time
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.features.card.gate import counsellor_caller
from bot.features.everyday.commands import lang_command
from bot.i18n import (
    Translate,
    format_day_and_time,
    gettext_for,
    ngettext_for,
)
from bot.keyboards import button
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from bot.runtime import Context, identify, work
from dialogues.instruments import load_all
from dialogues.languages import DEFAULT, codes, language
from dialogues.typography import shorten
from storage.actors import CounsellorActor, SystemActor
from storage.db import Database
from storage.digest import (
    DIGEST_KIND,
    Frequency,
    PersonChanges,
    Preference,
    changes_since,
    claim_due_digests,
    ensure_preferences,
    get_preference,
    last_digest_at,
    mark_point,
    queue_digest,
    set_preference,
)
from storage.models import utcnow
from storage.outbox import ClaimedMessage

log = logging.getLogger(__name__)

PREFIX = "dg:"
CHECK_EVERY_SECONDS = 60.0
HOURS = ("07:30", "08:30", "12:30", "17:30")
PEOPLE_PER_PART = 10
CHARACTERS_PER_PART = 3500
"""Room for the people of one message; the header and the closing line fit in the rest."""
SYSTEM = SystemActor("digest")


async def run_due_digests(db: Database, now: datetime | None = None) -> int:
    """Queue every digest that is due and has something to say; returns how many."""
    now = now or utcnow()
    queued = 0
    async with db.transaction() as session:
        await ensure_preferences(session, now)
        due = await claim_due_digests(session, SYSTEM, now)
        for digest in due:
            people = await changes_since(session, SYSTEM, digest.counsellor_id, digest.since, now)
            if not people:
                continue
            # One outbox row per message, queued in order: each part goes out whole.
            await queue_digest(session, SYSTEM, digest, split_people(people), now)
            queued += 1
    if queued:
        log.info("%s digest(s) queued", queued)
    return queued


async def digest_loop(db: Database) -> None:
    """Runs for the life of the bot; a failure is logged and retried at the next round."""
    while True:
        try:
            await run_due_digests(db)
        except Exception as exc:  # a digest must never stop the bot
            log.error("digest round failed: %s", type(exc).__name__)
        await asyncio.sleep(CHECK_EVERY_SECONDS)


def person_lines(person: PersonChanges, locale: str, timezone: str, _: Translate) -> list[str]:
    instruments = load_all()
    ngettext = ngettext_for(locale)

    def title(key: str) -> str:
        return html.escape(instruments[key].title_about(locale) if key in instruments else key)

    lines = [f"<b>{html.escape(person.name)}</b>"]
    for key in person.completed:
        lines.append("  ✅ " + _("completed: {title}").format(title=title(key)))
    for key, count in person.progressed:
        said = ngettext(
            "answered {count} more question of {title}",
            "answered {count} more questions of {title}",
            count,
        )
        lines.append("  ✏️ " + said.format(count=count, title=title(key)))
    if person.tasks_done:
        said = ngettext("{count} task done", "{count} tasks done", person.tasks_done)
        lines.append("  ☑️ " + said.format(count=person.tasks_done))
    if person.tasks_overdue:
        said = ngettext(
            "{count} task now overdue", "{count} tasks now overdue", person.tasks_overdue
        )
        lines.append("  ⏰ " + said.format(count=person.tasks_overdue))
    if person.moves_asked:
        lines.append("  🔁 " + _("asked to move a session"))
    for starts_at, confirmed in person.upcoming:
        when = format_day_and_time(starts_at, locale, timezone)
        state = _("confirmed") if confirmed else _("not confirmed yet")
        lines.append("  📅 " + _("session {when} — {state}").format(when=when, state=state))
    if person.journal_shared:
        said = ngettext(
            "{count} journal entry shared", "{count} journal entries shared", person.journal_shared
        )
        lines.append("  📓 " + said.format(count=person.journal_shared))
    for months in person.followups_due:
        lines.append("  📨 " + _("{months}-month follow-up sent").format(months=months))
    for months in person.followups_unanswered:
        lines.append("  ❔ " + _("{months}-month follow-up unanswered").format(months=months))
    if person.enquetes_reported:
        ngettext = ngettext_for(locale)
        count = person.enquetes_reported
        lines.append(
            "  🔎 "
            + ngettext(
                "enquête métier reported: {count}", "enquêtes métiers reported: {count}", count
            ).format(count=count)
        )
    if person.unreachable:
        lines.append("  ⚠️ " + _("no longer receives my messages"))
    if person.invitation_unused:
        lines.append("  ✉️ " + _("invitation not used after 7 days"))
    return lines


def _size(person: PersonChanges) -> int:
    """Characters the person takes in a digest, in the longest of our languages."""
    return max(
        len("\n".join(person_lines(person, locale, "UTC", gettext_for(locale)))) + 2
        for locale in codes()
    )


def split_people(people: list[PersonChanges]) -> list[list[PersonChanges]]:
    """Cut a busy week into messages Telegram carries whole (4,096 characters): at most
    ``PEOPLE_PER_PART`` people (one button each) and ``CHARACTERS_PER_PART`` characters
    of lines, so nobody is dropped."""
    parts: list[list[PersonChanges]] = [[]]
    used = 0
    for person in people:
        size = _size(person)
        if parts[-1] and (len(parts[-1]) >= PEOPLE_PER_PART or used + size > CHARACTERS_PER_PART):
            parts.append([])
            used = 0
        parts[-1].append(person)
        used += size
    return parts


def digest_message(
    people: list[PersonChanges],
    since: datetime,
    locale: str,
    timezone: str,
    _: Translate,
    part: int = 1,
    parts: int = 1,
) -> OutgoingMessage:
    """One message of a point: ``part`` of ``parts``, each with its header and its buttons."""
    header = _("📬 <b>Your digest</b> — since {when}").format(
        when=format_day_and_time(since, locale, timezone)
    )
    if parts > 1:
        header += " " + _("({part} of {parts})").format(part=part, parts=parts)
    lines = [header, ""]
    rows: list[list[InlineKeyboardButton]] = []
    for person in people:
        lines += person_lines(person, locale, timezone, _)
        lines.append("")
        rows.append([button(shorten(f"👤 {person.name}"), f"c:{person.beneficiary_id}")])
    if part == parts:
        lines.append(_("Answers stay behind each card: one tap, and only for you."))
    text = "\n".join(lines).rstrip()
    return OutgoingMessage(text, keyboard=InlineKeyboardMarkup(rows))


def digest_messages(
    people: list[PersonChanges], since: datetime, locale: str, timezone: str, _: Translate
) -> list[OutgoingMessage]:
    """The whole point, in as many messages as it takes."""
    parts = split_people(people)
    return [
        digest_message(group, since, locale, timezone, _, index, len(parts))
        for index, group in enumerate(parts, 1)
    ]


@register(DIGEST_KIND)
async def render_digest(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    payload = row.payload or {}
    people = [PersonChanges.from_dict(p) for p in payload.get("people", [])]
    if not people:
        return None
    since = datetime.fromisoformat(str(payload["since"]))
    part, parts = int(payload.get("part", 1)), int(payload.get("parts", 1))
    return digest_message(people, since, context.locale, context.timezone, context._, part, parts)


async def digest_now_command(update: Update, context: Context) -> None:
    """``/point``: what changed since the last digest, now, without waiting for it."""
    found = await counsellor_caller(update, context)
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    now = utcnow()
    async with work(context) as session:
        since = await last_digest_at(session, actor) or now - timedelta(days=7)
        people = await changes_since(session, actor, actor.counsellor_id, since, now)
        if people:
            await mark_point(session, actor, now)
    if not people:
        await message.reply_text(
            caller._("Nothing new since {when}.").format(
                when=format_day_and_time(since, caller.locale, actor.timezone)
            )
        )
        return
    for part in digest_messages(people, since, caller.locale, actor.timezone, caller._):
        await message.reply_text(part.text, reply_markup=part.keyboard)


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


def settings_keyboard(preference: Preference, _: Translate) -> InlineKeyboardMarkup:
    def mark(selected: bool, label: str) -> str:
        return f"✅ {label}" if selected else label

    frequency = preference.frequency
    rows = [
        [
            button(mark(frequency == Frequency.DAILY, _("Daily")), f"{PREFIX}f:daily"),
            button(mark(frequency == Frequency.WEEKLY, _("Weekly")), f"{PREFIX}f:weekly"),
            button(mark(frequency == Frequency.OFF, _("Off")), f"{PREFIX}f:off"),
        ]
    ]
    if frequency == Frequency.WEEKLY:
        short = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
        rows.append(
            [
                button(mark(preference.weekday == i, d), f"{PREFIX}d:{i}")
                for i, d in enumerate(short)
            ]
        )
    if frequency != Frequency.OFF:
        current = preference.at.strftime("%H:%M")
        rows.append(
            [button(mark(current == h, h), f"{PREFIX}h:{h.replace(':', '')}") for h in HOURS]
        )
    rows.append([button(_("🌐 Language"), "lang")])
    return InlineKeyboardMarkup(rows)


async def settings_command(update: Update, context: Context) -> None:
    """``/reglages``: a counsellor's digest and language; a beneficiary's language."""
    caller = await identify(update, context)
    message = update.effective_message
    if caller is None or message is None:
        return
    actor = caller.actor
    if not isinstance(actor, CounsellorActor):
        await lang_command(update, context)
        return
    async with work(context) as session:
        preference = await get_preference(session, actor)
    await message.reply_text(
        describe(preference, caller._, caller.locale),
        reply_markup=settings_keyboard(preference, caller._),
    )


async def settings_button(update: Update, context: Context) -> None:
    query = update.callback_query
    found = await counsellor_caller(update, context)
    if query is None or query.data is None:
        return
    await query.answer()
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    _ = caller._
    what, _sep, value = query.data.removeprefix(PREFIX).partition(":")
    async with work(context) as session:
        preference = await get_preference(session, actor)
        try:
            if what == "f":
                preference = Preference(Frequency(value), preference.weekday, preference.at)
            elif what == "d" and value.isdigit() and int(value) < 7:
                preference = Preference(preference.frequency, int(value), preference.at)
            elif what == "h" and len(value) == 4 and value.isdigit():
                at = time(int(value[:2]), int(value[2:]))
                preference = Preference(preference.frequency, preference.weekday, at)
            else:
                return
        except ValueError:
            return
        upcoming = await set_preference(session, actor, preference)
    text = describe(preference, _, caller.locale)
    if upcoming is not None:
        text += "\n" + _("Next one: {when}.").format(
            when=format_day_and_time(upcoming, caller.locale, actor.timezone)
        )
    await message.edit_text(text, reply_markup=settings_keyboard(preference, _))
