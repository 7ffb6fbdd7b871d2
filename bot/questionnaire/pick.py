"""The screen of one menu entry: start, continue, retake, or look at what was done."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n import format_date_long
from bot.keyboards import button
from bot.menu import PICK_PREFIX, family
from bot.questionnaire.finish import SCORED_KINDS, recap_messages, send_result
from bot.replies import reply_lines
from bot.runtime import Context, identify, work
from dialogues.engine import progress
from dialogues.instruments import load_all
from storage.actors import AccessDenied, BeneficiaryActor
from storage.responses import RunStatus, own_runs_with_answers, read_run

MINE_PREFIX = "q:mine:"


async def pick(update: Update, context: Context) -> None:
    query = update.callback_query
    caller = await identify(update, context)
    if query is None or query.data is None:
        return
    await query.answer()
    entry = family(query.data.removeprefix(PICK_PREFIX))
    message = update.effective_message
    if caller is None or not isinstance(caller.actor, BeneficiaryActor) or entry is None:
        return
    actor, _, locale = caller.actor, caller._, caller.locale
    async with work(context) as session:
        runs = await own_runs_with_answers(session, actor)
    instruments = load_all()
    lines = [f"<b>{entry.icon} {html.escape(_(entry.label))}</b>"]
    rows: list[list[InlineKeyboardButton]] = []
    for key in entry.instruments:
        instrument = instruments.get(key)
        if instrument is None:
            continue
        title = instrument.title.get(locale)
        mine = [r for r in runs if r.instrument_key == key]
        open_run = next((r for r in mine if r.status == RunStatus.IN_PROGRESS), None)
        done = [r for r in mine if r.status == RunStatus.SUBMITTED]
        if open_run is not None:
            percent = progress(instrument, open_run.answers).percent
            label = _("Continue: {title} ({percent} %)").format(title=title, percent=percent)
            rows.append([button(label, f"q:open:{key}")])
        elif done and instrument.kind not in SCORED_KINDS:
            when = format_date_long(
                done[0].submitted_at or done[0].updated_at, locale, actor.timezone
            )
            lines.append(
                _("“{title}” was sent to your counsellor on {when}.").format(
                    title=html.escape(title), when=when
                )
            )
        else:
            start = _("Retake: {title}") if done else _("Start: {title}")
            label = start.format(title=title) + _(" (about {minutes} min)").format(
                minutes=instrument.estimated_minutes
            )
            rows.append([button(label, f"q:open:{key}")])
        for run in done[:3]:
            when = format_date_long(run.submitted_at or run.updated_at, locale, actor.timezone)
            see = (
                _("See my result of {when}")
                if instrument.kind in SCORED_KINDS
                else _("See my answers of {when}")
            )
            rows.append([button("👁 " + see.format(when=when), f"{MINE_PREFIX}{run.id}")])
    if message is not None:
        await message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


async def see_mine(update: Update, context: Context) -> None:
    """``q:mine:<run>``: a beneficiary looks at their own submitted answers or result."""
    query = update.callback_query
    caller = await identify(update, context)
    if query is None or query.data is None:
        return
    await query.answer()
    message = update.effective_message
    if caller is None or not isinstance(caller.actor, BeneficiaryActor) or message is None:
        return
    raw = query.data.removeprefix(MINE_PREFIX)
    try:
        if not raw.isdigit():
            raise AccessDenied("malformed run id")
        async with work(context) as session:
            run = await read_run(session, caller.actor, int(raw))
    except AccessDenied:
        await message.reply_text(caller._("This button is no longer active."))
        return
    instrument = load_all().get(run.instrument_key)
    if instrument is None:
        return
    if instrument.kind in SCORED_KINDS and run.result is not None:
        await send_result(
            context, caller.actor.telegram_id, instrument.kind, run.result, caller.locale
        )
        return
    title = f"<b>{html.escape(instrument.title.get(caller.locale))}</b>"
    await reply_lines(message, [title, "", *recap_messages(instrument, run.answers, caller.locale)])
