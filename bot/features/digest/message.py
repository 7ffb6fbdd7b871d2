"""What a digest says: each person's changes as lines, cut into messages Telegram carries.

The outbox renders each queued part in the counsellor's language and zone
(:func:`render_digest`); ``/point`` shows the same messages at once. Never an
answer, only that it exists; a button under each person opens their card.
"""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.features.card.lists import CARD_PREFIX
from bot.i18n import Translate, format_day_and_time, gettext_for, ngettext_for
from bot.keyboards import button
from bot.kit.screens import e
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from dialogues.instruments import load_all
from dialogues.languages import codes
from dialogues.typography import shorten
from storage.digest import DIGEST_KIND, PersonChanges
from storage.outbox import ClaimedMessage

PEOPLE_PER_PART = 10
CHARACTERS_PER_PART = 3500
"""Room for the people of one message; the header and the closing line fit in the rest."""


def person_lines(person: PersonChanges, locale: str, timezone: str, _: Translate) -> list[str]:
    instruments = load_all()
    ngettext = ngettext_for(locale)

    def title(key: str) -> str:
        return e(instruments[key].title_about(locale) if key in instruments else key)

    lines = [f"<b>{e(person.name)}</b>"]
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
        rows.append([button(shorten(f"👤 {person.name}"), f"{CARD_PREFIX}{person.beneficiary_id}")])
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
