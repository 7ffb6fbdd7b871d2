"""What the beneficiary reads in ``/enquetes``: each step's screen and its buttons.

Builders only: they read what storage gives them and return
:class:`~bot.kit.screens.Screen` values; the press table
(:mod:`.presses`) and the typed-text flow (:mod:`.typed`) decide which one
comes next. The buttons' data follow the grammar of :mod:`.presses`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.features.enquetes import views
from bot.i18n import Translate
from bot.keyboards import button
from bot.kit.refusals import words_for
from bot.kit.screens import Screen
from bot.replies import chunk_lines
from bot.runtime import Caller
from dialogues.enquete import guide
from dialogues.rome import load_rome
from dialogues.typography import shorten
from storage import enquetes as store
from storage.actors import BeneficiaryActor
from storage.contacts import shares_of
from storage.enquetes import Inquiry, InquiryRefused


def refused_text(reason: str, _: Translate) -> str:
    """Why storage said no to what the person typed or pressed, in their words."""
    return {
        "empty": _("⚠️ A few words are needed here."),
        "too_long": _("⚠️ That is too long: 2,000 characters at most."),
        "past": _("⚠️ That moment has passed: type a date to come."),
        "future": _("⚠️ That is more than a year away."),
        "reported": _("This enquête is already reported."),
        "too_many": _("⚠️ You have 20 enquêtes in preparation: report or delete one first."),
    }.get(reason, _("⚠️ That did not work."))


@words_for(InquiryRefused)
def _inquiry_refused(error: InquiryRefused, _: Translate) -> str:
    return refused_text(error.reason, _)


def prompt(step: str, _: Translate) -> str:
    """What to type at ``step``, and how to stop."""
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


async def list_screen(session: AsyncSession, caller: Caller, me: BeneficiaryActor) -> Screen:
    """The home of ``/enquetes``: their inquiries, and the contacts shared with them."""
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


async def shares_screen(session: AsyncSession, caller: Caller, me: BeneficiaryActor) -> Screen:
    """The contacts their counsellor shared, each with a button to prepare an enquête."""
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


def whom_screen(_: Translate, *, shared: bool) -> Screen:
    """A new enquête: with a contact their counsellor shared (if any) or someone of their own."""
    rows = [[button(_("🙋 Someone I know"), "en:own")]]
    if shared:
        rows.insert(0, [button(_("🤝 A contact my counsellor shared"), "en:sh")])
    return Screen(_("Whom will you meet?"), rows)


def guide_screens(
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


def met_on_screen(inquiry_id: int, _: Translate) -> Screen:
    rows = [
        [
            button(_("Today"), f"en:d:{inquiry_id}:0"),
            button(_("Yesterday"), f"en:d:{inquiry_id}:1"),
        ]
    ]
    return Screen(prompt("met_on", _), rows)


def confirms_screen(inquiry_id: int, _: Translate) -> Screen:
    rows = [
        [
            button(_("✅ Yes"), f"en:c:{inquiry_id}:yes"),
            button(_("〰️ Partly"), f"en:c:{inquiry_id}:partly"),
            button(_("❌ No"), f"en:c:{inquiry_id}:no"),
        ]
    ]
    return Screen(_("Does what you learned confirm your project?"), rows)


def next_screen(inquiry_id: int, _: Translate) -> Screen:
    rows = [[button(_("Nothing for now"), f"en:nx:{inquiry_id}")]]
    return Screen(prompt("next", _), rows)


def delete_screen(inquiry_id: int, _: Translate) -> Screen:
    rows = [
        [
            button(_("🗑 Yes, delete it"), f"en:dy:{inquiry_id}"),
            button(_("◀ No, keep it"), f"en:g:{inquiry_id}"),
        ]
    ]
    return Screen(_("Delete this enquête and what you wrote in it, for good?"), rows)
