"""``/enquetes``: the beneficiary prepares an enquête métier, then reports it.

Prepare: with a contact their counsellor shared (the card came through the
outbox) or someone of their own, for one métier; the guide shows our
questions and the ROME sheet's skills and work contexts for that job; the
person may note the questions they will ask and the agreed meeting date (a
reminder comes the day before). Report, after the meeting: when, what they
learned, whether it confirms the project (yes / partly / no), what next,
then, if they want, that next step goes into their action plan as a
proposal. Their counsellor is told when the report comes in.

Where the person is in these steps lives in their dialogue row
(``storage.sessions``, encrypted), never in memory.

Callback grammar (all under ``en:``)::

    en:l  en:sh  en:new          my inquiries / contacts shared with me / a new one
    en:ns:<share>  en:own        start with a shared contact / with someone of my own
    en:t:<ogr>                   (own) the métier's title, picked
    en:g:<id>                    the guide and where this inquiry stands
    en:q:<id>  en:m:<id>         type my questions / the meeting date
    en:r:<id>  en:d:<id>:<0|1>   report: when (today / yesterday, or typed)
    en:c:<id>:<yes|partly|no>    does it confirm the project
    en:nx:<id>  en:p:<id>        no next step / put the next step in my plan
    en:del:<id>  en:dy:<id>      delete? / yes, delete
"""

from __future__ import annotations

import logging
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.datetime_input import local_today, parse_when, to_utc
from bot.features.enquetes import views
from bot.handlers.onboarding import known_caller
from bot.handlers.sessions import (
    BENEFICIARY_TEXT_WAIT,
    Screen,
    Stale,
    answer_stale,
    as_beneficiary,
    e,
    edit_screen,
    number,
    send_screen,
    typed_text,
    when_text,
)
from bot.i18n import N_, Translate, gettext_for
from bot.keyboards import button
from bot.kit.door import Flow
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from bot.replies import chunk_lines
from bot.runtime import Caller, Context, database, wake_dispatcher
from dialogues.enquete import guide
from dialogues.rome import load_rome
from dialogues.typography import shorten
from storage import enquetes as store
from storage import plans
from storage import sessions as dialogue
from storage.actors import AccessDenied, BeneficiaryActor
from storage.contacts import shares_of
from storage.enquetes import Confirms, Inquiry, InquiryRefused, Report
from storage.models import utcnow
from storage.outbox import ClaimedMessage
from storage.people import get_beneficiary

log = logging.getLogger(__name__)

CALLBACK_PATTERN = r"^en:"
COMMANDS = [("enquetes", N_("Your enquêtes métiers: meet people who do the job"))]
FLOW = "enquete"
TITLE_MATCHES = 6
PLAN_STEP_IN = timedelta(days=30)
MEETING_HOUR = time(10)


def _refused(reason: str, _: Translate) -> str:
    return {
        "empty": _("⚠️ A few words are needed here."),
        "too_long": _("⚠️ That is too long: 2,000 characters at most."),
        "past": _("⚠️ That moment has passed: type a date to come."),
        "future": _("⚠️ That is more than a year away."),
        "reported": _("This enquête is already reported."),
        "too_many": _("⚠️ You have 20 enquêtes in preparation: report or delete one first."),
    }.get(reason, _("⚠️ That did not work."))


def _prompt(step: str, _: Translate) -> str:
    prompts = {
        "title": _("Which métier do you want to explore? Type a job title."),
        "who": _(
            "Who will you meet? A few words are enough, e.g. “my neighbour, a care "
            "assistant”. Only you and your counsellor read it."
        ),
        "questions": _(
            "Type the questions you want to ask, in one message (the guide gives ideas)."
        ),
        "meeting": _(
            "When is the meeting? Type a date and time, e.g. “Tuesday 2pm” or “03/12 10am”."
        ),
        "met_on": _("When did the meeting take place? Type a date, or choose:"),
        "learned": _("What did you learn? Type it in your own words, in one message."),
        "next": _("What will you do next? Type it, or choose “Nothing for now”."),
    }
    return prompts[step] + "\n" + _("/annuler to stop.")


