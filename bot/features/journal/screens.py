"""What the journal shows: the beneficiary's pages of entries, one entry with its
buttons, and the counsellor's choice of person and the entries shared with them.

Every screen of this feature is a :func:`page`: HTML, its links folded.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton
from telegram.constants import MessageLimit

from bot.caseload import active_beneficiaries, beneficiary_rows
from bot.i18n import N_, Translate, format_datetime
from bot.keyboards import button
from bot.kit.screens import Screen, e
from bot.kit.screens import page as page  # this feature's screens fold their links
from bot.replies import chunk_lines, visible_length
from bot.runtime import Caller
from dialogues.languages import language
from dialogues.typography import shorten
from storage import journal as store
from storage.actors import BeneficiaryActor, CounsellorActor
from storage.journal import Entry
from storage.people import get_beneficiary

LIST = "j:list"
JOURNAL_FLOW = "journal"
WRITE_PROMPT = N_(
    "✍️ Write your note in one message. It stays private unless you choose "
    "to share it. /annuler to stop."
)
PER_PAGE = 8


def stamp_of(entry: Entry, caller: Caller, timezone: str) -> str:
    pattern = language(caller.locale).dates.journal_entry
    return format_datetime(entry.created_at, caller.locale, timezone, pattern)


def mark(entry: Entry) -> str:
    return "👁" if entry.shared else "🔒"


async def journal_screen(
    session: AsyncSession, caller: Caller, actor: BeneficiaryActor, shown: int
) -> Screen:
    """Page ``shown`` of their entries, newest first (kept within the pages there are)."""
    _ = caller._
    total = await store.count_own_entries(session, actor)
    pages = max(1, -(-total // PER_PAGE))
    shown = min(max(shown, 0), pages - 1)
    entries = await store.own_entries(session, actor, offset=shown * PER_PAGE, limit=PER_PAGE)
    lines = [
        _("<b>Your journal</b>"),
        _(
            "Your notes stay private (🔒) unless you share one with your counsellor (👁); "
            "you can change that at any time."
        ),
    ]
    if not entries:
        lines += ["", _("No entry yet.")]
    for entry in entries:
        lines.append(
            f"\n{mark(entry)} <b>{stamp_of(entry, caller, actor.timezone)}</b> — "
            f"{e(shorten(entry.text, 90))}"
        )
    rows: list[list[InlineKeyboardButton]] = [[button(_("✍️ New entry"), "j:new")]]
    rows += [
        [button(f"{mark(x)} {stamp_of(x, caller, actor.timezone)}", f"j:v:{x.id}")] for x in entries
    ]
    nav: list[InlineKeyboardButton] = []
    if shown > 0:
        nav.append(button(_("◀ Newer"), f"j:p:{shown - 1}"))
    if shown + 1 < pages:
        nav.append(button(_("Older ▶"), f"j:p:{shown + 1}"))
    if nav:
        rows.append(nav)
    return page("\n".join(lines), rows)


def entry_screens(
    caller: Caller, actor: BeneficiaryActor, entry: Entry, note: str = ""
) -> list[Screen]:
    """One entry with its buttons; a note as long as a whole message comes on its own first.

    A note may fill a Telegram message (see :data:`storage.journal.MAX_ENTRY`):
    with its date and state around it, it would not fit in one any more.
    """
    _ = caller._
    state = (
        _("👁 Shared: your counsellor can read it.")
        if entry.shared
        else _("🔒 Private: only you can read it.")
    )
    stamp = f"<b>{stamp_of(entry, caller, actor.timezone)}</b>"
    lines = [stamp, "", e(entry.text), "", state]
    if note:
        lines.insert(0, note)
    controls = entry_controls(entry, _)
    whole = "\n".join(lines)
    if visible_length(whole) <= MessageLimit.MAX_TEXT_LENGTH:
        return [page(whole, controls)]
    apart = [note] if note else []
    apart += [stamp, _("⬆️ Your note is in the message just above."), "", state]
    return [page(e(entry.text)), page("\n".join(apart), controls)]


def entry_controls(entry: Entry, _: Translate) -> list[list[InlineKeyboardButton]]:
    share = (
        button(_("🔒 Make it private"), f"j:s:{entry.id}:0")
        if entry.shared
        else button(_("👁 Share with my counsellor"), f"j:s:{entry.id}:1")
    )
    return [
        [share],
        [button(_("🗑 Delete"), f"j:del:{entry.id}"), button(_("◀ My journal"), LIST)],
    ]


async def counsellor_picker(
    session: AsyncSession, caller: Caller, actor: CounsellorActor
) -> Screen:
    _ = caller._
    people = await active_beneficiaries(session, actor)
    counts = await store.shared_counts(session, actor)
    if not people:
        return page(_("None of your beneficiaries has accepted their invitation yet."))
    labels = {p.id: f"({counts.get(p.id, 0)})" for p in people}
    text = _("<b>Shared journals.</b> Whose entries? (number shared in brackets)")
    return page(text, beneficiary_rows(people, "j:b:", labels))


async def shared_screens(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, beneficiary_id: int
) -> list[Screen]:
    """The entries this person shared, newest first, in as many messages as they need.

    Reading them is audited by :func:`storage.journal.shared_entries`.
    """
    _ = caller._
    person = await get_beneficiary(session, actor, beneficiary_id)
    entries = await store.shared_entries(session, actor, beneficiary_id)
    if not entries:
        return [page(_("{name} has not shared any journal entry.").format(name=e(person.name)))]
    lines = [
        _("<b>Journal shared by {name}</b> ({count})").format(
            name=e(person.name), count=len(entries)
        )
    ]
    for entry in entries:
        # Date and text as two lines: a full-length note fills a message alone.
        lines += [f"\n<b>{stamp_of(entry, caller, actor.timezone)}</b>", e(entry.text)]
    return [page(chunk) for chunk in chunk_lines(lines, measure=visible_length)]
