"""The document de synthèse in Telegram: drafted, edited, reviewed, delivered, kept or not.

The counsellor (from the card, in the conclusion phase):

    sy:<b>          where the synthesis stands, and what can be done next
    sy:<b>:g        generate a draft from the stored material (DOCX + PDF sent)
    sy:<b>:d        receive the current version's files again
    sy:<b>:u        send back an edited DOCX/ODT: the next document becomes a version
    sy:<b>:r[:ok]   show the current version to the person (confirm if passages remain to write)
    sy:<b>:c        read the person's comments
    sy:<b>:f[:ok]   deliver the agreed version as final (confirm)

The person:

    sy:me           their synthesis: the version to review, or the final one
    sy:ok:<v>       agree to version v
    sy:cm:<v>       comment on version v (the next message is the comment)

The retention question after delivery uses the data-rights buttons
``rg:syn:y|n`` (also reachable from ``/mesdonnees``), answered by
:func:`record_retention_answer`.

Every id in callback data is re-checked by ``storage.synthesis``; every
message that is not a direct reply goes through the outbox, rendered from the
database when it is sent (a version replaced in the meantime is not sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError
from unidecode import unidecode

from bot import synthesis_files
from bot.handlers.onboarding import stranger_text
from bot.i18n import N_, Translate, format_date_long, ngettext_for, ngettext_of
from bot.keyboards import button
from bot.kit.door import Flow
from bot.kit.unit import current_unit
from bot.outbox_kinds import OutgoingFile, OutgoingMessage, RenderContext, register
from bot.replies import show_screen
from bot.runtime import Caller, Context, database, identify, wake_dispatcher, work
from bot.synthesis_material import gather
from bot.synthesis_record import RecordFacts, record_pdf
from dialogues.synthesis import assemble, final_version
from dialogues.synthesis_model import SynthesisDraft
from dialogues.typography import shorten
from storage import synthesis
from storage.actors import AccessDenied, BeneficiaryActor, CounsellorActor
from storage.db import Database
from storage.models import utcnow
from storage.outbox import ClaimedMessage
from storage.people import BeneficiarySummary, get_beneficiary
from storage.rights import RightsError
from storage.synthesis import Status, SynthesisRefused, SynthesisState, VersionInfo

log = logging.getLogger(__name__)

PREFIX = "sy:"
CALLBACK_PATTERN = r"^sy:"
COMMANDS = [("synthese", N_("Your synthesis document"))]
REVIEW_KIND = synthesis.REVIEW_KIND
FINAL_KIND = synthesis.FINAL_KIND
RETENTION_KIND = synthesis.RETENTION_KIND
COMMENT_KIND = synthesis.COMMENT_KIND
AGREED_KIND = synthesis.AGREED_KIND
RETENTION_ANSWERED_KIND = synthesis.RETENTION_ANSWERED_KIND
SHOWN_COMMENTS = 10

KEEP_LABEL = N_("✅ Yes, keep a copy for one year")
REFUSE_LABEL = N_("No, erase the organisation's copy")


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def to_write(draft: SynthesisDraft) -> int:
    return draft.to_write()


def file_stem(name: str, number: int, _: Translate) -> str:
    """``Synthèse - Paul Durand - v2``, in the reader's language; the name in plain letters."""
    safe = "".join(c for c in unidecode(name) if c.isalnum() or c in " -'")[:40].strip()
    return _("Synthesis - {name} - v{number}").format(name=safe, number=number)


# --- building the files ------------------------------------------------------------------


def build_draft_files(draft: SynthesisDraft) -> tuple[bytes, bytes, int]:
    """DOCX, PDF and page count of a draft (run in a thread: it takes a second or so)."""
    pdf = synthesis_files.draft_pdf(draft)
    return synthesis_files.draft_docx(draft), pdf, synthesis_files.page_count(pdf)


MAX_EDITED_BLOCKS = 3000
"""Paragraphs an edited synthesis may hold: a real one has a few hundred at most, and a
file of tens of thousands would make a PDF of a thousand pages."""


def build_edited_pdf(data: bytes, locale: str) -> tuple[str, bytes, int, int]:
    """Format, PDF, pages and passages left to write of an edited file (in a thread)."""
    kind = synthesis_files.editable_kind(data)
    draft = synthesis_files.read_edited(data, None, locale)
    if sum(1 for _ in draft.blocks()) > MAX_EDITED_BLOCKS:
        raise synthesis_files.EditedFileRefused(synthesis_files.UploadRefusal.TOO_LARGE)
    pdf = synthesis_files.draft_pdf(draft)
    assert kind is not None  # read_edited refuses anything else
    return kind, pdf, synthesis_files.page_count(pdf), to_write(draft)


def build_final_pdf(editable: bytes, locale: str, day: date) -> tuple[bytes, int] | None:
    """The final document from the agreed version's editable file (in a thread).

    The same words as the version the person agreed to, without what was for
    the counsellor: the working-version line, the notes to the counsellor and
    any prompt still "to write". None if the file cannot be read again (the
    agreed PDF is then delivered as it is).
    """
    try:
        draft = synthesis_files.read_edited(editable, None, locale)
    except synthesis_files.EditedFileRefused:
        return None
    pdf = synthesis_files.draft_pdf(final_version(draft, day))
    return pdf, synthesis_files.page_count(pdf)


