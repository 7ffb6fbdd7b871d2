"""The screen of one menu entry (``q:pick:<entry>``): start, continue, retake, or look at
what was done."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.features.questionnaire.finish import SCORED_KINDS
from bot.features.questionnaire.render import MINE_PREFIX, OPEN_PREFIX
from bot.i18n import format_date_long
from bot.keyboards import button
from bot.kit.roles import as_beneficiary
from bot.kit.screens import Screen, e
from bot.menu import Family
from bot.runtime import Caller
from dialogues.engine import progress
from dialogues.instruments import load_all
from storage.responses import RunStatus, own_runs_with_answers


async def entry_screen(session: AsyncSession, caller: Caller, entry: Family) -> Screen:
    """A menu entry's instruments: start, continue or retake each, and see what was sent."""
    actor, _, locale = as_beneficiary(caller), caller._, caller.locale
    runs = await own_runs_with_answers(session, actor)
    instruments = load_all()
    lines = [f"<b>{entry.icon} {e(_(entry.label))}</b>"]
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
            rows.append([button(label, f"{OPEN_PREFIX}{key}")])
        elif done and instrument.kind not in SCORED_KINDS:
            when = format_date_long(
                done[0].submitted_at or done[0].updated_at, locale, actor.timezone
            )
            lines.append(
                _("“{title}” was sent to your counsellor on {when}.").format(
                    title=e(title), when=when
                )
            )
        else:
            start = _("Retake: {title}") if done else _("Start: {title}")
            label = start.format(title=title) + _(" (about {minutes} min)").format(
                minutes=instrument.estimated_minutes
            )
            rows.append([button(label, f"{OPEN_PREFIX}{key}")])
        for run in done[:3]:
            when = format_date_long(run.submitted_at or run.updated_at, locale, actor.timezone)
            see = (
                _("See my result of {when}")
                if instrument.kind in SCORED_KINDS
                else _("See my answers of {when}")
            )
            rows.append([button("👁 " + see.format(when=when), f"{MINE_PREFIX}{run.id}")])
    return Screen("\n".join(lines), rows)
