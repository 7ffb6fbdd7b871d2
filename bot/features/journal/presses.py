"""Every ``j:`` press, as one table: the beneficiary's journal and entries, the
counsellor's choice of person and the entries shared with them.

Callback grammar (all under ``j:``)::

    j:list  j:p:<page>        the journal (beneficiary) / the choice of person (counsellor)
    j:new                     (beneficiary) write an entry
    j:v:<entry>               (beneficiary) open one entry
    j:s:<entry>:<0|1>         (beneficiary) make private / share
    j:del:<entry>  j:dy:<entry>   (beneficiary) delete? / yes, delete
    j:b:<beneficiary>         (counsellor) the shared entries of this person

A press with the wrong number of arguments, or one whose data does not parse,
reads "This button is no longer active.", as do storage's refusals.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from bot.features.journal.screens import (
    JOURNAL_FLOW,
    WRITE_PROMPT,
    counsellor_picker,
    entry_screens,
    journal_screen,
    page,
    shared_screens,
)
from bot.keyboards import button
from bot.kit.presses import Press, Presses, Reply
from bot.kit.refusals import STALE
from bot.kit.screens import Screen, Stale, count
from bot.kit.strict import EITHER, strictly
from bot.runtime import work
from storage import journal as store
from storage import sessions as dialogue
from storage.actors import BeneficiaryActor, CounsellorActor

PRESSES = Presses("j", denied=STALE)

_on = partial(strictly, PRESSES)
"""``@_on(verb, who, *arities)``: a press of this table, its data checked to the letter."""


def _new(screens: Sequence[Screen]) -> Reply:
    """Say it in new messages, under the one pressed."""
    return Reply(screens, in_place=False)


def _beneficiary(press: Press) -> BeneficiaryActor:
    assert isinstance(press.actor, BeneficiaryActor)  # the table checked who pressed
    return press.actor


@_on("list", EITHER, 0)
async def journal(press: Press) -> Reply:
    """Their journal (beneficiary), or whose shared entries to read (counsellor)."""
    async with work(press.context) as session:
        if isinstance(press.actor, CounsellorActor):
            return _new([await counsellor_picker(session, press.caller, press.actor)])
        return _new([await journal_screen(session, press.caller, _beneficiary(press), 0)])


@_on("b", CounsellorActor, 1)
async def shared(press: Press) -> Reply:
    assert isinstance(press.actor, CounsellorActor)
    async with work(press.context) as session:
        return _new(await shared_screens(session, press.caller, press.actor, count(press.arg(0))))


@_on("p", BeneficiaryActor, 1)
async def other_page(press: Press) -> Screen:
    async with work(press.context) as session:
        return await journal_screen(session, press.caller, _beneficiary(press), count(press.arg(0)))


@_on("new", BeneficiaryActor, 0)
async def write(press: Press) -> Reply:
    async with work(press.context) as session:
        await dialogue.save_dialogue(session, _beneficiary(press), JOURNAL_FLOW, "text")
    return _new([page(press._(WRITE_PROMPT))])


@_on("v", BeneficiaryActor, 1)
async def open_entry(press: Press) -> Reply:
    me = _beneficiary(press)
    async with work(press.context) as session:
        entry = await store.own_entry(session, me, count(press.arg(0)))
    return _new(entry_screens(press.caller, me, entry))


@_on("s", BeneficiaryActor, 2)
async def share(press: Press) -> Screen:
    """Shared or private again; the pressed message (the one with the buttons) changes."""
    me = _beneficiary(press)
    if press.arg(1) not in ("0", "1"):
        raise Stale("not a sharing button")
    async with work(press.context) as session:
        entry = await store.set_shared(session, me, count(press.arg(0)), press.arg(1) == "1")
    # A long note stays above, in its own message.
    return entry_screens(press.caller, me, entry)[-1]


@_on("del", BeneficiaryActor, 1)
async def ask_delete(press: Press) -> Screen:
    _ = press._
    async with work(press.context) as session:
        entry = await store.own_entry(session, _beneficiary(press), count(press.arg(0)))
    rows = [
        [
            button(_("🗑 Yes, delete it"), f"j:dy:{entry.id}"),
            button(_("◀ No, keep it"), f"j:v:{entry.id}"),
        ]
    ]
    return page(_("Delete this entry for good?"), rows)


@_on("dy", BeneficiaryActor, 1)
async def delete(press: Press) -> Screen:
    me = _beneficiary(press)
    async with work(press.context) as session:
        await store.delete_entry(session, me, count(press.arg(0)))
        return await journal_screen(session, press.caller, me, 0)