async def _list_screen(session: AsyncSession, caller: Caller, me: BeneficiaryActor) -> Screen:
    _ = caller._
    inquiries = await store.own_inquiries(session, me)
    shares = await shares_of(session, me, me.beneficiary_id)
    lines = [
        _("<b>Your enquêtes métiers</b>"),
        _(
            "Meeting someone who does the job you explore is the best way to check a project. "
            "Prepare the meeting with a guide, then note what you learned."
        ),
    ]
    rows: list[list[InlineKeyboardButton]] = [[button(_("➕ Prepare an enquête"), "en:new")]]
    if shares:
        rows.append([button(_("🤝 Contacts shared with me"), "en:sh")])
    for inquiry in inquiries[:20]:
        mark = "✅" if inquiry.reported else "🗓"
        rows.append([button(shorten(f"{mark} {inquiry.title}", 60), f"en:g:{inquiry.id}")])
    if not inquiries:
        lines += ["", _("No enquête yet.")]
    return Screen("\n".join(lines), rows)


async def _shares_screen(session: AsyncSession, caller: Caller, me: BeneficiaryActor) -> Screen:
    _ = caller._
    every = await shares_of(session, me, me.beneficiary_id)
    shares = [s for s in every if s.contact]
    if not shares:
        if every:
            return Screen(
                _(
                    "The contacts your counsellor shared are no longer in the organisation's "
                    "file: they asked to be erased. Your enquêtes and notes are still here."
                ),
                [[button(_("◀ My enquêtes"), "en:l")]],
            )
        return Screen(_("Your counsellor has not shared any contact with you yet."))
    lines = [_("<b>Contacts your counsellor shared with you</b>")]
    rows = []
    for share in shares:
        assert share.contact is not None
        lines += ["", *views.contact_lines(share.contact, caller.locale)]
        label = _("🔎 Prepare an enquête with {name}").format(name=share.contact.name)
        rows.append([button(shorten(label, 60), f"en:ns:{share.id}")])
    rows.append([button(_("◀ My enquêtes"), "en:l")])
    return Screen("\n".join(lines), rows)


def _guide_screen(
    caller: Caller, me: BeneficiaryActor, inquiry: Inquiry, note: str = "", *, full: bool = True
) -> list[Screen]:
    """The whole guide (``full``), or, after a save, where the enquête stands and a way back."""
    _ = caller._
    if inquiry.reported:
        lines = ([note, ""] if note else []) + views.report_lines(
            inquiry, caller.locale, counsellor=False
        )
        rows = [[button(_("🗑 Delete"), f"en:del:{inquiry.id}"), button(_("◀ My enquêtes"), "en:l")]]
        if inquiry.next_step and inquiry.plan_step_id is None:
            rows.insert(0, [button(_("➕ Add the next step to my plan"), f"en:p:{inquiry.id}")])
        return [Screen("\n".join(lines), rows)]
    shown = guide(caller.locale, load_rome(), inquiry.rome_code)
    if full:
        body = views.guide_lines(shown, inquiry, caller.locale, me.timezone)
    else:
        body = views.status_lines(shown.title, inquiry, caller.locale, me.timezone)
        body += views.questions_lines(inquiry, caller.locale)
    lines = ([note, ""] if note else []) + body
    rows = [
        [
            button(_("✍️ My questions"), f"en:q:{inquiry.id}"),
            button(_("📅 Meeting date"), f"en:m:{inquiry.id}"),
        ],
        [button(_("📝 Report the meeting"), f"en:r:{inquiry.id}")],
        [button(_("🗑 Delete"), f"en:del:{inquiry.id}"), button(_("◀ My enquêtes"), "en:l")],
    ]
    if not full:
        rows.insert(0, [button(_("📖 Read the guide"), f"en:g:{inquiry.id}")])
    chunks = chunk_lines(lines)
    return [Screen(c) for c in chunks[:-1]] + [Screen(chunks[-1], rows)]


def _met_on_screen(inquiry_id: int, _: Translate) -> Screen:
    rows = [
        [
            button(_("Today"), f"en:d:{inquiry_id}:0"),
            button(_("Yesterday"), f"en:d:{inquiry_id}:1"),
        ]
    ]
    return Screen(_prompt("met_on", _), rows)


def _confirms_screen(inquiry_id: int, _: Translate) -> Screen:
    rows = [
        [
            button(_("✅ Yes"), f"en:c:{inquiry_id}:yes"),
            button(_("〰️ Partly"), f"en:c:{inquiry_id}:partly"),
            button(_("❌ No"), f"en:c:{inquiry_id}:no"),
        ]
    ]
    return Screen(_("Does what you learned confirm your project?"), rows)


async def _wait(
    session: AsyncSession, me: BeneficiaryActor, step: str, data: dict[str, Any]
) -> None:
    await dialogue.save_dialogue(session, me, FLOW, step, data)


