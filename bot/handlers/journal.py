"""The journal in Telegram: free notes between sessions, private unless shared.

Beneficiary: ``/journal`` lists their entries by date (🔒 private, 👁 shared),
"✍️ New entry" waits for one typed message (state in the database), and each
entry can be opened, shared with the counsellor or made private again, or
deleted. A new entry is private; the reply offers to share it.

Counsellor: ``/journal`` → one of their beneficiaries → the entries that
person shared, newest first. Each reading is audited by
:func:`storage.journal.shared_entries`.

Callback grammar (all under ``j:``)::

    j:list  j:p:<page>        the journal (beneficiary) / the choice of person (counsellor)
    j:new                     (beneficiary) write an entry
    j:v:<entry>               (beneficiary) open one entry
    j:s:<entry>:<0|1>         (beneficiary) make private / share
    j:del:<entry>  j:dy:<entry>   (beneficiary) delete? / yes, delete
    j:b:<beneficiary>         (counsellor) the shared entries of this person
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, Update
from telegram.constants import MessageLimit

from bot.caseload import active_beneficiaries, beneficiary_rows
from bot.handler_screens import answer_stale, edit_screen, number, send_screen
from bot.handlers.onboarding import known_caller
from bot.i18n import N_, Translate, format_datetime
from bot.keyboards import button
from bot.kit.door import Flow
from bot.kit.roles import as_beneficiary, as_counsellor
from bot.kit.screens import Screen, Stale, e
from bot.kit.typed import BENEFICIARY_TEXT_WAIT, typed_text
from bot.replies import chunk_lines, visible_length
from bot.runtime import Caller, Context, work
from dialogues.languages import language
from dialogues.typography import shorten
from storage import journal as store
from storage import sessions as dialogue
from storage.actors import AccessDenied, BeneficiaryActor, CounsellorActor
from storage.journal import Entry, EntryRefused
from storage.people import get_beneficiary

log = logging.getLogger(__name__)

PREFIX = "j:"
CALLBACK_PATTERN = r"^j:"
LIST = "j:list"

BENEFICIARY_COMMANDS = [("journal", N_("Your journal: notes between sessions"))]
COUNSELLOR_COMMANDS = [("journal", N_("Journal entries your beneficiaries shared"))]

JOURNAL_FLOW = "journal"
_WRITE_PROMPT = N_(
    "✍️ Write your note in one message. It stays private unless you choose "
    "to share it. /annuler to stop."
)
PER_PAGE = 8


def _stamp(entry: Entry, caller: Caller, timezone: str) -> str:
    pattern = language(caller.locale).dates.journal_entry
    return format_datetime(entry.created_at, caller.locale, timezone, pattern)


def _mark(entry: Entry) -> str:
    return "👁" if entry.shared else "🔒"


async def _journal_screen(
    session: AsyncSession, caller: Caller, actor: BeneficiaryActor, page: int
) -> Screen:
    _ = caller._
    total = await store.count_own_entries(session, actor)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 0), pages - 1)
    entries = await store.own_entries(session, actor, offset=page * PER_PAGE, limit=PER_PAGE)
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
            f"\n{_mark(entry)} <b>{_stamp(entry, caller, actor.timezone)}</b> — "
            f"{e(shorten(entry.text, 90))}"
        )
    rows: list[list[InlineKeyboardButton]] = [[button(_("✍️ New entry"), "j:new")]]
    rows += [
        [button(f"{_mark(x)} {_stamp(x, caller, actor.timezone)}", f"j:v:{x.id}")] for x in entries
    ]
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(button(_("◀ Newer"), f"j:p:{page - 1}"))
    if page + 1 < pages:
        nav.append(button(_("Older ▶"), f"j:p:{page + 1}"))
    if nav:
        rows.append(nav)
    return Screen("\n".join(lines), rows)


def _entry_screens(
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
    stamp = f"<b>{_stamp(entry, caller, actor.timezone)}</b>"
    lines = [stamp, "", e(entry.text), "", state]
    if note:
        lines.insert(0, note)
    controls = _entry_controls(entry, _)
    whole = "\n".join(lines)
    if visible_length(whole) <= MessageLimit.MAX_TEXT_LENGTH:
        return [Screen(whole, controls)]
    apart = [note] if note else []
    apart += [stamp, _("⬆️ Your note is in the message just above."), "", state]
    return [Screen(e(entry.text)), Screen("\n".join(apart), controls)]


def _entry_controls(entry: Entry, _: Translate) -> list[list[InlineKeyboardButton]]:
    share = (
        button(_("🔒 Make it private"), f"j:s:{entry.id}:0")
        if entry.shared
        else button(_("👁 Share with my counsellor"), f"j:s:{entry.id}:1")
    )
    return [
        [share],
        [button(_("🗑 Delete"), f"j:del:{entry.id}"), button(_("◀ My journal"), LIST)],
    ]


async def _counsellor_picker(
    session: AsyncSession, caller: Caller, actor: CounsellorActor
) -> Screen:
    _ = caller._
    people = await active_beneficiaries(session, actor)
    counts = await store.shared_counts(session, actor)
    if not people:
        return Screen(_("None of your beneficiaries has accepted their invitation yet."))
    labels = {p.id: f"({counts.get(p.id, 0)})" for p in people}
    text = _("<b>Shared journals.</b> Whose entries? (number shared in brackets)")
    return Screen(text, beneficiary_rows(people, "j:b:", labels))


async def _press(caller: Caller, data: str, context: Context) -> tuple[list[Screen], bool]:
    """The screens to show and whether to edit the pressed message with the first."""
    parts = data.split(":")
    kind, args = parts[1], parts[2:]
    _ = caller._
    async with work(context) as session:
        if isinstance(caller.actor, CounsellorActor):
            actor = as_counsellor(caller)
            if kind == "list" and not args:
                return [await _counsellor_picker(session, caller, actor)], False
            if kind == "b" and len(args) == 1:
                beneficiary_id = number(args[0])
                person = await get_beneficiary(session, actor, beneficiary_id)
                entries = await store.shared_entries(session, actor, beneficiary_id)
                if not entries:
                    text = _("{name} has not shared any journal entry.").format(name=e(person.name))
                    return [Screen(text)], False
                lines = [
                    _("<b>Journal shared by {name}</b> ({count})").format(
                        name=e(person.name), count=len(entries)
                    )
                ]
                for entry in entries:
                    # Date and text as two lines: a full-length note fills a message alone.
                    lines += [f"\n<b>{_stamp(entry, caller, actor.timezone)}</b>", e(entry.text)]
                chunks = chunk_lines(lines, measure=visible_length)
                return [Screen(chunk) for chunk in chunks], False
            raise Stale("unknown press")
        me = as_beneficiary(caller)
        if kind == "list" and not args:
            return [await _journal_screen(session, caller, me, 0)], False
        if kind == "p" and len(args) == 1:
            return [await _journal_screen(session, caller, me, number(args[0]))], True
        if kind == "new" and not args:
            await dialogue.save_dialogue(session, me, JOURNAL_FLOW, "text")
            return [Screen(_(_WRITE_PROMPT))], False
        if kind == "v" and len(args) == 1:
            entry = await store.own_entry(session, me, number(args[0]))
            return _entry_screens(caller, me, entry), False
        if kind == "s" and len(args) == 2 and args[1] in ("0", "1"):
            entry = await store.set_shared(session, me, number(args[0]), args[1] == "1")
            # The pressed message is the one with the buttons: a long note stays above it.
            return _entry_screens(caller, me, entry)[-1:], True
        if kind == "del" and len(args) == 1:
            entry = await store.own_entry(session, me, number(args[0]))
            rows = [
                [
                    button(_("🗑 Yes, delete it"), f"j:dy:{entry.id}"),
                    button(_("◀ No, keep it"), f"j:v:{entry.id}"),
                ]
            ]
            return [Screen(_("Delete this entry for good?"), rows)], True
        if kind == "dy" and len(args) == 1:
            await store.delete_entry(session, me, number(args[0]))
            return [await _journal_screen(session, caller, me, 0)], True
        raise Stale("unknown press")


async def on_button(update: Update, context: Context) -> None:
    """Every ``j:`` press."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    caller = await known_caller(update, context)
    if caller is None:
        return
    try:
        screens, edit = await _press(caller, query.data, context)
    except (Stale, AccessDenied, IndexError, ValueError):
        await answer_stale(query, caller._)
        return
    await query.answer()
    first, rest = screens[0], screens[1:]
    await (edit_screen(update, first) if edit else send_screen(update, first))
    for screen in rest:
        await send_screen(update, screen)


