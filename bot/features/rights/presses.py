"""The ``rg:`` buttons of ``/mesdonnees``: one small function per verb.

Every press is re-checked against the person who pressed, found by
:func:`bot.features.rights.holder.rights_holder` (consent given or
withdrawn); the erasure's two confirmations are kept in the database, so a
forged press cannot skip one. Each screen takes the place of the pressed
message; what is kept and the copy come as new messages.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import InlineKeyboardMarkup, InputFile
from telegram.constants import ChatAction

from bot.export import build_json, build_pdf, file_names
from bot.features.rights import screens
from bot.features.rights.holder import rights_holder
from bot.features.rights.retention import policy_of
from bot.features.synthesis import delivery as synthesis_delivery
from bot.kit.presses import Press, Presses, Reply
from bot.kit.screens import Screen, Stale
from bot.runtime import wake_dispatcher, work
from storage import rights
from storage.actors import BeneficiaryActor
from storage.models import BeneficiaryStatus, utcnow

log = logging.getLogger(__name__)

PREFIX = "rg:"
PRESSES = Presses(PREFIX.rstrip(":"), who_pressed=rights_holder)


@PRESSES.on("home", who=BeneficiaryActor)
@PRESSES.on("keep", who=BeneficiaryActor)
async def home(press: Press) -> Screen:
    """The entry screen: also leaves an erasure half-way, or keeps the data after withdrawing."""
    me = press.beneficiary
    async with work(press.context) as session:
        await rights.cancel(session, me)
        return await screens.home_screen(
            session, me, press._, press.caller.locale, policy_of(press.context)
        )


@PRESSES.on("see", who=BeneficiaryActor)
async def see(press: Press) -> Reply:
    """What is kept, until when, who opened it: in new messages under the entry screen."""
    me = press.beneficiary
    await press.answer()
    async with work(press.context) as session:
        dossier = await rights.collect(session, me, policy=policy_of(press.context))
    shown = screens.see_screens(dossier, press._, press.caller.locale, me.timezone)
    return Reply(shown, in_place=False)


@PRESSES.on("exp", who=BeneficiaryActor)
async def export(press: Press) -> None:
    """The copy: a PDF to read and print, and the same data complete in JSON."""
    me = press.beneficiary
    _ = press._
    locale = press.caller.locale
    bot = press.context.bot
    await press.answer()
    chat = me.telegram_id
    await bot.send_chat_action(chat, ChatAction.UPLOAD_DOCUMENT)
    began = time.perf_counter()
    async with work(press.context) as session:
        dossier = await rights.collect(session, me, policy=policy_of(press.context))
    pdf = await asyncio.to_thread(build_pdf, dossier, locale, me.timezone)
    document = await asyncio.to_thread(build_json, dossier, locale)
    log.info(
        "beneficiary %s exported their data in %.0f ms",
        me.beneficiary_id,
        (time.perf_counter() - began) * 1000,
    )
    pdf_name, json_name = file_names(dossier)
    await bot.send_document(
        chat, InputFile(pdf, filename=pdf_name), caption=_("Your data, to read and print (PDF).")
    )
    await bot.send_document(
        chat,
        InputFile(document, filename=json_name),
        caption=_("The same data, complete and machine-readable (JSON)."),
        reply_markup=InlineKeyboardMarkup(screens.back_row(_)),
    )


@PRESSES.on("del", who=BeneficiaryActor)
async def erase_asked(press: Press) -> Screen:
    async with work(press.context) as session:
        await rights.request_erasure(session, press.beneficiary)
    return screens.erase_first(press._)


@PRESSES.on("del1", who=BeneficiaryActor)
async def erase_confirmed(press: Press) -> Screen:
    async with work(press.context) as session:
        confirmed = await rights.confirm_erasure(session, press.beneficiary)
    return screens.erase_second(press._) if confirmed else screens.expired(press._)


@PRESSES.on("del2", who=BeneficiaryActor)
async def erase_now(press: Press) -> Screen:
    me = press.beneficiary
    async with work(press.context) as session:
        erased = await rights.erase_own_data(session, me, utcnow())
    if erased is None:
        return screens.expired(press._)
    wake_dispatcher(press.context)
    log.info(
        "beneficiary %s erased their data (%d rows)", me.beneficiary_id, sum(erased.rows.values())
    )
    return screens.erased(press._)


@PRESSES.on("wd", who=BeneficiaryActor)
async def withdraw_asked(press: Press) -> Screen:
    me = press.beneficiary
    async with work(press.context) as session:
        dossier = await rights.collect(session, me, policy=policy_of(press.context))
    if dossier.profile.status != BeneficiaryStatus.ACTIVE:
        return Screen(press._("Your consent is already withdrawn."))
    return screens.withdraw_question(dossier, press._, press.caller.locale, me.timezone)


@PRESSES.on("wd1", who=BeneficiaryActor)
async def withdraw_now(press: Press) -> Screen:
    me = press.beneficiary
    async with work(press.context) as session:
        withdrawn = await rights.withdraw_consent(session, me, utcnow())
    if withdrawn is not None:
        wake_dispatcher(press.context)
        log.info(
            "beneficiary %s withdrew consent (%d messages cancelled)",
            me.beneficiary_id,
            withdrawn.cancelled_messages,
        )
    return screens.withdrawn(press._)


@PRESSES.on("syn", who=BeneficiaryActor)
async def synthesis_kept(press: Press) -> Screen | None:
    """``rg:syn``: the question on keeping the synthesis, again; ``rg:syn:y|n``: the answer."""
    me = press.beneficiary
    if press.args:
        answer = press.arg(0)
        if answer not in ("y", "n") or len(press.args) > 1:
            raise Stale("not an answer")
        await synthesis_delivery.record_retention_answer(
            press.update, press.context, me, press._, answer == "y"
        )
        return None
    async with work(press.context) as session:
        open_question = await rights.may_answer_synthesis(session, me)
    if not open_question:
        return Screen(press._("This question is no longer open."))
    text, keyboard = await synthesis_delivery.retention_screen(press.context, me, press._)
    return Screen(text, [list(row) for row in keyboard.inline_keyboard])