async def _current(session: AsyncSession, me: BeneficiaryActor) -> dialogue.Dialogue | None:
    return await dialogue.current_dialogue(session, me, flows=[FLOW], max_age=BENEFICIARY_TEXT_WAIT)


async def _finish_report(
    session: AsyncSession,
    caller: Caller,
    me: BeneficiaryActor,
    data: dict[str, Any],
    next_step: str | None,
) -> list[Screen]:
    report = Report(
        date.fromisoformat(str(data["met_on"])),
        str(data["learned"]),
        Confirms(str(data["confirms"])),
        next_step,
    )
    inquiry = await store.report_inquiry(session, me, int(data["inquiry_id"]), report)
    await dialogue.end_dialogue(session, me, flows=[FLOW])
    note = caller._("📝 Thank you: your report is saved and your counsellor is told.")
    return _guide_screen(caller, me, inquiry, note)


async def _press(caller: Caller, data: str, context: Context) -> tuple[list[Screen], bool]:
    """The screens to show, and whether a message went to the outbox."""
    me = as_beneficiary(caller)
    _ = caller._
    parts = data.split(":")
    kind, args = parts[1], parts[2:]
    async with database(context).transaction() as session:
        if kind == "l" and not args:
            return [await _list_screen(session, caller, me)], False
        if kind == "sh" and not args:
            return [await _shares_screen(session, caller, me)], False
        if kind == "new" and not args:
            rows = [[button(_("🙋 Someone I know"), "en:own")]]
            if await shares_of(session, me, me.beneficiary_id):
                rows.insert(0, [button(_("🤝 A contact my counsellor shared"), "en:sh")])
            return [Screen(_("Whom will you meet?"), rows)], False
        if kind == "own" and not args:
            await _wait(session, me, "title", {})
            return [Screen(_prompt("title", _))], False
        if kind == "t" and len(args) == 1:
            wait = await _current(session, me)
            if wait is None or wait.step != "title":
                raise Stale("no title step")
            appellation = load_rome().appellation(args[0])
            await _wait(session, me, "who", {"title": appellation.title, "code": appellation.code})
            return [Screen(_prompt("who", _))], False
        if kind == "ns" and len(args) == 1:
            from storage.contacts import shared_contact

            share = await shared_contact(session, me, number(args[0]))
            if share.contact is None:
                raise Stale("contact erased")
            for existing in await store.own_inquiries(session, me):
                # A second press opens the enquête already in preparation with this contact.
                same = existing.share is not None and existing.share.id == share.id
                if same and not existing.reported:
                    return _guide_screen(caller, me, existing), False
            rome = load_rome()
            code = share.rome_code or next(iter(share.contact.rome_codes), None)
            title = rome.sheet(code).title if code and code in rome else share.contact.role or "—"
            inquiry = await store.start_inquiry(
                session, me, title=title, rome_code=code, share_id=share.id
            )
            return _guide_screen(caller, me, inquiry), False
        if kind == "g" and len(args) == 1:
            return _guide_screen(
                caller, me, await store.own_inquiry(session, me, number(args[0]))
            ), False
        if kind in ("q", "m", "r") and len(args) == 1:
            inquiry = await store.own_inquiry(session, me, number(args[0]))
            if inquiry.reported:
                return [Screen(_refused("reported", _))], False
            step = {"q": "questions", "m": "meeting", "r": "met_on"}[kind]
            await _wait(session, me, step, {"inquiry_id": inquiry.id})
            if kind == "r":
                return [_met_on_screen(inquiry.id, _)], False
            return [Screen(_prompt(step, _))], False
        if kind == "d" and len(args) == 2 and args[1] in ("0", "1"):
            wait = await _current(session, me)
            if wait is None or wait.data.get("inquiry_id") != number(args[0]):
                raise Stale("no report step")
            day = local_today(utcnow(), me.timezone) - timedelta(days=int(args[1]))
            await _wait(session, me, "learned", {**wait.data, "met_on": day.isoformat()})
            return [Screen(_prompt("learned", _))], False
        if kind == "c" and len(args) == 2 and args[1] in set(Confirms):
            wait = await _current(session, me)
            if (
                wait is None
                or wait.step != "confirms"
                or wait.data.get("inquiry_id") != number(args[0])
            ):
                raise Stale("no confirms step")
            await _wait(session, me, "next", {**wait.data, "confirms": args[1]})
            rows = [[button(_("Nothing for now"), f"en:nx:{args[0]}")]]
            return [Screen(_prompt("next", _), rows)], False
        if kind == "nx" and len(args) == 1:
            wait = await _current(session, me)
            if (
                wait is None
                or wait.step != "next"
                or wait.data.get("inquiry_id") != number(args[0])
            ):
                raise Stale("no next step")
            return await _finish_report(session, caller, me, wait.data, None), True
        if kind == "p" and len(args) == 1:
            inquiry = await store.own_inquiry(session, me, number(args[0]))
            if not inquiry.next_step or inquiry.plan_step_id is not None:
                raise Stale("nothing to add")
            target = local_today(utcnow(), me.timezone) + PLAN_STEP_IN
            added = await plans.add_step(
                session, me, me.beneficiary_id, shorten(inquiry.next_step, plans.TITLE_MAX), target
            )
            inquiry = await store.link_plan_step(session, me, inquiry.id, added.id)
            note = _(
                "➕ Proposed in your plan, for {date}; your counsellor agrees it with you (/plan)."
            ).format(date=views.day_text_of(target, caller.locale))
            return _guide_screen(caller, me, inquiry, note), False
        if kind == "del" and len(args) == 1:
            inquiry = await store.own_inquiry(session, me, number(args[0]))
            rows = [
                [
                    button(_("🗑 Yes, delete it"), f"en:dy:{inquiry.id}"),
                    button(_("◀ No, keep it"), f"en:g:{inquiry.id}"),
                ]
            ]
            return [
                Screen(_("Delete this enquête and what you wrote in it, for good?"), rows)
            ], False
        if kind == "dy" and len(args) == 1:
            await store.delete_inquiry(session, me, number(args[0]))
            return [await _list_screen(session, caller, me)], False
        raise Stale("unknown press")


