"""The counsellor reads a submitted instrument: ``d:<run id>``, re-checked on every press."""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import Update

from bot.documents import answers_pdf
from bot.features.followups.answers import plan_progress_lines
from bot.features.questionnaire.finish import READ_PREFIX, SCORED_KINDS, recap_messages, send_result
from bot.i18n import format_day_and_time
from bot.replies import reply_lines
from bot.runtime import Context, identify, work
from dialogues.engine import recap
from dialogues.instruments import load_all
from storage.actors import AccessDenied, CounsellorActor
from storage.people import get_beneficiary
from storage.responses import read_run

log = logging.getLogger(__name__)


async def read_submitted(update: Update, context: Context) -> None:
    query = update.callback_query
    caller = await identify(update, context)
    if query is None or query.data is None:
        return
    await query.answer()
    if caller is None or not isinstance(caller.actor, CounsellorActor):
        return
    actor = caller.actor
    _ = caller._
    message = update.effective_message
    raw = query.data.removeprefix(READ_PREFIX)
    if message is None:
        return
    try:
        if not raw.isdigit():
            raise AccessDenied("malformed run id")
        async with work(context) as session:
            run = await read_run(session, actor, int(raw))
            person = await get_beneficiary(session, actor, run.beneficiary_id)
    except AccessDenied:
        log.info("counsellor %s refused a run", actor.counsellor_id)
        await message.reply_text(_("These answers are not available to you."))
        return
    instrument = load_all().get(run.instrument_key)
    if instrument is None or run.submitted_at is None:
        return
    locale = caller.locale
    title = instrument.title_about(locale)
    when = format_day_and_time(run.submitted_at, locale, actor.timezone)
    header = _("<b>{title}</b> — {name}, sent on {when}").format(
        title=html.escape(title), name=html.escape(person.name), when=html.escape(when)
    )
    if instrument.kind in SCORED_KINDS and run.result is not None:
        await message.reply_text(header)
        await send_result(
            context, actor.telegram_id, instrument.kind, run.result, locale, person.name
        )
        return
    progress = plan_progress_lines(run.answers, locale, _)
    await reply_lines(
        message,
        [header, "", *progress, *recap_messages(instrument, run.answers, locale, about=True)],
    )
    sections = recap(instrument, run.answers, locale, about=True)
    footer = _(
        "Confidential: shared by the beneficiary with their counsellor only, "
        "who is bound by professional secrecy."
    )
    pdf = await asyncio.to_thread(answers_pdf, title, f"{person.name} — {when}", sections, footer)
    await context.bot.send_document(
        actor.telegram_id, pdf, filename=f"{instrument.key}-{run.id}.pdf"
    )
