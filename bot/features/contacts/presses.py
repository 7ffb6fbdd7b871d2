"""Every ``ct:`` press, as one table: the file, a contact, its steps, erasing, sharing.

Callback grammar (all under ``ct:``)::

    ct:l                        the file
    ct:new  ct:k:<kind>         add: choose the kind, then type
    ct:mt:<ogr>  ct:md          the métier step: pick a title / done with métiers
    ct:v:<id>  ct:e:<id>:<f>    open a contact / retype one field
    ct:x:<id>  ct:xy:<id>       erase? / yes, erase
    ct:b:<ben>                  a beneficiary's inquiries and matching contacts
    ct:s:<ben>:<id>[:<code>]    share a contact with them

Counsellors only (anyone else reads, under the button, that the file is for
counsellors). Opening a contact replaces the pressed message; every other
press answers in a new message under it. A press with the wrong number of
arguments, data that does not parse, a contact gone or another counsellor's
person reads "This button is no longer active.".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.features.contacts import screens
from bot.features.contacts.draft import FLOW, as_data, save
from bot.features.contacts.screens import ask, page
from bot.kit.commands import counsellors
from bot.kit.presses import Press, Presses, Reply, new_message
from bot.kit.refusals import STALE
from bot.kit.screens import Screen, Stale
from bot.kit.screens import count as number
from bot.kit.typed import DRAFT_TEXT_WAIT
from bot.runtime import Caller, Context, wake_dispatcher, work
from dialogues.rome import load_rome
from storage import contacts as store
from storage import sessions as dialogue
from storage.actors import CounsellorActor, PersonActor
from storage.contacts import ContactKind, ContactRefused
from storage.people import get_beneficiary


async def _counsellor_pressed(
    update: Update, context: Context, _caller: Caller
) -> tuple[Caller, PersonActor] | None:
    """Only a counsellor presses in the file; anyone else reads why, under the button."""
    found = await counsellors(update, context)
    if found is None and update.callback_query is not None:
        await update.callback_query.answer()
    return found


PRESSES = Presses(
    "ct",
    denied=STALE,
    who_pressed=_counsellor_pressed,
    means={KeyError: Stale, ContactRefused: Stale},
)
"""A contact or a ROME title no longer known, or a field the file refuses here (a press
cannot retype it), is an old button too."""


@PRESSES.strict("l", 0, who=CounsellorActor)
async def the_file(press: Press) -> Reply:
    async with work(press.context) as session:
        contacts = await store.list_contacts(session, press.counsellor)
    return new_message(screens.file_screen(contacts, press.caller))


@PRESSES.strict("new", 0, who=CounsellorActor)
async def choose_kind(press: Press) -> Reply:
    return new_message(screens.kind_screen(press._))


@PRESSES.strict("k", 1, who=CounsellorActor)
async def kind_chosen(press: Press) -> Reply:
    chosen = ContactKind(press.arg(0))
    async with work(press.context) as session:
        await dialogue.save_dialogue(
            session, press.counsellor, FLOW, "name", {"kind": chosen.value}
        )
    return new_message(page(ask("name", press._)))


@PRESSES.strict("v", 1, who=CounsellorActor)
async def open_contact(press: Press) -> Screen:
    async with work(press.context) as session:
        contact = await store.get_contact(session, press.counsellor, number(press.arg(0)))
    return screens.contact_screen(contact, press.caller)


@PRESSES.strict("e", 2, who=CounsellorActor)
async def retype(press: Press) -> Reply:
    field = press.arg(1)
    if field not in screens.EDITABLE:
        raise Stale("unknown field")
    me = press.counsellor
    async with work(press.context) as session:
        contact = await store.get_contact(session, me, number(press.arg(0)))
        draft = as_data(contact)
        if field == "metiers":
            draft["rome_codes"] = []
        await dialogue.save_dialogue(session, me, FLOW, f"e_{field}", draft)
    return new_message(page(ask(field, press._)))


async def _metier_step(
    session: AsyncSession, me: CounsellorActor
) -> tuple[dialogue.Dialogue, dict[str, Any]]:
    """The draft waiting at its métier step, or Stale (the step is over)."""
    row = await dialogue.current_dialogue(session, me, flows=[FLOW], max_age=DRAFT_TEXT_WAIT)
    if row is None or not row.step.endswith("metiers"):
        raise Stale("no métier step")
    return row, dict(row.data)


@PRESSES.strict("mt", 1, who=CounsellorActor)
async def metier_picked(press: Press) -> Reply:
    me = press.counsellor
    async with work(press.context) as session:
        row, draft = await _metier_step(session, me)
        code = load_rome().appellation(press.arg(0)).code
        draft["rome_codes"] = list(dict.fromkeys([*draft.get("rome_codes", []), code]))
        await dialogue.save_dialogue(session, me, FLOW, row.step, draft)
    return new_message(screens.metiers_screen(draft, press.caller))


@PRESSES.strict("md", 0, who=CounsellorActor)
async def metiers_done(press: Press) -> Reply:
    me = press.counsellor
    async with work(press.context) as session:
        row, draft = await _metier_step(session, me)
        if not draft.get("rome_codes"):
            return new_message(page(ask("metiers", press._)))
        if row.step.startswith("e_"):
            return new_message(await save(session, press.caller, me, draft))
        await dialogue.save_dialogue(session, me, FLOW, "how", draft)
    return new_message(page(ask("how", press._)))


@PRESSES.strict("x", 1, who=CounsellorActor)
async def erase_asked(press: Press) -> Reply:
    async with work(press.context) as session:
        contact = await store.get_contact(session, press.counsellor, number(press.arg(0)))
    return new_message(screens.erase_screen(contact, press._))


@PRESSES.strict("xy", 1, who=CounsellorActor)
async def erase(press: Press) -> Reply:
    me = press.counsellor
    async with work(press.context) as session:
        shares = await store.erase_contact(session, me, number(press.arg(0)))
        contacts = await store.list_contacts(session, me)
    note = screens.erased_note(shares, press.caller)
    return new_message(screens.file_screen(contacts, press.caller, note))


@PRESSES.strict("b", 1, who=CounsellorActor)
async def for_beneficiary(press: Press) -> Reply:
    async with work(press.context) as session:
        shown = await screens.beneficiary_screens(
            session, press.caller, press.counsellor, number(press.arg(0))
        )
    return new_message(*shown)


@PRESSES.strict("s", 2, 3, who=CounsellorActor)
async def share(press: Press) -> Reply:
    me = press.counsellor
    beneficiary_id, contact_id = number(press.arg(0)), number(press.arg(1))
    matched = press.args[2] if len(press.args) == 3 else None
    async with work(press.context) as session:
        shared, new = await store.share_contact(
            session, me, beneficiary_id, contact_id, rome_code=matched
        )
        person = await get_beneficiary(session, me, beneficiary_id)
        name = shared.contact.name if shared.contact else ""
        text = screens.shared_text(name, person.name, new, press._)
        shown = await screens.beneficiary_screens(session, press.caller, me, beneficiary_id)
    wake_dispatcher(press.context)
    return new_message(page(text), *shown)