# --- the counsellor's screen ---------------------------------------------------------------


def _origin(info: VersionInfo, _: Translate) -> str:
    return _("generated draft") if info.origin == "draft" else _("edited file you sent")


def state_lines(
    person: BeneficiarySummary, state: Status | None, _: Translate, locale: str, timezone: str
) -> list[str]:
    ngettext = ngettext_of(_)
    name = _e(person.name)

    def day(moment: datetime | None) -> str:
        return format_date_long(moment, locale, timezone) if moment else "?"

    lines = ["📝 <b>" + _("Synthesis — {name}").format(name=name) + "</b>", ""]
    if state is None or (state.current is None and state.delivered_at is None):
        lines.append(
            _(
                "No draft yet. I assemble it from the dossier, the inventories, the skills "
                "portfolio and the action plan: nothing is invented, and {name}'s own words "
                "are marked as theirs."
            ).format(name=name)
        )
        if person.phase not in synthesis.DRAFTING_PHASES:
            lines.append("")
            lines.append(_("The synthesis is prepared in the conclusion phase."))
        return lines
    if state.current is not None:
        info = state.current
        lines.append(
            ngettext(
                "Version {number} ({origin}, {date}) · {pages} page",
                "Version {number} ({origin}, {date}) · {pages} pages",
                info.pages,
            ).format(
                number=info.number,
                origin=_origin(info, _),
                date=day(info.created_at),
                pages=info.pages,
            )
        )
        if info.to_write and state.state != SynthesisState.DELIVERED:
            lines.append(
                ngettext(
                    "✎ {count} passage is still marked “to write”.",
                    "✎ {count} passages are still marked “to write”.",
                    info.to_write,
                ).format(count=info.to_write)
            )
    if state.state == SynthesisState.DRAFTING:
        lines.append(_("Not shown to {name} yet.").format(name=name))
    elif state.state == SynthesisState.IN_REVIEW:
        lines.append(
            _("Shown to {name}: waiting for their comments or agreement.").format(name=name)
        )
    elif state.state == SynthesisState.AGREED:
        lines.append(
            _("{name} agreed to version {number} on {date}. You can deliver it.").format(
                name=name, number=state.agreed_version, date=day(state.agreed_at)
            )
        )
    else:
        lines.append(
            _("Delivered to {name} on {date}.").format(name=name, date=day(state.delivered_at))
        )
        if state.copy_deleted_at is not None:
            lines.append(
                _("Organisation's copy erased on {date} (no agreement to keep it).").format(
                    date=day(state.copy_deleted_at)
                )
            )
        elif state.retention_agreed:
            lines.append(
                _("{name} agreed that a copy be kept until {date}.").format(
                    name=name, date=day(state.keep_until)
                )
            )
        else:
            deadline = (state.delivered_at or utcnow()) + synthesis.ANSWER_WINDOW
            lines.append(
                _(
                    "Waiting for {name}'s answer on keeping a copy; without an answer the "
                    "copy is erased on {date}."
                ).format(name=name, date=day(deadline))
            )
    if state.comments:
        lines.append(_("💬 Comments from {name}: {count}").format(name=name, count=state.comments))
    return lines


def card_line(state: Status, _: Translate, locale: str, timezone: str) -> str:
    """One line for the person's card: where their synthesis stands, no content."""
    if state.state == SynthesisState.DELIVERED and state.delivered_at is not None:
        where = _("delivered on {date}").format(
            date=format_date_long(state.delivered_at, locale, timezone)
        )
    elif state.state == SynthesisState.AGREED:
        where = _("version {number} agreed, to deliver").format(number=state.agreed_version)
    elif state.state == SynthesisState.IN_REVIEW:
        where = _("version {number} shown, waiting for their answer").format(
            number=state.review_version
        )
    else:
        number = state.current.number if state.current else 0
        where = _("version {number} being written").format(number=number)
    return "📝 " + _("<b>Synthesis:</b> {where}").format(where=where)


def state_keyboard(
    person: BeneficiarySummary, state: Status | None, _: Translate
) -> InlineKeyboardMarkup:
    bid = person.id
    rows: list[list[InlineKeyboardButton]] = []
    delivered = state is not None and state.state == SynthesisState.DELIVERED
    current = state.current if state is not None else None
    if not delivered and person.phase in synthesis.DRAFTING_PHASES:
        label = _("🛠 Generate a draft") if current is None else _("🔄 New draft from the data")
        rows.append([button(label, f"{PREFIX}{bid}:g")])
    if current is not None:
        rows.append(
            [
                button(
                    _("📥 Files of version {number} (DOCX + PDF)").format(number=current.number),
                    f"{PREFIX}{bid}:d",
                )
            ]
        )
    if current is not None and not delivered:
        rows.append([button(_("📤 Send back an edited version"), f"{PREFIX}{bid}:u")])
        if state is not None and state.state == SynthesisState.DRAFTING:
            rows.append(
                [
                    button(
                        shorten(_("👀 Show it to {name}").format(name=person.name)),
                        f"{PREFIX}{bid}:r",
                    )
                ]
            )
        if state is not None and state.state == SynthesisState.AGREED:
            rows.append([button(_("📨 Deliver the final version"), f"{PREFIX}{bid}:f")])
    if state is not None and state.comments:
        rows.append([button(_("💬 Read the comments"), f"{PREFIX}{bid}:c")])
    rows.append([button(_("⬅️ Back to the card"), f"c:{bid}")])
    return InlineKeyboardMarkup(rows)


