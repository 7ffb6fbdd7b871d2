"""The counsellor's list of beneficiaries: those waiting on them first, a page at a time,
and the finds of a search by name.

The list puts first the people who wait on the counsellor
(:mod:`storage.waiting`), each with the marks of what they wait for, explained
under the heading for the marks on the page only.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton
from unidecode import unidecode

from bot.features.card.labels import phase_label, status_label
from bot.i18n import Translate, ngettext_for
from bot.keyboards import button
from bot.kit.screens import Screen, e
from dialogues.typography import shorten
from storage.actors import CounsellorActor
from storage.models import BeneficiaryStatus, Phase
from storage.people import BeneficiarySummary, list_beneficiaries
from storage.waiting import ORDER as WAITING_ORDER
from storage.waiting import Waiting, waiting_on

PAGE_SIZE = 8
CARD_PREFIX = "c:"
LIST = "ben:list"
FIND = "ben:find"

WAITING_MARKS = {
    Waiting.MOVE: "🔁",
    Waiting.TALK: "💬",
    Waiting.COMMENT: "📝",
    Waiting.STEP: "💡",
    Waiting.CLOSE: "⏳",
}

People = tuple[list[BeneficiarySummary], dict[int, list[Waiting]]]
"""The counsellor's people, and what each of those waiting on them waits for."""


async def people_of(session: AsyncSession, actor: CounsellorActor) -> People:
    return await list_beneficiaries(session, actor), await waiting_on(session, actor)


def reason_texts(_: Translate) -> dict[Waiting, str]:
    """What a person waits on the counsellor for, in words, each with its list mark."""
    return {
        Waiting.MOVE: _("🔁 asks to move a session"),
        Waiting.TALK: _("💬 wants to talk"),
        Waiting.COMMENT: _("📝 commented the synthesis"),
        Waiting.STEP: _("💡 proposed a step of the plan"),
        Waiting.CLOSE: _("⏳ a past session to mark done"),
    }


def waiting_reasons(reasons: list[Waiting], _: Translate) -> str:
    """The card's line: why this person waits on the counsellor."""
    texts = reason_texts(_)
    return _("🔔 Waiting on you: {reasons}").format(reasons=", ".join(texts[r] for r in reasons))


def waiting_legend(present: set[Waiting], _: Translate) -> str:
    """The marks the list shows, explained: only those on the page."""
    texts = reason_texts(_)
    return " · ".join(texts[reason] for reason in WAITING_ORDER if reason in present)


def attention_order(
    person: BeneficiarySummary, waiting: dict[int, list[Waiting]] | None = None
) -> tuple[int, str]:
    """Who waits on the counsellor first; then running bilans, invitations, closed ones."""
    rank = {BeneficiaryStatus.ACTIVE: 1, BeneficiaryStatus.INVITED: 2}.get(person.status, 3)
    if person.phase == Phase.CLOS:
        rank = 4
    if waiting and waiting.get(person.id):
        rank = 0
    return rank, fold(person.name)


def fold(text: str) -> str:
    """A name as a search compares it: no accents, no case ("Léa" finds "LEA", "lea")."""
    return " ".join(unidecode(text).casefold().split())


def matching(people: list[BeneficiarySummary], typed: str) -> list[BeneficiarySummary]:
    """The people whose name holds every word typed, in any order."""
    words = fold(typed).split()
    return [p for p in people if all(word in fold(p.name) for word in words)]


def list_screen(
    people: list[BeneficiarySummary],
    page: int,
    locale: str,
    _: Translate,
    waiting: dict[int, list[Waiting]] | None = None,
    searched: str | None = None,
) -> Screen:
    """One page of the counsellor's people, those waiting on them first; or a search's finds."""
    ngettext = ngettext_for(locale)
    waiting = waiting or {}
    people = sorted(people, key=lambda person: attention_order(person, waiting))
    pages = max(1, (len(people) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    if searched is not None:
        pages, page = 1, 0
        said = ngettext(
            "<b>Search</b> “{typed}”: {count} person found",
            "<b>Search</b> “{typed}”: {count} people found",
            len(people),
        )
        text = said.format(typed=e(searched), count=len(people))
        if len(people) > PAGE_SIZE:
            text += "\n" + _("Only the first {shown}: type more of the name.").format(
                shown=PAGE_SIZE
            )
    else:
        text = _("<b>Your beneficiaries</b> ({count})").format(count=len(people))
        if pages > 1:
            text += " · " + _("page {page} of {pages}").format(page=page + 1, pages=pages)
    shown = people[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    count_waiting = sum(1 for person in people if waiting.get(person.id))
    if count_waiting:
        said = ngettext(
            "{count} person waits on you (first in the list):",
            "{count} people wait on you (first in the list):",
            count_waiting,
        )
        present = {reason for person in people for reason in waiting.get(person.id, [])}
        text += "\n" + said.format(count=count_waiting) + "\n" + waiting_legend(present, _)
    rows: list[list[InlineKeyboardButton]] = []
    for person in shown:
        state = status_label(person, _)
        if person.status == BeneficiaryStatus.ACTIVE:
            state = phase_label(person.phase, _)
        marks = "".join(WAITING_MARKS[reason] for reason in waiting.get(person.id, []))
        label = f"{marks} {person.name} — {state}" if marks else f"{person.name} — {state}"
        rows.append([button(shorten(label), f"{CARD_PREFIX}{person.id}")])
    nav = []
    if page > 0:
        nav.append(button("◀", f"{LIST}:{page - 1}"))
    if page + 1 < pages:
        nav.append(button("▶", f"{LIST}:{page + 1}"))
    if nav:
        rows.append(nav)
    if searched is not None:
        rows.append([button(_("🔎 Search again"), FIND), button(_("👥 All"), LIST)])
    else:
        rows.append([button(_("🔎 Search by name"), FIND)])
    return Screen(text, rows)


def found_screen(people: People, typed: str, locale: str, _: Translate) -> Screen:
    """The people whose name holds what was typed (``/beneficiaires léa``, or typed after
    "🔎 Search by name"); a sentence and the way back when nobody does."""
    everyone, waiting = people
    found = matching(everyone, typed)
    if found:
        return list_screen(found, 0, locale, _, waiting, searched=typed)
    text = _(
        "Nobody among your beneficiaries is called “{typed}”. Type another part of the "
        "name, or see them all."
    ).format(typed=e(typed))
    return Screen(text, [[button(_("🔎 Search again"), FIND), button(_("👥 All"), LIST)]])


def no_one_screen(_: Translate) -> Screen:
    return Screen(_("You have no beneficiaries yet. Invite one with /invite First Last."))


def ask_name_screen(_: Translate) -> Screen:
    return Screen(_("Type the name (or part of it) of the person you are looking for."))
