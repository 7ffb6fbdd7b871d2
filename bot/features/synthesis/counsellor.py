"""The counsellor's presses, from the card in the conclusion phase.

    sy:<b>          where the synthesis stands, and what can be done next
    sy:<b>:g        generate a draft from the stored material (DOCX + PDF sent)
    sy:<b>:d        receive the current version's files again
    sy:<b>:u        send back an edited DOCX/ODT: the next document becomes a version
    sy:<b>:r[:ok]   show the current version to the person (confirm if passages remain to write)
    sy:<b>:c        read the person's comments
    sy:<b>:f[:ok]   deliver the agreed version as final (confirm)

Storage re-checks every id: a person not theirs reads "This button is no
longer active." in the press's answer, before any promise of work. What the
rules refuse (:class:`SynthesisRefused`: not in conclusion, nothing agreed,
copy erased) is said in a new message, with its reason (:mod:`.words`),
since the counsellor may need to read it twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from telegram import InputFile, Message
from telegram.constants import ChatAction

from bot.features.synthesis.building import build_draft_files, file_stem, to_write
from bot.features.synthesis.delivery import prepare_final
from bot.features.synthesis.files import MAX_UPLOAD_BYTES
from bot.features.synthesis.material import gather
from bot.features.synthesis.presses import PRESSES
from bot.features.synthesis.screens import (
    comments_screen,
    delivery_question,
    review_question,
    synthesis_screen,
)
from bot.i18n import Translate, ngettext_of
from bot.kit.presses import Press, Reply, Shown, new_message
from bot.kit.refusals import say
from bot.kit.screens import Screen, Stale, number
from bot.runtime import Context, database, wake_dispatcher, work
from dialogues.synthesis import assemble
from storage import synthesis
from storage.actors import CounsellorActor
from storage.models import utcnow
from storage.people import BeneficiarySummary, get_beneficiary
from storage.synthesis import SynthesisRefused, SynthesisState

log = logging.getLogger(__name__)

CounsellorPress = Callable[[Press, CounsellorActor, int], Awaitable[Shown]]


def _on(verb: str) -> Callable[[CounsellorPress], CounsellorPress]:
    """Register ``sy:<b>:<verb>`` for counsellors: the person's id read, a refusal of the
    rules said in a new message."""

    def register(function: CounsellorPress) -> CounsellorPress:
        @PRESSES.on(verb, who=CounsellorActor)
        async def pressed(press: Press) -> Shown:
            if not isinstance(press.actor, CounsellorActor):
                raise Stale("for counsellors")
            bid = number(press.arg(0))
            try:
                return await function(press, press.actor, bid)
            except SynthesisRefused as refused:
                return new_message(Screen(say(refused, press._)))

        return function

    return register


def _confirmed(press: Press) -> bool:
    return press.args[1:2] == ("ok",)


def _message(press: Press) -> Message:
    message = press.update.effective_message
    if message is None:
        raise Stale("no message")
    return message


async def _screen(press: Press, actor: CounsellorActor, bid: int) -> Screen:
    async with work(press.context) as session:
        return await synthesis_screen(session, actor, bid, press._, press.caller.locale)


async def send_files(
    context: Context,
    chat_id: int,
    person: BeneficiarySummary,
    files: synthesis.VersionFiles,
    _: Translate,
) -> None:
    """The version's editable file, then its PDF, named after the person and the version."""
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


@_on("")
async def open_synthesis(press: Press, actor: CounsellorActor, bid: int) -> Screen:
    return await _screen(press, actor, bid)


@_on("g")
async def generate(press: Press, actor: CounsellorActor, bid: int) -> Reply:
    """Assemble, build both files, store them as the next version, send them.

    The access and phase checks come before the "⏳" line: a forged or stale
    press is refused without first being promised a draft.
    """
    _ = press._
    context = press.context
    async with work(context) as session:
        person = await get_beneficiary(session, actor, bid)
        if person.phase not in synthesis.DRAFTING_PHASES:
            raise SynthesisRefused("not_in_conclusion")
    await press.answer()  # building takes seconds: the press is not left spinning
    ngettext = ngettext_of(_)
    await context.bot.send_chat_action(actor.telegram_id, ChatAction.UPLOAD_DOCUMENT)
    progress = await _message(press).reply_text(
        _("⏳ Assembling the draft from the stored material…")
    )
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
    files = synthesis.VersionFiles(info, editable, pdf)
    await send_files(context, actor.telegram_id, person, files, _)
    return new_message(await _screen(press, actor, bid))


@_on("d")
async def download(press: Press, actor: CounsellorActor, bid: int) -> None:
    context = press.context
    async with work(context) as session:
        person = await get_beneficiary(session, actor, bid)
        files = await synthesis.version_files(session, actor, bid)
    await context.bot.send_chat_action(actor.telegram_id, ChatAction.UPLOAD_DOCUMENT)
    await send_files(context, actor.telegram_id, person, files, press._)


@_on("u")
async def ask_upload(press: Press, actor: CounsellorActor, bid: int) -> Reply:
    """The next document the counsellor sends is the edited file (:mod:`.typed`)."""
    async with work(press.context) as session:
        await synthesis.start_wait(session, actor, bid, "upload")
    text = press._(
        "Send me the edited file now, as a document: .docx or .odt, {size} MB at most. "
        "It becomes the next version; I make its PDF. /annuler to give up."
    ).format(size=MAX_UPLOAD_BYTES // (1024 * 1024))
    return new_message(Screen(text))


@_on("r")
async def review(press: Press, actor: CounsellorActor, bid: int) -> Screen:
    async with work(press.context) as session:
        person = await get_beneficiary(session, actor, bid)
        state = await synthesis.status(session, actor, bid)
        if state is None or state.current is None:
            raise SynthesisRefused("no_version")
        if state.current.to_write and not _confirmed(press):
            return review_question(person, state.current, press._)
        await synthesis.request_review(session, actor, bid)
    wake_dispatcher(press.context)
    return await _screen(press, actor, bid)


@_on("c")
async def comments(press: Press, actor: CounsellorActor, bid: int) -> Reply:
    async with work(press.context) as session:
        person = await get_beneficiary(session, actor, bid)
        read = await synthesis.read_comments(session, actor, bid)
    screen = comments_screen(person, read, press._, press.caller.locale, actor.timezone)
    return new_message(screen)


@_on("f")
async def deliver(press: Press, actor: CounsellorActor, bid: int) -> Screen:
    context = press.context
    if not _confirmed(press):
        async with work(context) as session:
            person = await get_beneficiary(session, actor, bid)
            state = await synthesis.status(session, actor, bid)
        if state is None or state.state != SynthesisState.AGREED or state.current is None:
            raise SynthesisRefused("not_agreed")
        return delivery_question(person, state.current, press._, press.caller.locale)
    now = utcnow()
    final = await prepare_final(database(context), actor, bid, now)
    async with work(context) as session:
        info = await synthesis.deliver(session, actor, bid, now, final)
    log.info("synthesis v%s delivered to beneficiary %s", info.number, bid)
    wake_dispatcher(context)
    return await _screen(press, actor, bid)