async def _screen(
    context: Context, actor: CounsellorActor, bid: int, _: Translate, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    async with work(context) as session:
        person = await get_beneficiary(session, actor, bid)
        state = await synthesis.status(session, actor, bid)
    text = "\n".join(state_lines(person, state, _, locale, actor.timezone))
    return text, state_keyboard(person, state, _)


async def _send_files(
    context: Context,
    chat_id: int,
    person: BeneficiarySummary,
    files: synthesis.VersionFiles,
    _: Translate,
) -> None:
    ngettext = ngettext_of(_)
    stem = file_stem(person.name, files.info.number, _)
    await context.bot.send_document(
        chat_id,
        InputFile(files.editable, filename=f"{stem}.{files.info.editable_format}"),
        caption=_(
            "Editable copy: change it, then send it back to me with "
            "“📤 Send back an edited version”."
        ),
    )
    await context.bot.send_document(
        chat_id,
        InputFile(files.pdf, filename=f"{stem}.pdf"),
        caption=ngettext(
            "The same version as PDF, to read ({pages} page).",
            "The same version as PDF, to read ({pages} pages).",
            files.info.pages,
        ).format(pages=files.info.pages),
    )


async def _generate(
    context: Context, message: Message, actor: CounsellorActor, bid: int, caller: Caller
) -> None:
    """Assemble, build both files, store them as the next version, send them.

    The access and phase checks come before the "⏳" line: a forged or stale
    press is refused without first being promised a draft.
    """
    _ = caller._
    async with work(context) as session:
        person = await get_beneficiary(session, actor, bid)
        if person.phase not in synthesis.DRAFTING_PHASES:
            raise SynthesisRefused("not_in_conclusion")
    ngettext = ngettext_of(_)
    await context.bot.send_chat_action(actor.telegram_id, ChatAction.UPLOAD_DOCUMENT)
    progress = await message.reply_text(_("⏳ Assembling the draft from the stored material…"))
    began = time.perf_counter()
    now = utcnow()
    async with work(context) as session:
        material = await gather(session, actor, bid, now)
    draft = assemble(material)
    editable, pdf, pages = await asyncio.to_thread(build_draft_files, draft)
    async with work(context) as session:
        info = await synthesis.add_version(
            session,
            actor,
            bid,
            origin="draft",
            editable=editable,
            editable_format="docx",
            pdf=pdf,
            pages=pages,
            to_write=to_write(draft),
            now=now,
        )
    log.info(
        "synthesis draft v%s for beneficiary %s: %s pages in %.2f s",
        info.number,
        bid,
        pages,
        time.perf_counter() - began,
    )
    await progress.edit_text(
        ngettext(
            "Version {number} is ready: {pages} page,",
            "Version {number} is ready: {pages} pages,",
            pages,
        ).format(number=info.number, pages=pages)
        + " "
        + ngettext(
            "{count} passage for you to write.", "{count} passages for you to write.", info.to_write
        ).format(count=info.to_write)
    )
    await _send_files(
        context, actor.telegram_id, person, synthesis.VersionFiles(info, editable, pdf), _
    )
    text, markup = await _screen(context, actor, bid, _, caller.locale)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _download(context: Context, actor: CounsellorActor, bid: int, caller: Caller) -> None:
    async with work(context) as session:
        person = await get_beneficiary(session, actor, bid)
        files = await synthesis.version_files(session, actor, bid)
    await context.bot.send_chat_action(actor.telegram_id, ChatAction.UPLOAD_DOCUMENT)
    await _send_files(context, actor.telegram_id, person, files, caller._)


async def _ask_upload(
    context: Context, message: Message, actor: CounsellorActor, bid: int, _: Translate
) -> None:
    async with work(context) as session:
        await synthesis.start_wait(session, actor, bid, "upload")
    await message.reply_text(
        _(
            "Send me the edited file now, as a document: .docx or .odt, {size} MB at most. "
            "It becomes the next version; I make its PDF. /annuler to give up."
        ).format(size=synthesis_files.MAX_UPLOAD_BYTES // (1024 * 1024))
    )


def _confirm_markup(label: str, bid: int, action: str, _: Translate) -> InlineKeyboardMarkup:
    """Confirm ``action`` (``sy:<b>:<action>:ok``) or go back to the synthesis screen."""
    return InlineKeyboardMarkup(
        [
            [button(label, f"{PREFIX}{bid}:{action}:ok")],
            [button(_("Cancel"), f"{PREFIX}{bid}")],
        ]
    )


async def _review(
    context: Context,
    message: Message,
    actor: CounsellorActor,
    bid: int,
    confirmed: bool,
    caller: Caller,
) -> None:
    _ = caller._
    ngettext = ngettext_of(_)
    async with work(context) as session:
        person = await get_beneficiary(session, actor, bid)
        state = await synthesis.status(session, actor, bid)
        if state is None or state.current is None:
            raise SynthesisRefused("no_version")
        if state.current.to_write and not confirmed:
            text = ngettext(
                "Version {number} still has {count} passage marked “to write”. "
                "Show it to {name} as it is?",
                "Version {number} still has {count} passages marked “to write”. "
                "Show it to {name} as it is?",
                state.current.to_write,
            ).format(
                number=state.current.number, count=state.current.to_write, name=_e(person.name)
            )
            markup = _confirm_markup(_("👀 Show it anyway"), bid, "r", _)
            await show_screen(message, text, markup, edit=True)
            return
        await synthesis.request_review(session, actor, bid)
    wake_dispatcher(context)
    text, markup = await _screen(context, actor, bid, _, caller.locale)
    await show_screen(message, text, markup, edit=True)


async def _comments(
    context: Context, message: Message, actor: CounsellorActor, bid: int, caller: Caller
) -> None:
    _ = caller._
    async with work(context) as session:
        person = await get_beneficiary(session, actor, bid)
        comments = await synthesis.read_comments(session, actor, bid)
    lines = ["💬 <b>" + _("Comments from {name}").format(name=_e(person.name)) + "</b>"]
    for comment in comments[-SHOWN_COMMENTS:]:
        when = format_date_long(comment.created_at, caller.locale, actor.timezone)
        lines.append("")
        lines.append(
            "<i>"
            + _("On version {number}, {date}:").format(number=comment.version, date=when)
            + "</i>"
        )
        lines.append(_e(comment.text))
    if not comments:
        lines.append(_("No comment for now."))
    back = InlineKeyboardMarkup([[button(_("⬅️ Synthesis"), f"{PREFIX}{bid}")]])
    await message.reply_text("\n".join(lines)[:4000], parse_mode=ParseMode.HTML, reply_markup=back)


async def prepare_final(
    db: Database, actor: CounsellorActor, bid: int, now: datetime
) -> synthesis.FinalPdf | None:
    """Build the final PDF of the agreed version, outside any transaction.

    Building takes a second or more: it must not hold a write transaction open
    (SQLite would make every other update wait). ``None`` when the agreed file
    cannot be rebuilt: the agreed PDF is then delivered as it is.
    """
    async with db.transaction() as session:
        person = await get_beneficiary(session, actor, bid)
        agreed = await synthesis.agreed_version(session, actor, bid)
    unit = current_unit()
    if unit is not None:
        await unit.commit()  # the update's transaction too: SQLite's write lock is let go
    today = now.astimezone(ZoneInfo(actor.timezone)).date()
    built = await asyncio.to_thread(build_final_pdf, agreed.editable, person.locale, today)
    if built is None:
        log.warning("synthesis v%s of %s delivered as agreed", agreed.info.number, bid)
        return None
    return synthesis.FinalPdf(agreed.info.number, *built)


async def _deliver(
    context: Context,
    message: Message,
    actor: CounsellorActor,
    bid: int,
    confirmed: bool,
    caller: Caller,
) -> None:
    _ = caller._
    if not confirmed:
        async with work(context) as session:
            person = await get_beneficiary(session, actor, bid)
            state = await synthesis.status(session, actor, bid)
        if state is None or state.state != SynthesisState.AGREED or state.current is None:
            raise SynthesisRefused("not_agreed")
        text, markup = delivery_question(person, state.current, _, caller.locale)
        await show_screen(message, text, markup, edit=True)
        return
    now = utcnow()
    final = await prepare_final(database(context), actor, bid, now)
    async with work(context) as session:
        info = await synthesis.deliver(session, actor, bid, now, final)
    log.info("synthesis v%s delivered to beneficiary %s", info.number, bid)
    wake_dispatcher(context)
    text, markup = await _screen(context, actor, bid, _, caller.locale)
    await show_screen(message, text, markup, edit=True)


def delivery_question(
    person: BeneficiarySummary, info: VersionInfo, _: Translate, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    """Confirm the delivery; passages still "to write" are named, with how many."""
    name = _e(person.name)
    ngettext = ngettext_for(locale)
    lines = []
    if info.to_write:
        lines.append(
            ngettext(
                "⚠️ Version {number} still has {count} passage marked “to write”: it is left "
                "out of the final document, which {name} keeps as it is.",
                "⚠️ Version {number} still has {count} passages marked “to write”: they are "
                "left out of the final document, which {name} keeps as it is.",
                info.to_write,
            ).format(number=info.number, count=info.to_write, name=name)
        )
        lines.append("")
    lines.append(
        _(
            "Deliver version {number} to {name} as the final synthesis? Every other version "
            "is erased. I then ask {name}, separately, whether the organisation may keep a "
            "copy for one year."
        ).format(number=info.number, name=name)
    )
    label = _("📨 Deliver it as it is") if info.to_write else _("📨 Deliver")
    return "\n".join(lines), _confirm_markup(label, bid=person.id, action="f", _=_)


REFUSALS = {
    "not_in_conclusion": N_("The synthesis is prepared in the conclusion phase."),
    "delivered": N_("This synthesis has been delivered: it can no longer change."),
    "no_version": N_("There is no version yet: generate a draft first."),
    "copy_erased_on_request": N_(
        "The organisation's copy of this synthesis was erased at the person's request: there "
        "are no files left to send. The person keeps their own copy."
    ),
    "copy_erased_retention": N_(
        "The organisation's copy of this synthesis was erased at the end of its retention "
        "period: there are no files left to send. The person keeps their own copy."
    ),
    "not_agreed": N_("The person has not agreed to the current version yet."),
    "already_agreed": N_("The person has already agreed to this version: you can deliver it."),
    "not_active": N_("This person's bilan has no consent any more."),
    "too_many_versions": N_(
        "This synthesis has too many versions; deliver or start from the last."
    ),
    "not_in_review": N_("This version is no longer the one to review."),
    "empty": N_("Your comment is empty."),
    "too_long": N_("Your comment is too long ({max} characters at most)."),
}


def refusal_text(reason: str, _: Translate) -> str:
    msgid = REFUSALS.get(reason, N_("This change is not possible."))
    return _(msgid).format(max=synthesis.COMMENT_MAX)


async def _counsellor_press(
    context: Context, message: Message, caller: Caller, actor: CounsellorActor, parts: list[str]
) -> None:
    bid = int(parts[0])
    action = parts[1] if len(parts) > 1 else ""
    confirmed = parts[2:3] == ["ok"]
    if action == "":
        text, markup = await _screen(context, actor, bid, caller._, caller.locale)
        await show_screen(message, text, markup, edit=True)
    elif action == "g":
        await _generate(context, message, actor, bid, caller)
    elif action == "d":
        await _download(context, actor, bid, caller)
    elif action == "u":
        await _ask_upload(context, message, actor, bid, caller._)
    elif action == "r":
        await _review(context, message, actor, bid, confirmed, caller)
    elif action == "c":
        await _comments(context, message, actor, bid, caller)
    elif action == "f":
        await _deliver(context, message, actor, bid, confirmed, caller)
    else:
        raise AccessDenied("unknown synthesis action")


# --- the person's side ------------------------------------------------------------------


def review_keyboard(version: int, _: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(_("✅ I agree to this version"), f"{PREFIX}ok:{version}")],
            [button(_("💬 Comment"), f"{PREFIX}cm:{version}")],
        ]
    )


def review_caption(version: int, _: Translate) -> str:
    return _(
        "📝 Your counsellor offers you your synthesis document (version {number}). It is yours: "
        "read it calmly. You can comment on it, or agree that it becomes the final version."
    ).format(number=version)


async def _my_synthesis(
    context: Context, message: Message, actor: BeneficiaryActor, _: Translate
) -> None:
    async with work(context) as session:
        state = await synthesis.status(session, actor, actor.beneficiary_id)
        review = await synthesis.person_copy(session, actor, "review")
        final = await synthesis.person_copy(session, actor, "final")
    name = _("My synthesis")
    if review is not None:
        number, pdf = review
        await message.reply_document(
            InputFile(pdf, filename=f"{name} - v{number}.pdf"),
            caption=review_caption(number, _),
            reply_markup=review_keyboard(number, _),
        )
    elif final is not None:
        number, pdf = final
        await message.reply_document(
            InputFile(pdf, filename=f"{name}.pdf"), caption=_("📄 Your final synthesis document.")
        )
    elif state is not None and state.state == SynthesisState.DELIVERED:
        await message.reply_text(
            _(
                "You received your synthesis document on {date}. The organisation's copy has "
                "been erased: the one you received is the only one."
            ).format(
                date=format_date_long(state.delivered_at or utcnow(), actor.locale, actor.timezone)
            )
        )
    elif state is not None and state.state == SynthesisState.AGREED:
        await message.reply_text(
            _("You agreed to your synthesis: your counsellor will now deliver the final version.")
        )
    else:
        await message.reply_text(
            _(
                "Your counsellor prepares your synthesis document with you at the end of the "
                "bilan. You will receive it here to read, comment on and agree to."
            )
        )


async def synthesis_command(update: Update, context: Context) -> None:
    """``/synthese``: the person's synthesis (a counsellor opens it from the card)."""
    caller = await identify(update, context)
    message = update.effective_message
    if caller is None or message is None:
        return
    if caller.actor is None:
        await message.reply_text(stranger_text(caller._, caller.retired))
        return
    if not isinstance(caller.actor, BeneficiaryActor):
        await message.reply_text(
            caller._("Open the person's card, then “📝 Synthesis”: /beneficiaires.")
        )
        return
    await _my_synthesis(context, message, caller.actor, caller._)


async def _beneficiary_press(
    context: Context, message: Message, caller: Caller, actor: BeneficiaryActor, parts: list[str]
) -> str | None:
    _ = caller._
    action = parts[0]
    if action == "me":
        await _my_synthesis(context, message, actor, _)
        return None
    if len(parts) != 2 or not parts[1].isdigit():
        raise AccessDenied("malformed synthesis press")
    version = int(parts[1])
    if action == "ok":
        async with work(context) as session:
            await synthesis.agree(session, actor, version)
        wake_dispatcher(context)
        await message.edit_reply_markup(None)
        await message.reply_text(
            _(
                "Thank you: your agreement to version {number} is recorded. Your counsellor "
                "will now deliver the final version to you."
            ).format(number=version)
        )
        return _("Agreement recorded")
    if action == "cm":
        async with work(context) as session:
            await synthesis.start_wait(session, actor, actor.beneficiary_id, "comment")
        await message.reply_text(
            _(
                "Write your comment in one message ({max} characters at most): what to add, "
                "change or remove. /annuler to give up."
            ).format(max=synthesis.COMMENT_MAX)
        )
        return None
    raise AccessDenied("unknown synthesis action")


def stray_file_text(_: Translate) -> str:
    """What a counsellor who sends a file nobody asked for is told: the one file
    they send the bot is an edited synthesis, and this is the way to it."""
    return _(
        "To send an edited synthesis, open the person's card, then “📝 Synthesis” "
        "and “📤 Send back an edited version”; then send the file."
    )


async def handle_message(update: Update, context: Context) -> bool:
    """A comment the person types, or an edited file the counsellor sends; True if taken."""
    message = update.effective_message
    if message is None or update.edited_message is not None:
        return False
    if message.text is None and message.document is None and not message.photo:
        return False
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return False
    actor = caller.actor
    async with work(context) as session:
        waiting = await synthesis.waiting(session, actor)
    if isinstance(actor, CounsellorActor):
        uploading = waiting is not None and waiting.purpose == "upload"
        if message.document is None:
            if not uploading:
                return False
            await message.reply_text(
                caller._(
                    "I am waiting for the edited synthesis as a file: attach the .docx or "
                    ".odt as a document (📎), or /annuler."
                )
            )
            return True
        if waiting is None or not uploading:
            await message.reply_text(stray_file_text(caller._))
            return True
        await _receive_upload(context, message, caller, actor, waiting.beneficiary_id)
        return True
    if waiting is None or waiting.purpose != "comment" or message.text is None:
        return False
    await _receive_comment(context, message, caller, actor, waiting.version)
    return True


TEXT_FLOWS = (
    Flow(
        (synthesis.FLOW,),
        handle_message,
        lambda wait, _: (
            _("your comment on the synthesis")
            if wait.step == "comment"
            else _("the synthesis file you were about to send")
        ),
    ),
)


async def _receive_comment(
    context: Context, message: Message, caller: Caller, actor: BeneficiaryActor, version: int
) -> None:
    _ = caller._
    assert message.text is not None
    try:
        async with work(context) as session:
            await synthesis.add_comment(session, actor, version, message.text)
    except SynthesisRefused as refused:
        if refused.reason == "not_in_review":
            async with work(context) as session:
                await synthesis.stop_wait(session, actor)
        await message.reply_text(refusal_text(refused.reason, _))
        return
    wake_dispatcher(context)
    await message.reply_text(
        _(
            "Your comment is on its way to your counsellor. They may send you a new version; "
            "you can also agree to this one."
        ),
        reply_markup=review_keyboard(version, _),
    )


UPLOAD_REFUSALS = {
    "not_editable": N_(
        "I can only read an editable document: a .docx (Word) or .odt (LibreOffice) file. "
        "Please send it in one of these formats."
    ),
    "too_large": N_("This file is too large ({size} MB at most). Please send a lighter file."),
    "damaged": N_(
        "I could not open this file: it seems damaged. Save it again from your word "
        "processor and send it once more."
    ),
    "empty": N_("This document holds no text. Please check that you sent the right file."),
}


async def _receive_upload(
    context: Context, message: Message, caller: Caller, actor: CounsellorActor, bid: int
) -> None:
    _ = caller._
    ngettext = ngettext_of(_)
    document = message.document
    assert document is not None
    size_mb = synthesis_files.MAX_UPLOAD_BYTES // (1024 * 1024)
    if document.file_size is not None and document.file_size > synthesis_files.MAX_UPLOAD_BYTES:
        too_large = UPLOAD_REFUSALS["too_large"]
        await message.reply_text(_(too_large).format(size=size_mb))
        return
    try:
        async with work(context) as session:
            person = await get_beneficiary(session, actor, bid)
    except AccessDenied:  # erased meanwhile: say so before showing any work
        await message.reply_text(_("This change is not possible."))
        return
    await context.bot.send_chat_action(actor.telegram_id, ChatAction.UPLOAD_DOCUMENT)
    try:
        telegram_file = await document.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError:
        log.warning("could not download an edited synthesis for beneficiary %s", bid)
        await message.reply_text(
            _("I could not fetch this file from Telegram. Please send it again in a moment.")
        )
        return
    locale = person.locale
    try:
        kind, pdf, pages, remaining = await asyncio.to_thread(build_edited_pdf, data, locale)
    except synthesis_files.EditedFileRefused as refused:
        log.info("edited synthesis refused for beneficiary %s: %s", bid, refused.reason.value)
        await message.reply_text(_(UPLOAD_REFUSALS[refused.reason.value]).format(size=size_mb))
        return
    try:
        async with work(context) as session:
            info = await synthesis.add_version(
                session,
                actor,
                bid,
                origin="upload",
                editable=data,
                editable_format=kind,  # type: ignore[arg-type]
                pdf=pdf,
                pages=pages,
                to_write=remaining,
            )
    except SynthesisRefused as refused:  # the bilan moved on while the file travelled
        await message.reply_text(refusal_text(refused.reason, _))
        return
    log.info("edited synthesis v%s stored for beneficiary %s", info.number, bid)
    await message.reply_document(
        InputFile(pdf, filename=f"{file_stem(person.name, info.number, _)}.pdf"),
        caption=ngettext(
            "Version {number} recorded ({pages} page). Here is its PDF.",
            "Version {number} recorded ({pages} pages). Here is its PDF.",
            pages,
        ).format(number=info.number, pages=pages),
    )
    text, markup = await _screen(context, actor, bid, _, caller.locale)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def on_button(update: Update, context: Context) -> None:
    """Every ``sy:`` press."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    caller = await identify(update, context)
    message = update.effective_message
    if caller is None or caller.actor is None or message is None:
        await query.answer()
        return
    _ = caller._
    actor = caller.actor
    parts = query.data.removeprefix(PREFIX).split(":")
    notice: str | None = None
    try:
        if isinstance(actor, CounsellorActor):
            if not parts[0].isdigit():
                raise AccessDenied("malformed synthesis press")
            await _counsellor_press(context, message, caller, actor, parts)
        else:
            notice = await _beneficiary_press(context, message, caller, actor, parts)
    except AccessDenied:
        log.info("synthesis press refused for %s", actor.kind)
        await _answer(query, _("This button is no longer active."))
        return
    except SynthesisRefused as refused:
        text = refusal_text(refused.reason, _)
        if isinstance(actor, CounsellorActor):
            await message.reply_text(text)
        else:
            await _answer(query, text)
        return
    await _answer(query, notice)


async def _answer(query: CallbackQuery, text: str | None) -> None:
    """Answer a press once; a press already answered is not an error."""
    with contextlib.suppress(BadRequest):
        await query.answer(text)


# --- the retention answer (rg:syn:y|n) ----------------------------------------------------


async def record_retention_answer(
    update: Update, context: Context, actor: BeneficiaryActor, _: Translate, agreed: bool
) -> None:
    """The person's answer on keeping the synthesis, its record, and the counsellor told."""
    message = update.effective_message
    if message is None:
        return
    try:
        async with work(context) as session:
            record = await synthesis.answer_retention(session, actor, agreed)
            person = await get_beneficiary(session, actor, actor.beneficiary_id)
    except RightsError:
        await message.reply_text(_("This question is no longer open."))
        return
    wake_dispatcher(context)
    with contextlib.suppress(BadRequest):
        await message.edit_reply_markup(None)
    if record.delivered_at is None:
        text = (
            _(
                "Noted: your synthesis may be kept for one year, readable only by you and your "
                "counsellor. You can change your mind in /mesdonnees."
            )
            if agreed
            else _(
                "Noted: your synthesis will not be kept. You can change your mind in /mesdonnees."
            )
        )
        await message.reply_text(text)
        return
    if agreed and record.keep_until is not None:
        text = _(
            "Noted: the organisation keeps one copy of your synthesis until {date}, readable "
            "only by you and your counsellor. Here is the record of your answer."
        ).format(date=format_date_long(record.keep_until, actor.locale, actor.timezone))
    elif agreed:
        text = _(
            "Noted. The organisation's copy had already been erased, so nothing more is kept: "
            "your own copy is the only one. Here is the record of your answer."
        )
    elif record.copy_deleted:
        text = _(
            "Noted: the organisation's copy of your synthesis is erased. Yours is the only "
            "one now: keep it safe. Here is the record of your answer."
        )
    else:
        text = _(
            "Noted: the organisation's copy of your synthesis will be erased as soon as your "
            "final document has reached you. Here is the record of your answer."
        )
    facts = RecordFacts(
        person=person.name,
        telegram_id=actor.telegram_id,
        agreed=agreed,
        answer_label=_(KEEP_LABEL) if agreed else _(REFUSE_LABEL),
        answered_at=record.answered_at,
        delivered_at=record.delivered_at,
        delivered_sha256=record.delivered_sha256,
        keep_until=record.keep_until,
        copy_deleted=record.copy_deleted,
    )
    pdf = await asyncio.to_thread(record_pdf, facts, _, actor.locale, actor.timezone)
    title = _("Keeping my synthesis - my answer")
    await message.reply_document(InputFile(pdf, filename=f"{title}.pdf"), caption=text)


def retention_question(
    deadline: datetime | None, _: Translate, locale: str, timezone: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The question, after delivery (with its deadline) or again from ``/mesdonnees``."""
    if deadline is not None:
        text = _(
            "<b>One more question, on its own.</b>\n\n"
            "Do you agree that the organisation keep a copy of your synthesis document for one "
            "year, for your follow-up? It stays readable only by you and your counsellor, then "
            "it is erased.\n\n"
            "If you refuse, or without an answer by {date}, the organisation's copy is erased. "
            "The copy you just received stays yours either way. You can change your answer in "
            "/mesdonnees."
        ).format(date=format_date_long(deadline, locale, timezone))
    else:
        text = _(
            "<b>Keeping your synthesis document</b>\n\n"
            "Do you agree that the organisation keep a copy of your synthesis document for one "
            "year, for your follow-up? It stays readable only by you and your counsellor, then "
            "it is erased. Without your agreement it is not kept. You can change your answer "
            "at any time."
        )
    keyboard = InlineKeyboardMarkup(
        [
            [button(_(KEEP_LABEL), "rg:syn:y")],
            [button(_(REFUSE_LABEL), "rg:syn:n")],
        ]
    )
    return text, keyboard


async def retention_screen(
    context: Context, actor: BeneficiaryActor, _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    """``/mesdonnees`` → the question again, with the deadline while one runs."""
    async with work(context) as session:
        state = await synthesis.status(session, actor, actor.beneficiary_id)
    deadline = None
    if (
        state is not None
        and state.delivered_at is not None
        and state.retention_answered_at is None
        and state.copy_deleted_at is None
    ):
        deadline = state.delivered_at + synthesis.ANSWER_WINDOW
    return retention_question(deadline, _, actor.locale, actor.timezone)


# --- messages sent through the outbox ------------------------------------------------------


def _version_of(row: ClaimedMessage) -> int | None:
    value = (row.payload or {}).get("version")
    return value if isinstance(value, int) else None


@register(REVIEW_KIND, stale_after=timedelta(days=30))
async def render_review(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The version to review, unless another version replaced it in the meantime."""
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    async with context.db.transaction() as session:
        copy = await synthesis.person_copy(session, actor, "review")
    if copy is None or copy[0] != _version_of(row):
        return None
    number, pdf = copy
    _ = context._
    return OutgoingMessage(
        review_caption(number, _),
        keyboard=review_keyboard(number, _),
        document=OutgoingFile(pdf, f"{_('My synthesis')} - v{number}.pdf"),
    )


@register(FINAL_KIND, stale_after=timedelta(days=365))
async def render_final(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    async with context.db.transaction() as session:
        copy = await synthesis.person_copy(session, actor, "final")
    if copy is None:
        return None
    _ = context._
    return OutgoingMessage(
        _(
            "📄 Here is your synthesis document, final version. It belongs to you: you alone "
            "decide whom to show it to. Keep it safe."
        ),
        document=OutgoingFile(copy[1], f"{_('My synthesis')}.pdf"),
    )


@register(RETENTION_KIND, stale_after=synthesis.ANSWER_WINDOW)
async def render_retention(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    actor = context.beneficiary_actor()
    if actor is None:
        return None
    async with context.db.transaction() as session:
        state = await synthesis.status(session, actor, actor.beneficiary_id)
    if (
        state is None
        or state.state != SynthesisState.DELIVERED
        or state.delivered_at is None
        or state.retention_answered_at is not None
        or state.copy_deleted_at is not None
    ):
        return None
    text, keyboard = retention_question(
        state.delivered_at + synthesis.ANSWER_WINDOW, context._, context.locale, context.timezone
    )
    return OutgoingMessage(text, parse_mode=ParseMode.HTML, keyboard=keyboard)


def _synthesis_button(bid: int, name: str, _: Translate) -> InlineKeyboardMarkup:
    label = shorten(_("📝 Synthesis of {name}").format(name=name))
    return InlineKeyboardMarkup([[button(label, f"{PREFIX}{bid}")]])


@register(COMMENT_KIND)
async def render_comment(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The comment itself, read for the counsellor when sent (an audited reading)."""
    actor = context.counsellor_actor()
    comment_id = (row.payload or {}).get("comment")
    if actor is None or not isinstance(comment_id, int):
        return None
    try:
        async with context.db.transaction() as session:
            comment = await synthesis.read_comment(session, actor, comment_id)
            person = await get_beneficiary(session, actor, row.beneficiary_id or 0)
    except AccessDenied:
        return None
    _ = context._
    text = (
        "💬 "
        + _("{name} commented on version {number} of their synthesis:").format(
            name=_e(person.name), number=comment.version
        )
        + "\n\n<i>"
        + _e(comment.text)
        + "</i>"
    )
    return OutgoingMessage(
        text, parse_mode=ParseMode.HTML, keyboard=_synthesis_button(person.id, person.name, _)
    )


@register(AGREED_KIND)
async def render_agreed(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    actor = context.counsellor_actor()
    if actor is None:
        return None
    try:
        async with context.db.transaction() as session:
            person = await get_beneficiary(session, actor, row.beneficiary_id or 0)
    except AccessDenied:
        return None
    _ = context._
    return OutgoingMessage(
        "✅ "
        + _("{name} agrees to version {number} of their synthesis. You can deliver it.").format(
            name=person.name, number=_version_of(row)
        ),
        keyboard=_synthesis_button(person.id, person.name, _),
    )


@register(RETENTION_ANSWERED_KIND)
async def render_retention_answered(
    context: RenderContext, row: ClaimedMessage
) -> OutgoingMessage | None:
    actor = context.counsellor_actor()
    if actor is None:
        return None
    try:
        async with context.db.transaction() as session:
            person = await get_beneficiary(session, actor, row.beneficiary_id or 0)
            state = await synthesis.status(session, actor, person.id)
    except AccessDenied:
        return None
    _ = context._
    if (row.payload or {}).get("agreed") and state is not None and state.keep_until is not None:
        text = _(
            "{name} agrees that the organisation keep a copy of their synthesis until {date}."
        ).format(
            name=person.name,
            date=format_date_long(state.keep_until, context.locale, context.timezone),
        )
    else:
        text = _(
            "{name} does not agree that the organisation keep their synthesis: its copy has "
            "been erased. They keep their own."
        ).format(name=person.name)
    return OutgoingMessage(text)
