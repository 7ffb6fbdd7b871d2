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

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.features.contacts import screens
from bot.features.contacts.commands import only_counsellors
from bot.features.contacts.draft import FLOW, as_data, save
from bot.features.contacts.screens import ask, page
from bot.kit.presses import Press, Presses, PressFunction, Reply, Shown
from bot.kit.refusals import STALE
from bot.kit.screens import Screen, Stale
from bot.kit.screens import count as number
from bot.kit.strict import strictly
from bot.kit.typed import DRAFT_TEXT_WAIT
from bot.runtime import Caller, Context, wake_dispatcher, work
from dialogues.rome import load_rome
from storage import contacts as store
from storage import sessions as dialogue
from storage.actors import CounsellorActor, PersonActor
from storage.contacts import ContactKind, ContactRefused
from storage.people import get_beneficiary


async def _counsellor_pressed(
    update: Update, _context: Context, caller: Caller
) -> tuple[Caller, PersonActor] | None:
    """Only a counsellor presses in the file; anyone else reads why, under the button."""
    me = await only_counsellors(update, caller)
    if me is None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        return None
    return caller, me


PRESSES = Presses("ct", denied=STALE, who_pressed=_counsellor_pressed)


def _on(verb: str, *arities: int) -> Callable[[PressFunction], PressFunction]:
    """A counsellor's press, its data checked to the letter.

    A contact or a ROME title no longer known, or a field the file refuses
    here (a press cannot retype it), is an old button too.
    """

    def register(function: PressFunction) -> PressFunction:
        async def checked(press: Press) -> Shown:
            try:
                return await function(press)
            except (KeyError, ContactRefused) as error:
                raise Stale("no longer fits") from error

        strictly(PRESSES, verb, CounsellorActor, *arities)(checked)
        return function

    return register


def _me(press: Press) -> CounsellorActor:
    assert isinstance(press.actor, CounsellorActor)  # the table checked who pressed
    return press.actor


def _new(*shown: Screen) -> Reply:
    """Say it in a new message, under the one pressed."""
    return Reply(shown, in_place=False)


@_on("l", 0)
async def the_file(press: Press) -> Reply:
    async with work(press.context) as session:
        contacts = await store.list_contacts(session, _me(press))
    return _new(screens.file_screen(contacts, press.caller))


@_on("new", 0)
async def choose_kind(press: Press) -> Reply:
    return _new(screens.kind_screen(press._))


@_on("k", 1)
async def kind_chosen(press: Press) -> Reply:
    chosen = ContactKind(press.arg(0))
    async with work(press.context) as session:
        await dialogue.save_dialogue(session, _me(press), FLOW, "name", {"kind": chosen.value})
    return _new(page(ask("name", press._)))


@_on("v", 1)
async def open_contact(press: Press) -> Screen:
    async with work(press.context) as session:
        contact = await store.get_contact(session, _me(press), number(press.arg(0)))
    return screens.contact_screen(contact, press.caller)


@_on("e", 2)
async def retype(press: Press) -> Reply:
    field = press.arg(1)
    if field not in screens.EDITABLE:
        raise Stale("unknown field")
    me = _me(press)
    async with work(press.context) as session:
        contact = await store.get_contact(session, me, number(press.arg(0)))
        draft = as_data(contact)
        if field == "metiers":
            draft["rome_codes"] = []
        await dialogue.save_dialogue(session, me, FLOW, f"e_{field}", draft)
    return _new(page(ask(field, press._)))


async def _metier_step(
    session: AsyncSession, me: CounsellorActor
) -> tuple[dialogue.Dialogue, dict[str, Any]]:
    """The draft waiting at its métier step, or Stale (the step is over)."""
    row = await dialogue.current_dialogue(session, me, flows=[FLOW], max_age=DRAFT_TEXT_WAIT)
    if row is None or not row.step.endswith("metiers"):
        raise Stale("no métier step")
    return row, dict(row.data)


@_on("mt", 1)
async def metier_picked(press: Press) -> Reply:
    me = _me(press)
    async with work(press.context) as session:
        row, draft = await _metier_step(session, me)
        code = load_rome().appellation(press.arg(0)).code
        draft["rome_codes"] = list(dict.fromkeys([*draft.get("rome_codes", []), code]))
        await dialogue.save_dialogue(session, me, FLOW, row.step, draft)
    return _new(screens.metiers_screen(draft, press.caller))


@_on("md", 0)
async def metiers_done(press: Press) -> Reply:
    me = _me(press)
    async with work(press.context) as session:
        row, draft = await _metier_step(session, me)
        if not draft.get("rome_codes"):
            return _new(page(ask("metiers", press._)))
        if row.step.startswith("e_"):
            return _new(await save(session, press.caller, me, draft))
        await dialogue.save_dialogue(session, me, FLOW, "how", draft)
    return _new(page(ask("how", press._)))


@_on("x", 1)
async def erase_asked(press: Press) -> Reply:
    async with work(press.context) as session:
        contact = await store.get_contact(session, _me(press), number(press.arg(0)))
    return _new(screens.erase_screen(contact, press._))


@_on("xy", 1)
async def erase(press: Press) -> Reply:
    me = _me(press)
    async with work(press.context) as session:
        shares = await store.erase_contact(session, me, number(press.arg(0)))
        contacts = await store.list_contacts(session, me)
    note = screens.erased_note(shares, press.caller)
    return _new(screens.file_screen(contacts, press.caller, note))


@_on("b", 1)
async def for_beneficiary(press: Press) -> Reply:
    async with work(press.context) as session:
        shown = await screens.beneficiary_screens(
            session, press.caller, _me(press), number(press.arg(0))
        )
    return _new(*shown)


@_on("s", 2, 3)
async def share(press: Press) -> Reply:
    me = _me(press)
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
    return _new(page(text), *shown)
