"""The final document, and the person's answer on keeping a copy of it.

The final PDF is built outside any transaction (:func:`prepare_final`, also
used by the desk). After delivery the person is asked, on its own, whether
the organisation may keep a copy for a year; the question comes through the
outbox (:mod:`.notices`) and again from ``/mesdonnees``, its answers are the
data-rights buttons ``rg:syn:y|n`` (:mod:`bot.features.rights`), recorded by
:func:`record_retention_answer` with a PDF of the answer for the person.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest

from bot.features.synthesis.building import build_final_pdf
from bot.features.synthesis.record import RecordFacts, record_pdf
from bot.i18n import N_, Translate, format_date_long
from bot.keyboards import button
from bot.kit.unit import current_unit
from bot.runtime import Context, wake_dispatcher, work
from storage import synthesis
from storage.actors import BeneficiaryActor, CounsellorActor
from storage.db import Database
from storage.people import get_beneficiary
from storage.rights import RightsError

log = logging.getLogger(__name__)

KEEP_LABEL = N_("✅ Yes, keep a copy for one year")
REFUSE_LABEL = N_("No, erase the organisation's copy")


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
