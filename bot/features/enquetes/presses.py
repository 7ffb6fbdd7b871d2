"""The beneficiary's ``en:`` buttons: one small function per verb.

Callback grammar (all under ``en:``; buttons already sent keep working)::

    en:l  en:sh  en:new          my inquiries / contacts shared with me / a new one
    en:ns:<share>  en:own        start with a shared contact / with someone of my own
    en:t:<ogr>                   (own) the métier's title, picked
    en:g:<id>                    the guide and where this inquiry stands
    en:q:<id>  en:m:<id>         type my questions / the meeting date
    en:r:<id>  en:d:<id>:<0|1>   report: when (today / yesterday, or typed)
    en:c:<id>:<yes|partly|no>    does it confirm the project
    en:nx:<id>  en:p:<id>        no next step / put the next step in my plan
    en:del:<id>  en:dy:<id>      delete? / yes, delete

Every press is re-checked against the person who pressed (storage takes their
actor). ``en:g`` shows the guide in place of the pressed message; every other
press answers with a new message, so the guide stays readable above the steps.
A press that no longer fits (an old button, another person's id) reads "This
button is no longer active."; a refusal of storage reads its reason
(:func:`bot.features.enquetes.screens.refused_text`).
"""

from __future__ import annotations

from datetime import timedelta

from bot.datetime_input import local_today
from bot.features.enquetes import steps, views
from bot.features.enquetes.screens import (
    delete_screen,
    guide_screens,
    list_screen,
    met_on_screen,
    next_screen,
    prompt,
    refused_text,
    shares_screen,
    whom_screen,
)
from bot.kit.presses import Press, Presses, Reply, new_message
from bot.kit.refusals import STALE
from bot.kit.screens import Screen, Stale, number
from bot.runtime import work
from dialogues.rome import load_rome
from dialogues.typography import shorten
from storage import enquetes as store
from storage import plans
from storage.actors import BeneficiaryActor
from storage.contacts import shared_contact, shares_of
from storage.enquetes import Confirms
from storage.models import utcnow

PRESSES = Presses("en", denied=STALE)
PLAN_STEP_IN = timedelta(days=30)
STEP_OF = {"q": "questions", "m": "meeting", "r": "met_on"}
"""The press that opens a typed step → the step."""


@PRESSES.on("l", who=BeneficiaryActor)
async def home(press: Press) -> Reply:
    async with work(press.context) as session:
        return new_message(await list_screen(session, press.caller, press.beneficiary))


@PRESSES.on("sh", who=BeneficiaryActor)
async def shared(press: Press) -> Reply:
    async with work(press.context) as session:
        return new_message(await shares_screen(session, press.caller, press.beneficiary))


@PRESSES.on("new", who=BeneficiaryActor)
async def new(press: Press) -> Reply:
    me = press.beneficiary
    async with work(press.context) as session:
        some = bool(await shares_of(session, me, me.beneficiary_id))
    return new_message(whom_screen(press._, shared=some))


@PRESSES.on("own", who=BeneficiaryActor)
async def own(press: Press) -> Reply:
    async with work(press.context) as session:
        await steps.wait_for(session, press.beneficiary, "title", {})
    return new_message(Screen(prompt("title", press._)))


@PRESSES.on("t", who=BeneficiaryActor)
async def title(press: Press) -> Reply:
    me = press.beneficiary
    try:
        appellation = load_rome().appellation(press.arg(0))
    except KeyError as error:
        raise Stale("no such title") from error
    async with work(press.context) as session:
        wait = await steps.current(session, me)
        if wait is None or wait.step != "title":
            raise Stale("no title step")
        data = {"title": appellation.title, "code": appellation.code}
        await steps.wait_for(session, me, "who", data)
    return new_message(Screen(prompt("who", press._)))


@PRESSES.on("ns", who=BeneficiaryActor)
async def with_shared(press: Press) -> Reply:
    me = press.beneficiary
    async with work(press.context) as session:
        share = await shared_contact(session, me, number(press.arg(0)))
        if share.contact is None:
            raise Stale("contact erased")
        for existing in await store.own_inquiries(session, me):
            # A second press opens the enquête already in preparation with this contact.
            same = existing.share is not None and existing.share.id == share.id
            if same and not existing.reported:
                return new_message(*guide_screens(press.caller, me, existing))
        rome = load_rome()
        code = share.rome_code or next(iter(share.contact.rome_codes), None)
        title = rome.sheet(code).title if code and code in rome else share.contact.role or "—"
        inquiry = await store.start_inquiry(
            session, me, title=title, rome_code=code, share_id=share.id
        )
    return new_message(*guide_screens(press.caller, me, inquiry))