async def journal_command(update: Update, context: Context) -> None:
    """``/journal``."""
    caller = await known_caller(update, context)
    if caller is None:
        return
    screens, _edit = await _press(caller, LIST, context)
    for screen in screens:
        await send_screen(update, screen)


async def handle_text(update: Update, context: Context) -> bool:
    """A typed journal entry, if this beneficiary asked to write one; True when consumed."""
    typed = await typed_text(update, context)
    if typed is None:
        return False
    caller, me, text = typed
    if not isinstance(me, BeneficiaryActor):
        return False
    _ = caller._
    async with work(context) as session:
        wait = await dialogue.current_dialogue(
            session, me, flows=[JOURNAL_FLOW], max_age=BENEFICIARY_TEXT_WAIT
        )
        if wait is None:
            return False
        try:
            entry = await store.add_entry(session, me, text)
        except EntryRefused as refused:
            # Still waiting: the person may send another note, or /annuler.
            if refused.reason == "too_long":
                text = _("⚠️ That is too long ({max} characters at most).").format(
                    max=store.MAX_ENTRY
                )
            else:
                text = _(_WRITE_PROMPT)
            await send_screen(update, Screen(text))
            return True
        await dialogue.end_dialogue(session, me, flows=[JOURNAL_FLOW])
        screens = _entry_screens(caller, me, entry, _("📓 Saved in your journal."))
    for screen in screens:
        await send_screen(update, screen)
    return True


TEXT_FLOWS = (Flow((JOURNAL_FLOW,), handle_text, lambda _wait, _: _("your journal note")),)