async def on_button(update: Update, context: Context) -> None:
    """Every ``en:`` press, re-checked against the person who pressed."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    caller = await known_caller(update, context)
    if caller is None:
        return
    try:
        screens, queued = await _press(caller, query.data, context)
    except (Stale, AccessDenied, InquiryRefused, KeyError, IndexError, ValueError):
        await answer_stale(query, caller._)
        return
    await query.answer()
    if queued:
        wake_dispatcher(context)
    first, rest = screens[0], screens[1:]
    await (
        edit_screen(update, first) if query.data.startswith("en:g:") else send_screen(update, first)
    )
    for screen in rest:
        await send_screen(update, screen)


async def enquetes_command(update: Update, context: Context) -> None:
    """``/enquetes``."""
    caller = await known_caller(update, context)
    if caller is None or update.effective_message is None:
        return
    if not isinstance(caller.actor, BeneficiaryActor):
        await update.effective_message.reply_text(
            caller._("Your beneficiaries' enquêtes are on their card (/beneficiaires).")
        )
        return
    screens, _queued = await _press(caller, "en:l", context)
    for screen in screens:
        await send_screen(update, screen)


async def _typed(
    session: AsyncSession, caller: Caller, me: BeneficiaryActor, wait: dialogue.Dialogue, text: str
) -> tuple[list[Screen], bool]:
    _ = caller._
    data = dict(wait.data)
    step = wait.step
    if step == "title":
        matches = load_rome().search_appellations(text, limit=TITLE_MATCHES)
        if not matches:
            return [Screen(_("I found no job title close to that. Try other words."))], False
        rows = [[button(shorten(a.title, 60), f"en:t:{a.id}")] for a in matches]
        return [Screen(_("Which of these is the métier you explore?"), rows)], False
    if step == "who":
        inquiry = await store.start_inquiry(
            session, me, title=str(data["title"]), rome_code=str(data["code"]), own_contact=text
        )
        await dialogue.end_dialogue(session, me, flows=[FLOW])
        return _guide_screen(caller, me, inquiry), False
    inquiry_id = int(data["inquiry_id"])
    if step == "confirms":  # a button is expected: show them again
        return [_confirms_screen(inquiry_id, _)], False
    if step == "questions":
        inquiry = await store.set_questions(session, me, inquiry_id, text)
        await dialogue.end_dialogue(session, me, flows=[FLOW])
        return (
            _guide_screen(caller, me, inquiry, _("✍️ Your questions are saved."), full=False),
            False,
        )
    today = local_today(utcnow(), me.timezone)
    if step in ("meeting", "met_on"):
        when = parse_when(text, caller.locale, today)
        if when is None or when.day is None:
            return [Screen(_("I did not understand that date.") + "\n" + _prompt(step, _))], False
        if step == "met_on":
            if when.day > today:
                return [Screen(_("That day has not come yet.") + "\n" + _prompt(step, _))], False
            await _wait(session, me, "learned", {**data, "met_on": when.day.isoformat()})
            return [Screen(_prompt("learned", _))], False
        moment = to_utc(when.day, when.at or MEETING_HOUR, me.timezone)
        inquiry = await store.set_meeting(session, me, inquiry_id, moment)
        await dialogue.end_dialogue(session, me, flows=[FLOW])
        return _guide_screen(caller, me, inquiry, _("📅 Meeting noted."), full=False), False
    if step == "learned":
        if len(text.strip()) > store.TEXT_MAX:
            return [Screen(_refused("too_long", _))], False
        await _wait(session, me, "confirms", {**data, "learned": text.strip()})
        return [_confirms_screen(inquiry_id, _)], False
    if step == "next":
        return await _finish_report(session, caller, me, data, text), True
    return [Screen(_prompt(step, _))], False


async def handle_text(update: Update, context: Context) -> bool:
    """Typed text for a step of an enquête; True when consumed."""
    typed = await typed_text(update, context)
    if typed is None:
        return False
    caller, me, text = typed
    if not isinstance(me, BeneficiaryActor):
        return False
    queued = False
    async with database(context).transaction() as session:
        wait = await _current(session, me)
        if wait is None:
            return False
        try:
            screens, queued = await _typed(session, caller, me, wait, text)
        except InquiryRefused as refused:
            screens = [Screen(_refused(refused.reason, caller._))]
        except (AccessDenied, KeyError, ValueError):
            await dialogue.end_dialogue(session, me, flows=[FLOW])
            screens = [Screen(caller._("That enquête is no longer there. /enquetes"))]
    if queued:
        wake_dispatcher(context)
    for screen in screens:
        await send_screen(update, screen)
    return True


TEXT_FLOWS = (Flow((FLOW,), handle_text, lambda _wait, _: _("your notes on an enquête métier")),)


# ---------------------------------------------------------------------------
# What the outbox sends
# ---------------------------------------------------------------------------


@register(store.REMINDER_KIND, stale_after=timedelta(hours=12))
async def render_reminder(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The day before the meeting; nothing if it was reported, moved or deleted since."""
    actor = context.beneficiary_actor()
    payload = row.payload or {}
    inquiry_id = payload.get("inquiry_id")
    if actor is None or not isinstance(inquiry_id, int):
        return None
    async with context.db.transaction() as session:
        try:
            inquiry = await store.own_inquiry(session, actor, inquiry_id)
        except AccessDenied:
            return None
    if inquiry.reported or inquiry.meeting_at is None:
        return None
    if (
        inquiry.meeting_at.isoformat() != payload.get("meeting_at")
        or inquiry.meeting_at <= context.now
    ):
        return None
    _ = context._
    when = when_text(inquiry.meeting_at, context.locale, context.timezone)
    text = _(
        "⏰ Your enquête métier about {title} is on {when}. Read your guide again before you go."
    ).format(title=e(inquiry.title), when=when)
    keyboard = InlineKeyboardMarkup([[button(_("🔎 My guide"), f"en:g:{inquiry.id}")]])
    return OutgoingMessage(text, parse_mode=ParseMode.HTML, keyboard=keyboard)


@register(store.REPORTED_KIND)
async def render_reported(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Tells the counsellor a report came in: who, which métier, whether it confirms."""
    actor = context.counsellor_actor()
    inquiry_id = (row.payload or {}).get("inquiry_id")
    if actor is None or not isinstance(inquiry_id, int):
        return None
    async with context.db.transaction() as session:
        try:
            inquiry = await store.report_for(session, actor, inquiry_id)
            person = await get_beneficiary(session, actor, inquiry.beneficiary_id)
        except AccessDenied:
            return None
    _ = gettext_for(context.locale)
    text = _(
        "📝 {name} reported an enquête métier about {title}. Confirms the project: {answer}."
    ).format(
        name=e(person.name),
        title=e(inquiry.title),
        answer=views.confirms_label(inquiry.confirms, _),
    )
    keyboard = InlineKeyboardMarkup(
        [[button(_("🔎 Read the report"), f"ct:b:{inquiry.beneficiary_id}")]]
    )
    return OutgoingMessage(text, parse_mode=ParseMode.HTML, keyboard=keyboard)