@PRESSES.on("g", who=BeneficiaryActor)
async def open_guide(press: Press) -> list[Screen]:
    me = press.beneficiary
    async with work(press.context) as session:
        inquiry = await store.own_inquiry(session, me, number(press.arg(0)))
    return guide_screens(press.caller, me, inquiry)


@PRESSES.on(*STEP_OF, who=BeneficiaryActor)
async def typed_step(press: Press) -> Reply:
    """``q``, ``m``, ``r``: what they type next is for this step of this enquête (the
    questions, the meeting's date, or the report)."""
    verb = press.verb
    me = press.beneficiary
    _ = press._
    async with work(press.context) as session:
        inquiry = await store.own_inquiry(session, me, number(press.arg(0)))
        if inquiry.reported:
            return new_message(Screen(refused_text("reported", _)))
        step = STEP_OF[verb]
        await steps.wait_for(session, me, step, {"inquiry_id": inquiry.id})
    if verb == "r":
        return new_message(met_on_screen(inquiry.id, _))
    return new_message(Screen(prompt(step, _)))


@PRESSES.on("d", who=BeneficiaryActor)
async def met_on(press: Press) -> Reply:
    """Today or yesterday, for the day of the meeting."""
    me = press.beneficiary
    days_ago = press.arg(1)
    if days_ago not in ("0", "1"):
        raise Stale("not a day button")
    async with work(press.context) as session:
        wait = await steps.current(session, me)
        if wait is None or wait.data.get("inquiry_id") != number(press.arg(0)):
            raise Stale("no report step")
        day = local_today(utcnow(), me.timezone) - timedelta(days=int(days_ago))
        await steps.wait_for(session, me, "learned", {**wait.data, "met_on": day.isoformat()})
    return new_message(Screen(prompt("learned", press._)))


@PRESSES.on("c", who=BeneficiaryActor)
async def confirms(press: Press) -> Reply:
    """Yes, partly or no: then what comes next."""
    me = press.beneficiary
    answer = press.arg(1)
    if answer not in set(Confirms):
        raise Stale("not an answer")
    inquiry_id = number(press.arg(0))
    async with work(press.context) as session:
        wait = await steps.current(session, me)
        if wait is None or wait.step != "confirms" or wait.data.get("inquiry_id") != inquiry_id:
            raise Stale("no confirms step")
        await steps.wait_for(session, me, "next", {**wait.data, "confirms": answer})
    return new_message(next_screen(inquiry_id, press._))


@PRESSES.on("nx", who=BeneficiaryActor)
async def no_next_step(press: Press) -> Reply:
    me = press.beneficiary
    async with work(press.context) as session:
        wait = await steps.current(session, me)
        if (
            wait is None
            or wait.step != "next"
            or wait.data.get("inquiry_id") != number(press.arg(0))
        ):
            raise Stale("no next step")
        shown = await steps.finish_report(session, press.context, press.caller, me, wait.data, None)
    return new_message(*shown)


@PRESSES.on("p", who=BeneficiaryActor)
async def into_plan(press: Press) -> Reply:
    """The report's next step, proposed in their action plan a month from now."""
    me = press.beneficiary
    async with work(press.context) as session:
        inquiry = await store.own_inquiry(session, me, number(press.arg(0)))
        if not inquiry.next_step or inquiry.plan_step_id is not None:
            raise Stale("nothing to add")
        target = local_today(utcnow(), me.timezone) + PLAN_STEP_IN
        added = await plans.add_step(
            session, me, me.beneficiary_id, shorten(inquiry.next_step, plans.TITLE_MAX), target
        )
        inquiry = await store.link_plan_step(session, me, inquiry.id, added.id)
    note = press._(
        "➕ Proposed in your plan, for {date}; your counsellor agrees it with you (/plan)."
    ).format(date=views.day_text_of(target, press.caller.locale))
    return new_message(*guide_screens(press.caller, me, inquiry, note))


@PRESSES.on("del", who=BeneficiaryActor)
async def ask_delete(press: Press) -> Reply:
    async with work(press.context) as session:
        inquiry = await store.own_inquiry(session, press.beneficiary, number(press.arg(0)))
    return new_message(delete_screen(inquiry.id, press._))


@PRESSES.on("dy", who=BeneficiaryActor)
async def delete(press: Press) -> Reply:
    me = press.beneficiary
    async with work(press.context) as session:
        await store.delete_inquiry(session, me, number(press.arg(0)))
        return new_message(await list_screen(session, press.caller, me))
