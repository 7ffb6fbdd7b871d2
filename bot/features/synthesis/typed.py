"""What the synthesis waits for: the person's typed comment, the counsellor's edited file.

The flow ``synthesis`` of the door: after ``sy:cm:<v>`` the person's next
message is their comment on version v; after ``sy:<b>:u`` the counsellor's
next document is the edited synthesis, read back into the next version (its
PDF made here). A counsellor's file nobody asked for is told the way to it
(:func:`stray_file_text`, the feature's ``stray_file``, which the menu asks).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.features.synthesis import files as synthesis_files
from bot.features.synthesis.building import build_edited_pdf, file_stem
from bot.features.synthesis.review import review_keyboard
from bot.features.synthesis.screens import synthesis_screen
from bot.features.synthesis.words import NOT_POSSIBLE
from bot.i18n import N_, Translate, ngettext_of
from bot.kit.door import EITHER, Takes, Typed, text_flow
from bot.kit.refusals import say
from bot.kit.screens import send
from bot.runtime import Caller, Context, wake_dispatcher, work
from storage import synthesis
from storage.actors import AccessDenied, BeneficiaryActor, CounsellorActor, PersonActor
from storage.conversation import Wait
from storage.people import get_beneficiary
from storage.synthesis import SynthesisRefused

log = logging.getLogger(__name__)

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


def stray_file_text(actor: PersonActor, _: Translate) -> str | None:
    """What a counsellor who sends a file nobody asked for is told: the one file
    they send the bot is an edited synthesis, and this is the way to it."""
    if not isinstance(actor, CounsellorActor):
        return None
    return _(
        "To send an edited synthesis, open the person's card, then “📝 Synthesis” "
        "and “📤 Send back an edited version”; then send the file."
    )


async def _receive_comment(
    update: Update, context: Context, caller: Caller, actor: BeneficiaryActor, version: int
) -> None:
    _ = caller._
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        async with work(context) as session:
            await synthesis.add_comment(session, actor, version, message.text)
    except SynthesisRefused as refused:
        if refused.reason == "not_in_review":
            async with work(context) as session:
                await synthesis.stop_wait(session, actor)
        await message.reply_text(say(refused, _))
        return
    wake_dispatcher(context)
    await message.reply_text(
        _(
            "Your comment is on its way to your counsellor. They may send you a new version; "
            "you can also agree to this one."
        ),
        reply_markup=review_keyboard(version, _),
    )


async def _download(message: Message, bid: int, _: Translate) -> bytes | None:
    document = message.document
    assert document is not None
    try:
        telegram_file = await document.get_file()
        return bytes(await telegram_file.download_as_bytearray())
    except TelegramError:
        log.warning("could not download an edited synthesis for beneficiary %s", bid)
        await message.reply_text(
            _("I could not fetch this file from Telegram. Please send it again in a moment.")
        )
        return None


async def _receive_upload(
    update: Update, context: Context, caller: Caller, actor: CounsellorActor, bid: int
) -> None:
    _ = caller._
    ngettext = ngettext_of(_)
    message = update.effective_message
    assert message is not None and message.document is not None
    size_mb = synthesis_files.MAX_UPLOAD_BYTES // (1024 * 1024)
    file_size = message.document.file_size
    if file_size is not None and file_size > synthesis_files.MAX_UPLOAD_BYTES:
        await message.reply_text(_(UPLOAD_REFUSALS["too_large"]).format(size=size_mb))
        return
    try:
        async with work(context) as session:
            person = await get_beneficiary(session, actor, bid)
    except AccessDenied as denied:  # erased meanwhile: say so before showing any work
        await message.reply_text(say(denied, _, NOT_POSSIBLE))
        return
    await context.bot.send_chat_action(actor.telegram_id, ChatAction.UPLOAD_DOCUMENT)
    data = await _download(message, bid, _)
    if data is None:
        return
    try:
        kind, pdf, pages, remaining = await asyncio.to_thread(build_edited_pdf, data, person.locale)
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
        await message.reply_text(say(refused, _))
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
    async with work(context) as session:
        screen = await synthesis_screen(session, actor, bid, _, caller.locale)
    await send(update, screen)


def _label(wait: Wait, _: Translate) -> str:
    if wait.step == "comment":
        return _("your comment on the synthesis")
    return _("the synthesis file you were about to send")


@text_flow(synthesis.FLOW, label=_label, who=EITHER, takes=Takes.ANYTHING)
async def synthesis_message(typed: Typed) -> bool:
    """A comment the person types, or an edited file the counsellor sends; True if taken."""
    caller, actor, message = typed.caller, typed.actor, typed.message
    waiting = synthesis.waiting_of(typed.wait)
    if waiting is None:
        return False
    if isinstance(actor, CounsellorActor):
        if waiting.purpose != "upload":
            return False  # a file nobody waits for: the menu says where it goes
        if message.document is None:
            await message.reply_text(
                caller._(
                    "I am waiting for the edited synthesis as a file: attach the .docx or "
                    ".odt as a document (📎), or /annuler."
                )
            )
            return True
        await _receive_upload(typed.update, typed.context, caller, actor, waiting.beneficiary_id)
        return True
    if waiting.purpose != "comment" or not typed.text or not isinstance(actor, BeneficiaryActor):
        return False
    await _receive_comment(typed.update, typed.context, caller, actor, waiting.version)
    return True


TEXT_FLOWS = (synthesis_message,)
