"""Every ``j:`` press, as one table: the beneficiary's journal and entries, the
counsellor's choice of person and the entries shared with them.
Each press is read strictly (:meth:`~bot.kit.presses.Presses.strict`); what no
longer fits (an entry not theirs) reads "This button is no longer active.".

Callback grammar (all under ``j:``)::

    j:list  j:p:<page>        the journal (beneficiary) / the choice of person (counsellor)
    j:new                     (beneficiary) write an entry
    j:v:<entry>               (beneficiary) open one entry
    j:s:<entry>:<0|1>         (beneficiary) make private / share
    j:del:<entry>  j:dy:<entry>   (beneficiary) delete? / yes, delete
    j:b:<beneficiary>         (counsellor) the shared entries of this person
"""

from __future__ import annotations

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
from bot.kit.presses import Press, Presses, Reply, new_message
from bot.kit.refusals import STALE
from bot.kit.screens import Screen, Stale, count
from bot.runtime import work
from storage import journal as store
from storage import sessions as dialogue
from storage.actors import BeneficiaryActor, CounsellorActor

PRESSES = Presses("j", denied=STALE)


@PRESSES.strict("list", 0)
async def journal(press: Press) -> Reply:
    """Their journal (beneficiary), or whose shared entries to read (counsellor)."""
    async with work(press.context) as session:
        if isinstance(press.actor, CounsellorActor):
            return new_message(await counsellor_picker(session, press.caller, press.actor))
        return new_message(await journal_screen(session, press.caller, press.beneficiary, 0))


@PRESSES.strict("b", 1, who=CounsellorActor)
async def shared(press: Press) -> Reply:
    whose = count(press.arg(0))
    async with work(press.context) as session:
        return new_message(*await shared_screens(session, press.caller, press.counsellor, whose))


@PRESSES.strict("p", 1, who=BeneficiaryActor)
async def other_page(press: Press) -> Screen:
    async with work(press.context) as session:
        return await journal_screen(session, press.caller, press.beneficiary, count(press.arg(0)))


@PRESSES.strict("new", 0, who=BeneficiaryActor)
async def write(press: Press) -> Reply:
    async with work(press.context) as session:
        await dialogue.save_dialogue(session, press.beneficiary, JOURNAL_FLOW, "text")
    return new_message(page(press._(WRITE_PROMPT)))


@PRESSES.strict("v", 1, who=BeneficiaryActor)
async def open_entry(press: Press) -> Reply:
    me = press.beneficiary
    async with work(press.context) as session:
        entry = await store.own_entry(session, me, count(press.arg(0)))
    return new_message(*entry_screens(press.caller, me, entry))


@PRESSES.strict("s", 2, who=BeneficiaryActor)
async def share(press: Press) -> Screen:
    """Shared or private again; the pressed message (the one with the buttons) changes."""
    me = press.beneficiary
    if press.arg(1) not in ("0", "1"):
        raise Stale("not a sharing button")
    async with work(press.context) as session:
        entry = await store.set_shared(session, me, count(press.arg(0)), press.arg(1) == "1")
    # A long note stays above, in its own message.
    return entry_screens(press.caller, me, entry)[-1]


@PRESSES.strict("del", 1, who=BeneficiaryActor)
async def ask_delete(press: Press) -> Screen:
    _ = press._
    async with work(press.context) as session:
        entry = await store.own_entry(session, press.beneficiary, count(press.arg(0)))
    rows = [
        [
            button(_("🗑 Yes, delete it"), f"j:dy:{entry.id}"),
            button(_("◀ No, keep it"), f"j:v:{entry.id}"),
        ]
    ]
    return page(_("Delete this entry for good?"), rows)


@PRESSES.strict("dy", 1, who=BeneficiaryActor)
async def delete(press: Press) -> Screen:
    me = press.beneficiary
    async with work(press.context) as session:
        await store.delete_entry(session, me, count(press.arg(0)))
        return await journal_screen(session, press.caller, me, 0)
